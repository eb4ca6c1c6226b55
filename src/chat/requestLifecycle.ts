/**
 * Where a conversation's request stands: running or not, driven by this
 * window or watched, its last status and when the phase began, when it was
 * sent and how long it took. The times are this window's: none while a
 * saved history is replayed.
 */
import type { IStatusMessage } from '../server/protocol';

export class RequestLifecycle {
  /** `changed` is called after each change that is said. */
  constructor(changed: () => void) {
    this._changed = changed;
  }

  /** Whether a request is running. */
  get busy(): boolean {
    return this._busy;
  }

  /**
   * Whether this window only watches the session: another window (a second
   * tab on the same notebook) drives its request and runs its cells.
   */
  get watching(): boolean {
    return this._watching;
  }

  /** The last `status` message of the current or last request. */
  get status(): IStatusMessage | null {
    return this._status;
  }

  /**
   * When the current phase began (ms since the epoch); null when restored.
   * A phase begins with each `status` message, and when an approval starts
   * or stops waiting for the user.
   */
  get statusSince(): number | null {
    return this._statusSince;
  }

  /** When the current or last request was sent from this window; null when restored. */
  get startedAt(): number | null {
    return this._startedAt;
  }

  /** How long the last request took, once it ended in this window. */
  get durationMs(): number | null {
    return this._durationMs;
  }

  /**
   * How many times the user sent a request or answered a card here: from
   * each, the chat follows the request to its end (see useFollow).
   */
  get followRequests(): number {
    return this._followRequests;
  }

  /** Whether a saved history is being replayed (its times are not this window's). */
  replaying = false;

  /** Now, for timers; null while replaying a saved history. */
  clock(): number | null {
    return this.replaying ? null : Date.now();
  }

  /** The user acted: the chat follows what comes next. */
  follow(): void {
    this._followRequests += 1;
    this._changed();
  }

  /** A request starts: the last status goes (the caller says the change). */
  start(): void {
    this._busy = true;
    this._status = null;
    this._startedAt = this.clock();
    this._durationMs = null;
    this._followRequests += 1;
  }

  /** The request is over (the caller says the change). */
  finish(): void {
    this._busy = false;
    this._watching = false;
    if (this._startedAt !== null) {
      this._durationMs = Date.now() - this._startedAt;
    }
  }

  /** A phase begins now: an approval or a question waits, or was answered (the caller says the change). */
  phaseBegins(): void {
    this._statusSince = this.clock();
  }

  /** The server says what the assistant does now. */
  setStatus(status: IStatusMessage): void {
    // The server sends one as each phase begins (two answers of the
    // model, or two cells, are two phases even when named alike).
    this._statusSince = this.clock();
    this._status = status;
    this._changed();
  }

  /** This window attached to the session: it drives it, or watches another window drive it. */
  attached(watching: boolean, busy: boolean): void {
    this._watching = watching;
    this._busy = busy;
    this._changed();
  }

  private _changed: () => void;
  private _busy = false;
  private _watching = false;
  private _status: IStatusMessage | null = null;
  private _statusSince: number | null = null;
  private _startedAt: number | null = null;
  private _durationMs: number | null = null;
  private _followRequests = 0;
}
