/**
 * Wires the chat websocket, the chat model and the notebook runner together:
 * sends requests, runs the cells the server asks for and answers with their
 * results.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import type { IDisposable } from '@lumino/disposable';

import type { ChatClient, ConnectionState } from './chatClient';
import type { ChatModel, IStepEntry } from './model';
import type { NotebookRunner } from './notebookRunner';
import {
  INotebookInfo,
  IRunCellMessage,
  PROTOCOL_VERSION,
  ServerMessage
} from './protocol';
import { fetchConfig } from './request';
import { revealStepCell } from './stepCells';
import { Timer } from './timer';
import type { ICodeInterpreter } from './tokens';

/** The kernel of notebooks created for a request. */
const NEW_NOTEBOOK_KERNEL = 'python3';

export class ChatController implements ICodeInterpreter, IDisposable {
  constructor(options: ChatController.IOptions) {
    this.model = options.model;
    this._client = options.client;
    this._runner = options.runner;
    this._tracker = options.tracker;
    this._app = options.app;

    this._client.messageReceived.connect(this._onMessage, this);
    this._client.stateChanged.connect(this._onConnection, this);
    this.model.connection = this._client.state;
    this._tracker.currentChanged.connect(this._onCurrentChanged, this);
    this._onCurrentChanged();
    this._tracker.forEach(panel => this._followRenames(panel));
    this._tracker.widgetAdded.connect(this._onWidgetAdded, this);
  }

  readonly model: ChatModel;

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Read the server configuration into the model. */
  async loadConfig(): Promise<void> {
    try {
      this.model.config = await fetchConfig();
      this.model.configError = null;
    } catch (error) {
      this.model.configError = (error as Error).message;
    }
  }

  /**
   * Send a request from the active notebook.
   *
   * When no notebook is open, a new Python notebook is created (and becomes
   * the active, focused widget). Waits for the notebook's kernel to learn its
   * name and language. Does nothing while a request runs, while the server
   * cannot take requests, or for blank text.
   */
  async send(text: string): Promise<void> {
    const request = text.trim();
    if (!request || !this.canSend) {
      return;
    }
    const panel = this._tracker.currentWidget ?? (await this._createNotebook());
    if (!panel) {
      return;
    }
    const conversation = this.model.conversationFor(panel.context.path);
    this.model.activePath = panel.context.path;
    conversation.startRequest(request);
    this._unsent.add(conversation.session);
    try {
      const notebook = await describeNotebook(panel);
      if (!this._unsent.has(conversation.session)) {
        return; // Stopped while the kernel was starting.
      }
      conversation.language = notebook.kernel_language;
      const sent = this._client.send({
        type: 'user_message',
        protocol: PROTOCOL_VERSION,
        session: conversation.session,
        text: request,
        notebook
      });
      if (!sent) {
        throw new Error('Not connected to the server.');
      }
    } catch (error) {
      conversation.addNotice(
        `The request could not be sent: ${(error as Error).message}`
      );
      conversation.finishRequest('error');
    } finally {
      this._unsent.delete(conversation.session);
    }
  }

  /** Whether a request can be sent now. */
  get canSend(): boolean {
    return (
      !this.model.busy &&
      this.model.problem === null &&
      this.model.connection === 'open'
    );
  }

  /** Stop the shown conversation's request, interrupting its running cell. */
  stop(): void {
    const conversation = this.model.target;
    if (!conversation?.busy) {
      return;
    }
    if (this._unsent.delete(conversation.session)) {
      // The server never saw this request.
      conversation.finishRequest('stopped');
      return;
    }
    this._client.send({
      type: 'stop',
      protocol: PROTOCOL_VERSION,
      session: conversation.session
    });
    this._runner.cancel(conversation.session);
  }

