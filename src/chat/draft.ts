/**
 * The text in the chat's message input, kept apart from the input widget:
 * the settings view takes the input's place for a while, and a request that
 * failed gives its text back (see restoreFailedText), so nothing typed is
 * lost.
 */
import { ISignal, Signal } from '@lumino/signaling';

export class Draft {
  get text(): string {
    return this._text;
  }

  set text(text: string) {
    if (text !== this._text) {
      this._text = text;
      this._changed.emit(text);
    }
  }

  /** Emitted with the new text whenever it changes. */
  get changed(): ISignal<this, string> {
    return this._changed;
  }

  private _text = '';
  private _changed = new Signal<this, string>(this);
}
