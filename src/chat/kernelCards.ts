/**
 * What the chat shows when a notebook's kernel is lost: one card, in the
 * right words, kept in the session record (see `kernel_card` in
 * docs/protocol.md) so a reload shows it as it was. KernelCardLog keeps a
 * conversation's cards, with the plain functions below.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import type { EntryLog } from './entryLog';
import {
  ChatEntry,
  IKernelEntry,
  INoticeEntry,
  kernelEntry,
  noticeEntry
} from './entries';
import type { IKernelCard, KernelCause } from '../server/protocol';

/**
 * A card from the record as this page shows it. One that was restoring
 * when the page went away is on offer again: that restore stopped with it.
 */
export function replayedCard(session: string, card: IKernelCard): IKernelEntry {
  const { id, cause, state, ran, total, failure } = card;
  return {
    kind: 'kernel',
    id,
    session,
    cause,
    state: state === 'restoring' ? 'offered' : state,
    ran,
    total,
    failure
  };
}

/**
 * The entries without the error the server sends when a request ends with
 * its kernel or notebook gone (the last entry, when it is an error notice):
 * the kernel's card says it in its place.
 */
export function withoutClosingError(
  entries: ReadonlyArray<ChatEntry>
): ReadonlyArray<ChatEntry> {
  const last = entries[entries.length - 1];
  return last?.kind === 'notice' && last.level === 'error'
    ? entries.slice(0, -1)
    : entries;
}

/**
 * What a request that ended because of its kernel should show: `closed`
 * or `deleted` (its notebook was closed, or deleted: a notice), a card's
 * cause (the kernel was lost and no card says it yet), or null (the card
 * the loss made says it already).
 *
 * The loss that ends a request happens while its last step runs, so its
 * card comes after that step, whatever became of it since: the server's
 * `done` may arrive after the user restored the state (on a loaded machine,
 * seconds after the loss), and a second card for the same loss would offer
 * again what was done.
 */
export function kernelEnding(
  entries: ReadonlyArray<ChatEntry>
): KernelCause | 'closed' | 'deleted' | null {
  const start = entries.map(entry => entry.kind).lastIndexOf('user');
  const since = entries.slice(Math.max(start, 0));
  const lastStep = since.map(entry => entry.kind).lastIndexOf('step');
  const step = since[lastStep];
  const state = step?.kind === 'step' ? step.state : undefined;
  if (state === 'notebook_closed') {
    return 'closed';
  }
  if (state === 'notebook_deleted') {
    return 'deleted';
  }
  if (since.slice(lastStep + 1).some(isLossCard)) {
    return null;
  }
  return state === 'kernel_restarted' ? 'restarted' : 'died';
}

/** A card about a lost kernel (not the restart an undo asked for). */
function isLossCard(entry: ChatEntry): boolean {
  return entry.kind === 'kernel' && entry.cause !== 'undo';
}

/** The kernel cards of one conversation, among its entries. */
export class KernelCardLog {
  constructor(options: KernelCardLog.IOptions) {
    this._log = options.log;
    this._trans = options.trans;
    this._conversation = options.conversation;
    this._cardChanged = options.cardChanged;
  }

  /**
   * The kernel was lost (`cause` says how): offer to restore its state. One
   * card is on offer at a time, the latest at the end. Not for a replayed
   * history: its cards come as the record kept them.
   */
  offerRestore(cause: KernelCause): void {
    if (this._conversation.replaying() || this.restoring) {
      return; // a restart of ours (Undo's "Also restore the kernel"): its card says it
    }
    this._withoutOffered();
    const entry = kernelEntry(this._conversation.session(), cause);
    this._log.push(entry);
    this._cardChanged(entry);
  }

  /** Whether a restore of the kernel runs now (its card shows the progress). */
  get restoring(): boolean {
    return this._log.entries.some(
      entry => entry.kind === 'kernel' && entry.state === 'restoring'
    );
  }

