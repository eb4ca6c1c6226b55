/**
 * The entries a conversation shows, in order, and the changes made to them.
 * Each change below says so (the conversation's `changed`); `set` does not:
 * it is one part of a larger change whose caller says it once at the end.
 */
import { assistantEntry, ChatEntry } from './entries';

export class EntryLog {
  /** `changed` is called after each change that is said. */
  constructor(changed: () => void) {
    this._changed = changed;
  }

  get entries(): ReadonlyArray<ChatEntry> {
    return this._entries;
  }

  /** Put these entries in place of the shown ones, without saying so. */
  set(entries: ChatEntry[]): void {
    this._entries = entries;
  }

  /** Show an entry at the end. */
  push(entry: ChatEntry): void {
    this._entries.push(entry);
    this._changed();
  }

  /** Replace the first entry that matches; nothing happens when none does. */
  replace(
    matches: (entry: ChatEntry) => boolean,
    change: (entry: ChatEntry) => ChatEntry
  ): void {
    const index = this._entries.findIndex(matches);
    if (index < 0) {
      return;
    }
    this._entries[index] = change(this._entries[index]);
    this._changed();
  }

  /** The last entry of a kind, if any. */
  last<K extends ChatEntry['kind']>(
    kind: K
  ): Extract<ChatEntry, { kind: K }> | undefined {
    for (let index = this._entries.length - 1; index >= 0; index--) {
      if (this._entries[index].kind === kind) {
        return this._entries[index] as Extract<ChatEntry, { kind: K }>;
      }
    }
    return undefined;
  }

  /** Change the last entry of a kind (the request's, the answer's); nothing happens when there is none. */
  replaceLast<K extends ChatEntry['kind']>(
    kind: K,
    change: (entry: Extract<ChatEntry, { kind: K }>) => ChatEntry
  ): void {
    const entry = this.last(kind);
    if (entry !== undefined) {
      this._entries[this._entries.indexOf(entry)] = change(entry);
      this._changed();
    }
  }

  /** Streamed text extends the last assistant block, or starts one (a folded first answer ends one). */
  appendText(text: string): void {
    const last = this._entries[this._entries.length - 1];
    if (last?.kind === 'assistant' && !last.firstAnswer) {
      this._entries[this._entries.length - 1] = {
        ...last,
        text: last.text + text
      };
      this._changed();
    } else {
      this.push(assistantEntry(text));
    }
  }

  /** The text streamed since the last step, cut off mid-answer, is dropped. */
  dropStreamedText(): void {
    const last = this._entries[this._entries.length - 1];
    if (last?.kind === 'assistant') {
      this._entries.pop();
      this._changed();
    }
  }

  private _entries: ChatEntry[] = [];
  private _changed: () => void;
}
