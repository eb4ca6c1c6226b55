/**
 * Tells the user that the assistant waits for their answer (an approval, a
 * question) while the chat panel is out of sight (its sidebar closed, or another panel shown there):
 * the panel's tab gets a badge and says so in its tooltip, and a
 * notification offers to show the card. Both go once the user answers, or
 * sees the panel. Nothing here answers anything.
 */
import { Notification } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { IDisposable } from '@lumino/disposable';
import {
  IMessageHandler,
  IMessageHook,
  Message,
  MessageLoop
} from '@lumino/messaging';
import type { Widget } from '@lumino/widgets';

import type { IApprovalEntry, IQuestionEntry } from './entries';
import type { ChatModel } from './model';

/** The class of the panel's tab while a card waits for the user out of sight. */
export const WAITING_CLASS = 'jp-ci-mod-waiting';

export class ApprovalAlert implements IDisposable {
  constructor(options: ApprovalAlert.IOptions) {
    this._model = options.model;
    this._panel = options.panel;
    this._show = options.show;
    this._trans = options.trans;
    this._caption = this._panel.title.caption;
    this._model.changed.connect(this._update, this);
    MessageLoop.installMessageHook(this._panel, this._hook);
    this._update();
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._model.changed.disconnect(this._update, this);
    MessageLoop.removeMessageHook(this._panel, this._hook);
    this._alert(null);
  }

  /**
   * The panel was shown or hidden. The hook runs before the panel notes it
   * (isVisible is still the old value): look once it has.
   */
  private _hook: IMessageHook = {
    messageHook: (_: IMessageHandler, message: Message): boolean => {
      if (message.type === 'after-show' || message.type === 'after-hide') {
        void Promise.resolve().then(() => this._update());
      }
      return true;
    }
  };

  private _update(): void {
    if (this._isDisposed) {
      return;
    }
    const card =
      this._model.conversations
        .map(conversation => conversation.waitingCard)
        .find(card => card !== null) ?? null;
    this._alert(this._panel.isVisible ? null : card);
  }

  /** Show the badge, the tooltip and the notification for a card, or take them back. */
  private _alert(card: IApprovalEntry | IQuestionEntry | null): void {
    const { title } = this._panel;
    if (card) {
      const trans = this._trans;
      title.className = WAITING_CLASS;
      title.caption =
        card.kind === 'approval'
          ? trans.__('Code Interpreter: waiting for your approval')
          : trans.__('Code Interpreter: waiting for your answer');
      this._notification ??= Notification.warning(
        card.kind === 'approval'
          ? trans.__('Code Interpreter is waiting for your approval.')
          : trans.__('Code Interpreter is waiting for your answer.'),
        {
          autoClose: false,
          actions: [
            {
              label: trans.__('Show'),
              caption: trans.__('Show the card that waits for you'),
              callback: () => this._show()
            }
          ]
        }
      );
    } else {
      title.className = '';
      title.caption = this._caption;
      if (this._notification !== null) {
        Notification.dismiss(this._notification);
        this._notification = null;
      }
    }
  }

  private _model: ChatModel;
  private _panel: Widget;
  private _show: () => void;
  private _trans: TranslationBundle;
  private _caption: string;
  private _notification: string | null = null;
  private _isDisposed = false;
}

export namespace ApprovalAlert {
  export interface IOptions {
    model: ChatModel;
    /** The chat panel, whose tab gets the badge. */
    panel: Widget;
    /** Bring the panel into view (the notification's Show). */
    show: () => void;
    /** The extension's strings. */
    trans: TranslationBundle;
  }
}