  /**
   * Show the card of a kernel restore that starts now (Undo's "Also restore
   * the kernel"), which will run `total` cells; returns its entry's id.
   */
  startRestore(total: number): string {
    const entry: IKernelEntry = {
      ...kernelEntry(this._conversation.session(), 'undo'),
      state: 'restoring',
      total
    };
    this._log.push(entry);
    this._cardChanged(entry);
    return entry.id;
  }

  /** Change a restore card: its progress and how it ended. */
  update(
    id: string,
    update: Partial<Pick<IKernelEntry, 'state' | 'ran' | 'total' | 'failure'>>
  ): void {
    this._log.replace(
      entry => entry.kind === 'kernel' && entry.id === id,
      entry => ({ ...(entry as IKernelEntry), ...update })
    );
    const card = this._log.entries.find(entry => entry.id === id);
    if (card?.kind === 'kernel' && !this._conversation.replaying()) {
      this._cardChanged(card);
    }
  }

  /** A kernel card as the record kept it: shown as it was (see replayedCard). */
  showRecorded(card: IKernelCard): void {
    const entry = replayedCard(this._conversation.session(), card);
    if (this._log.entries.some(shown => shown.id === entry.id)) {
      this._log.replace(
        shown => shown.id === entry.id,
        () => entry
      );
      return;
    }
    this._withoutOffered();
    this._log.push(entry);
  }

  /**
   * The notebook was deleted under this conversation: said once. The
   * panel writes nothing to it any more (see DeletedNotebooks).
   */
  notebookDeleted(): void {
    if (this._deletedSaid) {
      return;
    }
    this._deletedSaid = true;
    this._notice(
      this._trans.__(
        '%1 was deleted while the assistant worked in it: the request stopped, and nothing was written back.',
        this._conversation.path()
      ),
      this._trans.__(
        'Its cells are still open in this window: File ▸ Save Notebook As… keeps them.'
      )
    );
  }

  /**
   * A request ends because its kernel or notebook went away: the server's
   * error goes (the card or notice `endedByKernel` shows says it; it would
   * be a second box).
   */
  dropClosingError(): void {
    this._log.set([...withoutClosingError(this._log.entries)]);
  }

  /**
   * The request ended because its kernel or notebook went away: that is
   * said once, by the kernel's card (kept when the loss already put one on
   * offer), or by a notice when the notebook was closed.
   */
  endedByKernel(): void {
    const ending = kernelEnding(this._log.entries);
    if (ending === 'deleted') {
      this.notebookDeleted();
    } else if (ending === 'closed') {
      this._notice(
        this._trans.__(
          'The notebook was closed while the assistant’s cell ran, so the request stopped.'
        ),
        this._trans.__(
          'Its kernel was left running (the cell may still be running in it). Reopen the notebook to go on.'
        ),
        'info'
      );
    } else if (ending !== null) {
      this.offerRestore(ending);
    }
  }

  /** The card on offer goes: a newer one takes its place. */
  private _withoutOffered(): void {
    this._log.set(
      this._log.entries.filter(
        entry => !(entry.kind === 'kernel' && entry.state === 'offered')
      )
    );
  }

  private _notice(
    message: string,
    hint: string,
    level: INoticeEntry['level'] = 'error'
  ): void {
    this._log.push(noticeEntry(message, level, hint));
  }

  private _log: EntryLog;
  private _trans: TranslationBundle;
  private _conversation: KernelCardLog.IConversation;
  private _cardChanged: (card: IKernelEntry) => void;
  private _deletedSaid = false;
}

export namespace KernelCardLog {
  /** What the cards need to know of their conversation, as it is now. */
  export interface IConversation {
    session(): string;
    path(): string;
    replaying(): boolean;
  }

  export interface IOptions {
    log: EntryLog;
    trans: TranslationBundle;
    conversation: IConversation;
    /** Called when a card of this window appears or changes (not a replayed one). */
    cardChanged: (card: IKernelEntry) => void;
  }
}
