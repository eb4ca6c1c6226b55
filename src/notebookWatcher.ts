/**
 * Keeps each conversation with its notebook while the notebook is open:
 * the conversation follows the notebook when it is renamed or moved, and
 * offers Restore state when the notebook's kernel restarts or dies. Nothing
 * here changes a notebook.
 */
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import type { IDisposable } from '@lumino/disposable';

import type { ChatClient } from './chatClient';
import type { ChatModel } from './model';

export class NotebookWatcher implements IDisposable {
  /** Watch the notebooks open now and those opened later. */
  constructor(options: NotebookWatcher.IOptions) {
    this._client = options.client;
    this._model = options.model;
    this._tracker = options.tracker;
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
   * Offer to restore the state when the notebook's kernel restarts or dies
   * with a conversation that ran steps in it (during a request, its end
   * offers it too: the card on offer moves down).
   */
  private _watchKernel(panel: NotebookPanel): void {
    panel.sessionContext.statusChanged.connect((_, status) => {
      if (
        status !== 'restarting' &&
        status !== 'autorestarting' &&
        status !== 'dead'
      ) {
        return;
      }
      const conversation = this._model.conversationFor(panel.context.path);
      if (conversation.hasSteps) {
        conversation.offerRestore();
      }
    });
  }

  private _client: ChatClient;
  private _model: ChatModel;
  private _tracker: INotebookTracker;
  private _isDisposed = false;
}

export namespace NotebookWatcher {
  export interface IOptions {
    client: ChatClient;
    model: ChatModel;
    tracker: INotebookTracker;
  }
}
