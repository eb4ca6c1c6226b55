/**
 * The notebook side of the protocol: the one place that answers what the
 * server asks of a notebook.
 *
 * - `run_cell`: the cell is placed in the session's notebook and run in its
 *   kernel (see NotebookRunner), its outputs streaming into its step card;
 *   the answer is an `execution_result`, and the notebook is saved.
 * - `inspect`: the code runs silently in the notebook's kernel (see
 *   inspectSilently): the notebook gets no cell and no output; the answer is
 *   an `inspect_result`.
 * - both send `cell_state` while they wait behind a cell the user runs, and
 *   when they start.
 * - `done`: the notebook is saved.
 *
 * Messages a window only watches are left alone: the window that drives the
 * session runs its cells.
 */
import type { ISessionContextDialogs } from '@jupyterlab/apputils';
import type { ICodeCellModel } from '@jupyterlab/cells';
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import type { Contents } from '@jupyterlab/services';
import type { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import type { IDisposable } from '@lumino/disposable';

import type { ChatClient } from '../server/chatClient';
import { DeletedNotebooks } from './deletedNotebooks';
import type { IQueueListener } from './executionStart';
import { inspectSilently } from './kernelInspector';
import { LiveOutputs } from './liveOutputs';
import type { ChatModel } from '../chat/model';
import { IStepRun, NotebookRunner } from './notebookRunner';
import { NotebookSaver } from './notebookSaver';
import { notebookOfSession } from './notebooks';
import { boundedOutputs } from './outputBounds';
import { RunningCellView } from './runningCellView';
import type {
  CellState,
  IInspectMessage,
  IRunCellMessage,
  ServerMessage
} from '../server/protocol';

export class CellService implements IDisposable {
  constructor(options: CellService.IOptions) {
    this._client = options.client;
    this._model = options.model;
    this._tracker = options.tracker;
    this._trans = options.trans;
    this._runner = new NotebookRunner({
      sessionDialogs: options.sessionDialogs,
      translator: options.translator
    });
    this._client.messageReceived.connect(this._onMessage, this);
    this._deleted = new DeletedNotebooks(options.contents);
    this._deleted.deleted.connect(this._onDeleted, this);
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Interrupt the session's running cell, if one runs (its result is then
   * `cancelled`). A cell still waiting behind the user's own cell is
   * interrupted once it starts, never the user's cell. Returns whether a
   * cell of the session was running.
   */
  cancel(session: string): boolean {
    return this._runner.cancel(session);
  }

  /**
   * Save a session's notebook (through its document context, so it works
   * with and without real-time collaboration), one save at a time: the cells
   * the assistant wrote are on disk even if the page closes before autosave.
   * A failure is told in the conversation, never thrown.
   */
  async save(session: string): Promise<void> {
    const panel = notebookOfSession(this._tracker, this._model, session);
    if (
      !panel ||
      panel.isDisposed ||
      (await this._deleted.check(panel.context.path))
    ) {
      return; // A deleted notebook is never written back.
    }
    try {
      await this._saver.save(panel.context);
    } catch (error) {
      this._model
        .conversationOf(session)
        ?.addNotice(
          this._trans.__(
            'The notebook could not be saved: %1',
            (error as Error).message
          ),
          this._trans.__(
            'Save it yourself (File > Save Notebook) before closing the page.'
          )
        );
    }
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._client.messageReceived.disconnect(this._onMessage, this);
  }

  /**
   * A notebook was deleted: a request working in it stops at once (its
   * running cell is interrupted; the server ends the request) and says so.
   */
  private _onDeleted(_: DeletedNotebooks, path: string): void {
    const conversation = this._model.conversations.find(c => c.path === path);
    if (conversation?.busy && !conversation.watching) {
      conversation.notebookDeleted();
      this._runner.cancel(conversation.session);
    }
  }

  private _onMessage(_: ChatClient, message: ServerMessage): void {
    if (
      message.type === 'hello' ||
      message.type === 'describe_notebook' ||
      message.watch
    ) {
      return;
    }
    if (message.type === 'run_cell') {
      void this._runCell(message);
    } else if (message.type === 'inspect') {
      void this._inspect(message);
    } else if (message.type === 'done') {
      void this.save(message.session);
    }
  }

  /**
   * Run one cell and answer with its result, whatever happens; then save
   * the notebook. While it runs, its outputs so far show in its step card
   * (see _runLive). The answer's outputs (and the step card's) are bounded
   * (see boundedOutputs); the notebook keeps them whole.
   *
   * The model changes only once the cell is placed, after the kernel is
   * ready, so it has already applied this `run_cell` (the step card exists)
   * whichever listener heard it first.
   */
  private async _runCell(request: IRunCellMessage): Promise<void> {
    const panel = notebookOfSession(
      this._tracker,
      this._model,
      request.session
    );
    const result = await this._runLive(panel, request);
    const conversation = this._model.conversationOf(request.session);
    const outputs = boundedOutputs(result.outputs);
    conversation?.updateStep(request.call_id, {
      state: result.status,
      outputs
    });
    this._client.send({
      type: 'execution_result',
      session: request.session,
      call_id: request.call_id,
      status: result.status,
      outputs,
      execution_count: result.executionCount,
      duration_ms: result.durationMs,
      cell_id: result.cellId,
      before: result.before?.source ?? null,
      ...(result.before && {
        before_outputs: boundedOutputs(result.before.outputs),
        before_execution_count: result.before.executionCount
      })
    });
    await this.save(request.session);
  }

  /**
   * Run one cell in its notebook (see NotebookRunner.run); meanwhile its
   * outputs so far show in its step card (see LiveOutputs) and the notebook
   * keeps it in view (see RunningCellView).
   */
  private async _runLive(
    panel: NotebookPanel | null,
    request: IRunCellMessage
  ): Promise<IStepRun> {
    const live: IDisposable[] = [];
    try {
      return await this._runner.run(panel, request, {
        ...this._queueListener(request.session, request.call_id),
        // No cell goes into a notebook deleted on disk: it would be saved back.
        refusal: async () =>
          panel && (await this._deleted.check(panel.context.path))
            ? 'notebook_deleted'
            : null,
        placed: (cell, notebook) =>
          live.push(
            new LiveOutputs(cell.model as ICodeCellModel, outputs =>
              this._model
                .conversationOf(request.session)
                ?.updateStep(request.call_id, { outputs })
            ),
            new RunningCellView(notebook, cell)
          )
      });
    } finally {
      live.forEach(part => part.dispose());
    }
  }

  /**
   * Answer a silent lookup in the session's notebook kernel (see
   * inspectSilently); null when there is no kernel or it did not finish.
   */
  private async _inspect(request: IInspectMessage): Promise<void> {
    const panel = notebookOfSession(
      this._tracker,
      this._model,
      request.session
    );
    const kernel = panel?.sessionContext.session?.kernel ?? null;
    let stdout: string | null = null;
    if (kernel) {
      try {
        stdout = await inspectSilently(
          kernel,
          request.code,
          request.timeout,
          this._queueListener(request.session, request.call_id)
        );
      } catch (error) {
        console.warn('ci-jupyterlab: a silent lookup failed', error);
      }
    }
    this._client.send({
      type: 'inspect_result',
      session: request.session,
      call_id: request.call_id,
      stdout
    });
  }

  /**
   * Tell the server when a cell or lookup of ours waits behind a cell it did
   * not start (the user's own), and when it starts: it waits as long, and
   * shows so.
   */
  private _queueListener(session: string, callId: string): IQueueListener {
    const tell = (state: CellState) =>
      this._client.send({
        type: 'cell_state',
        session,
        call_id: callId,
        state
      });
    return { waiting: () => tell('waiting'), started: () => tell('started') };
  }

  private _client: ChatClient;
  private _model: ChatModel;
  private _tracker: INotebookTracker;
  private _trans: TranslationBundle;
  private _runner: NotebookRunner;
  private _saver = new NotebookSaver();
  private _deleted: DeletedNotebooks;
  private _isDisposed = false;
}

export namespace CellService {
  export interface IOptions {
    client: ChatClient;
    model: ChatModel;
    tracker: INotebookTracker;
    /** The extension's strings (notices about saving). */
    trans: TranslationBundle;
    /** Lets a run ask the user to pick a kernel when there is none. */
    sessionDialogs?: ISessionContextDialogs;
    /** Lab's translator, for the dialogs of Lab's own cell actions. */
    translator?: ITranslator;
    /** The server's files: a notebook deleted there is never saved back. */
    contents: Contents.IManager;
  }
}