  /**
   * Show a step's notebook and make the cell that holds the step active,
   * scrolled into view. Warns when the notebook or the cell is gone.
   */
  async goToStep(step: IStepEntry): Promise<void> {
    const panel = this._panelOf(step.session);
    if (panel) {
      this._app.shell.activateById(panel.id);
      const tag = {
        session: step.session,
        step: step.step,
        call_id: step.callId
      };
      if (await revealStepCell(panel.content, tag)) {
        return;
      }
    }
    Notification.warning(
      `The cell of step ${step.step} is no longer in the notebook.`,
      { autoClose: 5000 }
    );
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._client.messageReceived.disconnect(this._onMessage, this);
    this._client.stateChanged.disconnect(this._onConnection, this);
    this._tracker.currentChanged.disconnect(this._onCurrentChanged, this);
    this._tracker.widgetAdded.disconnect(this._onWidgetAdded, this);
  }

  private _onMessage(_: ChatClient, message: ServerMessage): void {
    this.model.handle(message);
    if (message.type === 'run_cell') {
      void this._runCell(message);
    }
  }

  /** Run one cell and answer with its result, whatever happens. */
  private async _runCell(request: IRunCellMessage): Promise<void> {
    const conversation = this.model.conversationOf(request.session);
    const result = await this._runner.run(
      this._panelOf(request.session),
      request
    );
    conversation?.setStepState(request.call_id, result.status);
    this._client.send({
      type: 'execution_result',
      protocol: PROTOCOL_VERSION,
      session: request.session,
      call_id: request.call_id,
      status: result.status,
      outputs: result.outputs,
      execution_count: result.executionCount,
      duration_ms: result.durationMs
    });
  }

  private _onConnection(_: ChatClient, state: ConnectionState): void {
    this.model.connection = state;
    if (state === 'closed') {
      this.model.abortRunningRequests();
    }
  }

  private _onCurrentChanged(): void {
    this.model.activePath = this._tracker.currentWidget?.context.path ?? null;
  }

  private _onWidgetAdded(_: INotebookTracker, panel: NotebookPanel): void {
    this._followRenames(panel);
  }

  /** Keep the notebook's conversation when it is renamed or moved. */
  private _followRenames(panel: NotebookPanel): void {
    let path = panel.context.path;
    panel.context.pathChanged.connect((_, newPath) => {
      this.model.renameNotebook(path, newPath);
      path = newPath;
    });
  }

  /** The open notebook of a session's conversation, if any. */
  private _panelOf(session: string): NotebookPanel | null {
    const path = this.model.conversationOf(session)?.path;
    return this._tracker.find(panel => panel.context.path === path) ?? null;
  }

  /** A new notebook for a request, or null (the user was told why). */
  private async _createNotebook(): Promise<NotebookPanel | null> {
    try {
      return (await this._app.commands.execute('notebook:create-new', {
        kernelName: NEW_NOTEBOOK_KERNEL
      })) as NotebookPanel;
    } catch (error) {
      Notification.error(
        `Code Interpreter: a notebook could not be created: ${(error as Error).message}`
      );
      return null;
    }
  }

  private _client: ChatClient;
  private _runner: NotebookRunner;
  private _tracker: INotebookTracker;
  private _app: JupyterFrontEnd;
  private _isDisposed = false;
  /** Sessions whose request waits for its kernel before it is sent. */
  private _unsent = new Set<string>();
}

export namespace ChatController {
  export interface IOptions {
    app: JupyterFrontEnd;
    model: ChatModel;
    client: ChatClient;
    runner: NotebookRunner;
    tracker: INotebookTracker;
  }
}

/** How long to wait for a kernel's language before sending without it. */
const KERNEL_INFO_WAIT_MS = 10000;

/**
 * The notebook part of a `user_message`. Waits for the notebook's kernel
 * session, and a little for the kernel's info, which holds its language.
 */
async function describeNotebook(panel: NotebookPanel): Promise<INotebookInfo> {
  await panel.sessionContext.ready;
  const kernel = panel.sessionContext.session?.kernel ?? null;
  let language: string | null = null;
  if (kernel) {
    const wait = new Timer(KERNEL_INFO_WAIT_MS);
    const info = await Promise.race([
      kernel.info,
      wait.elapsed.then(() => null)
    ]).catch(() => null);
    wait.clear();
    language = info?.language_info.name ?? null;
  }
  return {
    path: panel.context.path,
    kernel_name: kernel?.name ?? null,
    kernel_language: language
  };
}
