/**
 * What the chat shows when a notebook's kernel is lost: one card, in the
 * right words, kept in the session record (see `kernel_card` in
 * docs/protocol.md) so a reload shows it as it was. Plain functions over a
 * conversation's entries; Conversation applies them.
 */
import type { ChatEntry, IKernelEntry } from './entries';
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
export function withoutClosingError(entries: ChatEntry[]): ChatEntry[] {
  const last = entries[entries.length - 1];
  return last?.kind === 'notice' && last.level === 'error'
    ? entries.slice(0, -1)
    : entries;
}

/**
 * What a request that ended because of its kernel should show: `closed`
 * or `deleted` (its notebook was closed, or deleted: a notice), a card's
 * cause (the kernel was lost
 * and no card is on offer for it yet), or null (the card the loss put on
 * offer says it already).
 */
export function kernelEnding(
  entries: ReadonlyArray<ChatEntry>
): KernelCause | 'closed' | 'deleted' | null {
  const start = entries.map(entry => entry.kind).lastIndexOf('user');
  const since = entries.slice(Math.max(start, 0));
  const steps = since.filter(entry => entry.kind === 'step');
  const state = steps[steps.length - 1]?.state;
  if (state === 'notebook_closed') {
    return 'closed';
  }
  if (state === 'notebook_deleted') {
    return 'deleted';
  }
  if (
    since.some(entry => entry.kind === 'kernel' && entry.state === 'offered')
  ) {
    return null;
  }
  return state === 'kernel_restarted' ? 'restarted' : 'died';
}
