/**
 * What a conversation's requests used: the tokens of the current or last
 * one, and what they all cost so far.
 */
import type { IUsageMessage } from '../server/protocol';

/** Token counts of a request so far, and its cost where the model has a price. */
export type Usage = Pick<
  IUsageMessage,
  'prompt_tokens' | 'completion_tokens' | 'total_tokens' | 'cost'
>;

export class UsageCounter {
  /** `changed` is called after each change that is said. */
  constructor(changed: () => void) {
    this._changed = changed;
  }

  /** Tokens used by the current or last request. */
  get usage(): Usage | null {
    return this._usage;
  }

  /**
   * What the conversation's requests cost so far, in US dollars; null while
   * none had a price (local models).
   */
  get sessionCost(): number | null {
    const current = this._usage?.cost;
    if (typeof current !== 'number' && this._spentBefore === 0) {
      return null;
    }
    return this._spentBefore + (current ?? 0);
  }

  /** The usage of the current request so far. */
  update(usage: Usage): void {
    this._usage = usage;
    this._changed();
  }

  /** A new request starts: the last one's cost is counted, its tokens go (the caller says the change). */
  startRequest(): void {
    this._spentBefore += this._usage?.cost ?? 0;
    this._usage = null;
  }

  /** A saved session continues: its last request's usage, and what the ones before cost (the caller says the change). */
  restore(usage: Usage | null, spentBefore: number): void {
    this._usage = usage;
    this._spentBefore = spentBefore;
  }

  private _changed: () => void;
  private _usage: Usage | null = null;
  /** The cost of the requests before the current or last one. */
  private _spentBefore = 0;
}
