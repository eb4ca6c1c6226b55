/**
 * What the server knows of this window's notebooks, so that an outside
 * agent's request (MCP, docs/mcp.md) about one of them runs here, live:
 * - every notebook open in the window, with the session its conversation
 *   shows (restored first), goes to the server (`open_notebooks`) whenever
 *   that changes and after each reconnection;
 * - `describe_notebook` is answered with the notebook as the window has it
 *   now (`notebook_description`: the same description a request carries).
 * The request itself then arrives like any other: CellService runs its
 * cells, the panel shows it "from <client> (MCP)".
 */
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import type { IDisposable } from '@lumino/disposable';

import type { ChatClient, ConnectionState } from '../server/chatClient';
import type { ConversationSync } from '../chat/conversationSync';
import type { ChatModel } from '../chat/model';
import { describeNotebook, notebookAt } from './notebooks';
import type {
  IDescribeNotebookMessage,
  ServerMessage
} from '../server/protocol';

export class OpenNotebooks implements IDisposable {
  constructor(options: OpenNotebooks.IOptions) {
    this._client = options.client;
    this._model = options.model;
    this._tracker = options.tracker;
    this._sync = options.sync;
    this._client.stateChanged.connect(this._onConnection, this);
    this._client.messageReceived.connect(this._onMessage, this);
    this._tracker.widgetAdded.connect(this._onAdded, this);
    this._tracker.forEach(panel => this._follow(panel));
    void this.announce();
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Tell the server every open notebook and its conversation's session,
   * once their saved conversations are restored (a restored conversation
   * takes its saved session's id).
   */
  async announce(): Promise<void> {
    const panels: NotebookPanel[] = [];
    this._tracker.forEach(panel => panels.push(panel));
    const conversations = panels.map(panel =>
      this._model.conversationFor(panel.context.path)
    );
    await Promise.all(conversations.map(c => this._sync.restored(c)));
    if (this._isDisposed) {
      return;
    }
    const notebooks = panels
      .filter(panel => !panel.isDisposed)
      .map(panel => ({
        path: panel.context.path,
        session: this._model.conversationFor(panel.context.path).session
      }));
    this._client.send({ type: 'open_notebooks', notebooks });
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._client.stateChanged.disconnect(this._onConnection, this);
    this._client.messageReceived.disconnect(this._onMessage, this);
    this._tracker.widgetAdded.disconnect(this._onAdded, this);
  }

  private _onConnection(_: ChatClient, state: ConnectionState): void {
    if (state === 'open') {
      void this.announce();
    }
  }

  private _onAdded(_: INotebookTracker, panel: NotebookPanel): void {
    this._follow(panel);
    void this.announce();
  }

  /** Announce again when the notebook is renamed or closed. */
  private _follow(panel: NotebookPanel): void {
    panel.context.pathChanged.connect(() => void this.announce());
    panel.disposed.connect(() => void this.announce());
  }

  private _onMessage(_: ChatClient, message: ServerMessage): void {
    if (message.type === 'describe_notebook') {
      void this._describe(message);
    }
  }

  private async _describe(message: IDescribeNotebookMessage): Promise<void> {
    const panel = notebookAt(this._tracker, message.path);
    const notebook = panel
      ? await describeNotebook(panel).catch(() => null)
      : null;
    this._client.send({
      type: 'notebook_description',
      call_id: message.call_id,
      notebook
    });
  }

  private _client: ChatClient;
  private _model: ChatModel;
  private _tracker: INotebookTracker;
  private _sync: ConversationSync;
  private _isDisposed = false;
}

export namespace OpenNotebooks {
  export interface IOptions {
    client: ChatClient;
    model: ChatModel;
    tracker: INotebookTracker;
    /** Restores each notebook's saved conversation before it is announced. */
    sync: ConversationSync;
  }
}
