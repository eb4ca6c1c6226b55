/**
 * The change cards the user dismissed, kept in Lab's state database so a
 * reloaded page does not bring them (and their cell markers) back. The
 * server does not know about dismissals: they are a view choice of this
 * browser.
 */
import type { IStateDB } from '@jupyterlab/statedb';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { ISignal, Signal } from '@lumino/signaling';

/** The key of the dismissals in the state database. */
const STATE_KEY = 'ci-jupyterlab:dismissed-changes';

/** Sessions whose cards are kept, the newest last: older ones are forgotten. */
const MAX_SESSIONS = 200;

export class Dismissals {
  /** Read the dismissals saved in `state`, if given; without it they last a page load. */
  constructor(state?: IStateDB | null) {
    this._state = state ?? null;
    this._loaded = this._load();
  }

  /** Resolves when the saved dismissals are read (at once without a state database). */
  get loaded(): Promise<void> {
    return this._loaded;
  }

  /** Emitted when the dismissals change, or once they are read. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Whether the card of a session's request was dismissed. */
  has(session: string, request: number): boolean {
    return this._dismissed.get(session)?.includes(request) ?? false;
  }

  /** Dismiss the card of a session's request, and save that. */
  add(session: string, request: number): void {
    if (this.has(session, request)) {
      return;
    }
    const requests = [...(this._dismissed.get(session) ?? []), request];
    this._dismissed.delete(session);
    this._dismissed.set(session, requests);
    while (this._dismissed.size > MAX_SESSIONS) {
      this._dismissed.delete(this._dismissed.keys().next().value as string);
    }
    this._changed.emit();
    void this._save();
  }

  private async _load(): Promise<void> {
    if (!this._state) {
      return;
    }
    try {
      const saved = (await this._state.fetch(STATE_KEY)) as
        ReadonlyPartialJSONObject | undefined;
      for (const [session, requests] of Object.entries(saved ?? {})) {
        if (Array.isArray(requests)) {
          const known = this._dismissed.get(session) ?? [];
          this._dismissed.set(session, [
            ...requests.filter((r): r is number => typeof r === 'number'),
            ...known
          ]);
        }
      }
      this._changed.emit();
    } catch (error) {
      console.warn('ci-jupyterlab: dismissed changes not read', error);
    }
  }

  private async _save(): Promise<void> {
    if (!this._state) {
      return;
    }
    try {
      await this._state.save(STATE_KEY, Object.fromEntries(this._dismissed));
    } catch (error) {
      console.warn('ci-jupyterlab: dismissed changes not saved', error);
    }
  }

  private _state: IStateDB | null;
  private _dismissed = new Map<string, number[]>();
  private _loaded: Promise<void>;
  private _changed = new Signal<this, void>(this);
}
