/**
 * Keeps each conversation with its notebook while the notebook is open:
 * the conversation follows the notebook when it is renamed or moved, and
 * offers Restore state when the notebook's kernel restarts or dies (a card
 * kept in the session record). Nothing here changes a notebook.
 */
import { Notification } from '@jupyterlab/apputils';
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { IDisposable } from '@lumino/disposable';

import type { ChatClient } from '../server/chatClient';
import type { IKernelEntry } from '../chat/entries';
import { watchKernelLoss } from '../kernel/kernelLoss';
import type { ChatModel } from '../chat/model';

export class NotebookWatcher implements IDisposable {
  /** Watch the notebooks open now and those opened later. */
  constructor(options: NotebookWatcher.IOptions) {
    this._client = options.client;
    this._model = options.model;
    this._tracker = options.tracker;
    this._trans = options.trans;
    this._model.kernelCardChanged.connect(this._keepCard, this);
    this._tracker.forEach(panel => this._watch(panel));
    this._tracker.widgetAdded.connect(this._onWidgetAdded, this);
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Stop watching notebooks opened from now on. */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._tracker.widgetAdded.disconnect(this._onWidgetAdded, this);
    this._model.kernelCardChanged.disconnect(this._keepCard, this);
  }

  private _onWidgetAdded(_: INotebookTracker, panel: NotebookPanel): void {
    this._watch(panel);
  }

  private _watch(panel: NotebookPanel): void {
    this._followRenames(panel);
    this._watchKernel(panel);
  }

  /**
   * Keep the notebook's conversation when it is renamed or moved; a request
   * running meanwhile goes on in the renamed notebook (the server is told).
   */
  private _followRenames(panel: NotebookPanel): void {
    let path = panel.context.path;
    panel.context.pathChanged.connect((_, newPath) => {
      this._model.renameNotebook(path, newPath);
      path = newPath;
      const conversation = this._model.conversationFor(newPath);
      if (conversation.busy) {
        this._client.send({
          type: 'notebook_moved',
          session: conversation.session,
          path: newPath
        });
      }
    });
  }

  /**
   * When the notebook's kernel is lost (see watchKernelLoss), a conversation
   * that ran steps in it offers to restore its state (during a request, its
   * end keeps that card). A notebook closed while its request runs is said
   * in a notification too: its conversation is no longer shown.
   */
  private _watchKernel(panel: NotebookPanel): void {
    watchKernelLoss(panel, loss => {
      const conversation = this._model.conversationFor(panel.context.path);
      if (loss === 'closed') {
        if (conversation.busy) {
          Notification.warning(
            this._trans.__(
              '%1 was closed while the assistant’s cell ran: the request stopped. Its kernel was left running.',
              panel.context.path
            ),
            { autoClose: 10000 }
          );
        }
      } else if (conversation.hasSteps) {
        conversation.offerRestore(loss);
      }
    });
  }

  /** Keep each kernel card in its session's record, so a reload shows it as it was. */
  private _keepCard(_: ChatModel, card: IKernelEntry): void {
    const { session, id, cause, state, ran, total, failure } = card;
    this._client.send({
      type: 'kernel_card',
      session,
      id,
      cause,
      state,
      ran,
      total,
      failure
    });
  }

  private _client: ChatClient;
  private _model: ChatModel;
  private _tracker: INotebookTracker;
  private _trans: TranslationBundle;
  private _isDisposed = false;
}

export namespace NotebookWatcher {
  export interface IOptions {
    client: ChatClient;
    model: ChatModel;
    tracker: INotebookTracker;
    /** The extension's strings (the notification of a closed notebook). */
    trans: TranslationBundle;
  }
}
