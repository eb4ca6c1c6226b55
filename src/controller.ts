/**
 * The user's actions: sends requests with their attached files, stops them,
 * asks to fix or explain a cell or about one, answers approvals, reviews
 * and undoes what a request changed (ChangeReviewer's), restores a lost
 * kernel's state, shows a step's cell, opens files and exports notebooks.
 *
 * What the server asks of the notebook (run a cell, a silent lookup, save)
 * is CellService's; keeping the model in step with the server and the active
 * notebook (messages, saved conversations, reconnections) is
 * ConversationSync's; keeping conversations with their notebooks (renames,
 * kernel loss) is NotebookWatcher's; opening, creating and uploading into
 * files is WorkspaceFiles's, and sending a card's answer CardAnswers's.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';

import { CardAnswers } from './chat/cardAnswers';
import type { CellService } from './notebook/cellService';
import {
  aboutCell,
  cellLabel,
  hasError,
  ICellTarget
} from './notebook/cellTarget';
import type { ChangeReviewer } from './changes/changeReview';
import type { ChatClient } from './server/chatClient';
import type { ConversationSync } from './chat/conversationSync';
import { Draft } from './chat/draft';
import { conversationKey } from './server/conversationKeys';
import type {
  IApprovalEntry,
  IQuestionEntry,
  IChangeSet,
  IKernelEntry,
  INoticeEntry,
  IStepEntry
} from './chat/entries';
import { exportReproducible } from './server/exporter';
import type { ChatModel, ISavedAttachment } from './chat/model';
import {
  describeNotebook,
  notebookAt,
  notebookOfSession
} from './notebook/notebooks';
import type { Preferences } from './settings/preferences';
import type { INotebookChange, Intent } from './server/protocol';
import * as kernelRestore from './kernel/kernelRestore';
import {
  askAboutApproved,
  restoreConversationState
} from './kernel/stateRestorer';
import { revealStepCell } from './notebook/stepCells';
import type { ICodeInterpreter } from './tokens';
import { WorkspaceFiles } from './workspaceFiles';

/** What a request is about, beyond its text. */
export interface ISendOptions {
  /** Send from this notebook instead of the active one. */
  panel?: NotebookPanel;
  /** What the request is about: `ask` by default. */
  intent?: Intent;
  /** The cell it is about; by default, the cell chosen with Ask about this cell. */
  cellId?: string;
  /** The files that go with it; by default, those attached to its conversation. */
  attachments?: ISavedAttachment[];
}

/** What was sent last in a conversation, to send it again (see retryRequest). */
type SentRequest = Pick<ISendOptions, 'intent' | 'cellId' | 'attachments'> & {
  text: string;
};

export class ChatController implements ICodeInterpreter {
  constructor(options: ChatController.IOptions) {
    this.model = options.model;
    this._client = options.client;
    this._cells = options.cells;
    this._sync = options.sync;
    this._tracker = options.tracker;
    this._app = options.app;
    this._trans = options.trans;
    this._preferences = options.preferences;
    this._reviewer = options.reviewer;
    this._files = new WorkspaceFiles(this._app, this._trans, this._preferences);
    this._answers = new CardAnswers(this.model, this._client, this._trans);
  }

  readonly model: ChatModel;

  /** What the message input holds. */
  readonly draft = new Draft();

  /**
   * Send a request from the active notebook (or `options.panel`), with the
   * files attached to its conversation and the cell it is about, if any
   * (`options.cellId`, else the cell chosen with askAboutCell).
   *
   * When no notebook is open, a new notebook is created, with the kernel of
   * the newNotebookKernel setting (python3 by default); it becomes the
   * active, focused widget. Waits for the notebook's saved conversation to be
   * restored, then for the notebook's kernel to learn its name and language. Does nothing while a request runs or files upload, while the
   * server cannot take requests, or for blank text.
   */
  /** Read the server's configuration again (the settings were saved). */
  reloadConfig(): Promise<void> {
    return this._sync.loadConfig();
  }

  async send(text: string, options: ISendOptions = {}): Promise<void> {
    const request = text.trim();
    if (!request || !this.canSend) {
      return;
    }
    const panel =
      options.panel ??
      this._tracker.currentWidget ??
      (await this._files.createNotebook());
    if (!panel) {
      return;
    }
    const conversation = this.model.conversationFor(panel.context.path);
    this.model.activePath = panel.context.path;
    await this._sync.restored(conversation);
    const attachments = options.attachments ?? conversation.takeAttachments();
    // A request about a named cell (Fix, Explain) leaves the chip for the next one.
    const cellId = options.cellId ?? conversation.takeCellReference()?.cellId;
    this._lastSent.set(conversation.session, {
      text: request,
      intent: options.intent,
      cellId,
      attachments
    });
    conversation.startRequest(
      request,
      attachments.map(attachment => attachment.name)
    );
    this._unsent.add(conversation.session);
    try {
      const notebook = await describeNotebook(panel);
      if (!this._unsent.has(conversation.session)) {
        return; // Stopped while the kernel was starting.
      }
      conversation.language = notebook.kernel_language;
      const sent = this._client.send({
        type: 'user_message',
        session: conversation.session,
        key: conversationKey(conversation.session),
        text: request,
        notebook,
        intent: options.intent ?? 'ask',
        ...(cellId !== undefined && { cell_id: cellId }),
        ...(attachments.length > 0 && {
          attachments: attachments.map(attachment => attachment.path)
        })
      });
      if (!sent) {
        throw new Error(this._trans.__('Not connected to the server.'));
      }
    } catch (error) {
      conversation.addNotice(
        this._trans.__(
          'The request could not be sent: %1',
          (error as Error).message
        )
      );
      conversation.finishRequest('error');
    } finally {
      this._unsent.delete(conversation.session);
    }
  }

  /**
   * Send again the request a notice says failed, from the shown
   * conversation's notebook; with what it was about and its files when this
   * window sent it (after a reload, as a plain request). The input, if it
   * holds that text, is cleared.
   */
  async retryRequest(entry: INoticeEntry): Promise<void> {
    const conversation = this.model.target;
    const text = entry.retry;
    if (!text || !conversation?.entries.includes(entry)) {
      return;
    }
    const panel = this._notebookAt(conversation.path);
    if (!panel) {
      Notification.warning(
        this._trans.__('Open the notebook %1 to retry.', conversation.path),
        { autoClose: 5000 }
      );
      return;
    }
    if (!this._canSendNow()) {
      return;
    }
    const sent = this._lastSent.get(conversation.session);
    const { intent, cellId, attachments } = sent?.text === text ? sent : {};
    if (this.draft.text.trim() === text) {
      this.draft.text = '';
    }
    await this.send(text, { panel, intent, cellId, attachments });
  }

  /** Whether a request can be sent now. */
  get canSend(): boolean {
    return (
      !this.model.busy &&
      !this.model.target?.uploading &&
      this.model.problem === null &&
      this.model.connection === 'open'
    );
  }

  /**
   * Ask the assistant to fix the error of a cell: it is shown that cell's
   * source and error, and its first code replaces that cell in place.
   * Tells the user when no request can be sent now.
   */
  async fixCell(target: ICellTarget): Promise<void> {
    if (!this._canSendNow()) {
      return;
    }
    const text = aboutCell(
      target,
      count => this._trans.__('Fix the error in cell [%1].', count),
      position => this._trans.__('Fix the error in cell %1.', position)
    );
    await this.send(text, {
      panel: target.panel,
      intent: 'fix',
      cellId: target.cell.model.id
    });
  }

  /**
   * Ask the assistant to explain a cell's error (or the cell, when it has
   * none) in the chat: no code runs. Tells the user when no request can be
   * sent now.
   */
  async explainCell(target: ICellTarget): Promise<void> {
    if (!this._canSendNow()) {
      return;
    }
    const failed = hasError(target.cell);
    const text = aboutCell(
      target,
      count =>
        failed
          ? this._trans.__('Explain the error in cell [%1].', count)
          : this._trans.__('Explain cell [%1].', count),
      position =>
        failed
          ? this._trans.__('Explain the error in cell %1.', position)
          : this._trans.__('Explain cell %1.', position)
    );
    await this.send(text, {
      panel: target.panel,
      intent: 'explain',
      cellId: target.cell.model.id
    });
  }

  /**
   * Make the next request of the cell's notebook about that cell: a chip
   * "Cell [N]" shows in the input until it is sent or removed.
   */
  askAboutCell(target: ICellTarget): void {
    const path = target.panel.context.path;
    this.model.conversationFor(path).cellReference = {
      cellId: target.cell.model.id,
      label: cellLabel(target, this._trans)
    };
    this.model.activePath = path;
  }

  /** Keep one change of a request (see ChangeReviewer.accept). */
  acceptChange(set: IChangeSet, change: INotebookChange): void {
    this._reviewer.accept(set, change);
  }

  /** Take one change of a request back (see ChangeReviewer.revert). */
  revertChange(set: IChangeSet, change: INotebookChange): Promise<void> {
    return this._reviewer.revert(set, change);
  }

  /**
   * Take a whole request back (see ChangeReviewer.undo); with
   * `restoreKernel`, then restart the kernel and run the notebook's cells
   * down to where the request worked (see kernelRestore.ts), with a card
   * that shows the progress and offers Stop. The notebook is saved after.
   */
  async undoRequest(set: IChangeSet, restoreKernel = false): Promise<void> {
    const panel = restoreKernel ? this._notebookOf(set.session) : null;
    const conversation = this.model.conversationOf(set.session);
    // Asked first, so that Cancel leaves everything as it was.
    const cells =
      panel && conversation
        ? await askAboutApproved(
            conversation,
            kernelRestore.cellsOf(
              panel,
              kernelRestore.cellsBeforeRequest(panel, set)
            ),
            this._trans
          )
        : [];
    if (cells === null || !(await this._reviewer.undo(set))) {
      return;
    }
    if (!panel || !conversation) {
      return;
    }
    const entryId = conversation.startKernelRestore(cells.length);
    await kernelRestore.restoreKernel(
      panel,
      conversation,
      entryId,
      cells.map(cell => cell.model.id),
      this._trans,
      () => this._stoppedRestores.has(entryId)
    );
    this._stoppedRestores.delete(entryId);
    await this._cells.save(set.session);
  }

  /** How many cells "Also restore the kernel" runs for an undo of `set` (null: its notebook is not open). */
  kernelRestoreSize(set: IChangeSet): number | null {
    const panel = this._notebookOf(set.session);
    return panel ? kernelRestore.cellsBeforeRequest(panel, set).length : null;
  }

  /**
   * Stop a restore of the kernel: no further cell runs, and the cell that
   * runs is interrupted (its earlier outputs come back).
   */
  stopRestore(entry: IKernelEntry): void {
    this._stoppedRestores.add(entry.id);
    void this._notebookOf(entry.session)
      ?.sessionContext.session?.kernel?.interrupt()
      .catch(error => console.warn('ci-jupyterlab: interrupt', error));
  }

  /** Run the cells an undo restored again (see ChangeReviewer.rerunRestored). */
  rerunRestored(set: IChangeSet): Promise<void> {
    return this._reviewer.rerunRestored(set);
  }

  /** Hide a request's card and its cell markers. */
  dismissChanges(set: IChangeSet): void {
    this._reviewer.dismiss(set);
  }

  /** Whether a request can be sent now; when not, the user is told why. */
  private _canSendNow(): boolean {
    if (this.canSend) {
      return true;
    }
    const trans = this._trans;
    let reason: string;
    if (this.model.problem) {
      reason = this.model.problem.message;
    } else if (this.model.connection !== 'open') {
      reason = trans.__('Code Interpreter is not connected to the server.');
    } else if (this.model.busy) {
      reason = trans.__(
        'Code Interpreter is busy with a request: wait for it to end, or stop it.'
      );
    } else {
      reason = trans.__('Code Interpreter is still uploading files.');
    }
    Notification.warning(reason, { autoClose: 5000 });
    return false;
  }

  /**
   * Attach files to the next request of the shown conversation: each one is
   * saved in its notebook's directory, under a new name if its name is taken
   * (see uploadFile), and shows as a chip with its progress until sent.
   *
   * When no notebook is open, a new notebook is created first. A file
   * that cannot be saved is dropped, with an error in the chat.
   */
  async attach(files: File[]): Promise<void> {
    if (files.length === 0) {
      return;
    }
    let conversation = this.model.target;
    if (!conversation) {
      const panel = await this._files.createNotebook();
      if (!panel) {
        return;
      }
      conversation = this.model.conversationFor(panel.context.path);
    }
    const directory = PathExt.dirname(conversation.path);
    await Promise.all(
      files.map(file => this._files.upload(conversation, directory, file))
    );
  }

  /**
   * Answer an approval request of the assistant: run the cell (true), not
   * (false), or run this edited code instead (a string); `always`: approve,
   * and let that MCP tool run without asking from now on (see CardAnswers).
   */
  answerApproval(
    entry: IApprovalEntry,
    answer: boolean | string,
    always = false
  ): void {
    this._answers.approval(entry, answer, always);
  }

  /**
   * Answer the assistant's question: the option at this index, or the
   * user's own words (a string). The request goes on with it.
   */
  answerQuestion(entry: IQuestionEntry, answer: number | string): void {
    this._answers.question(entry, answer);
  }

  /** Open a file of the server in JupyterLab, as the active tab. */
  openFile(path: string): Promise<void> {
    return this._files.open(path);
  }

  /** The URL that downloads a file of the server. */
  downloadUrl(path: string): string {
    return this._files.downloadUrl(path);
  }

  /**
   * Whether the shown conversation's notebook can be exported now: it is
   * open, no request changes it and no export of it runs.
   */
  get canExport(): boolean {
    const conversation = this.model.target;
    return (
      conversation !== null &&
      !conversation.busy &&
      !conversation.exporting &&
      this._notebookAt(conversation.path) !== null
    );
  }

  /**
   * Export the shown conversation's notebook as a reproducible notebook
   * (see exportReproducible): the notebook is saved first, and the export
   * opens to its right while the chat keeps showing the notebook's
   * conversation (see ConversationSync.keepShowing), where it was scrolled,
   * with the verification in it; the notebook stays the active one.
   */
  async exportNotebook(): Promise<void> {
    const conversation = this.model.target;
    const panel = conversation ? this._notebookAt(conversation.path) : null;
    if (!conversation || !panel || !this.canExport) {
      return;
    }
    await exportReproducible(panel, conversation, path =>
      this._sync.keepShowing(panel.context.path, async () => {
        await this._files.open(path, { mode: 'split-right', activate: false });
        // The notebook, not its export, is the active one again.
        this._app.shell.activateById(panel.id);
      })
    );
  }

  /**
   * Stop the shown conversation's request, interrupting its running cell
   * (a cell still waiting behind the user's own cell is interrupted once it
   * starts, never the user's cell).
   */
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
      session: conversation.session
    });
    this._cells.cancel(conversation.session);
  }

  /**
   * Run a conversation's cells again in its notebook's new kernel, with the
   * user's own cells above them if asked (see restoreConversationState);
   * the card shows the progress. The notebook is saved afterwards.
   */
  async restoreState(
    entry: IKernelEntry,
    withUserCells: boolean
  ): Promise<void> {
    const conversation = this.model.conversationOf(entry.session);
    const panel = this._notebookOf(entry.session);
    const kernel = panel?.sessionContext.session?.kernel;
    let failure: string | null = null;
    if (!panel) {
      failure = this._trans.__('The notebook is not open.');
    } else if (!kernel || kernel.status === 'dead') {
      failure = this._trans.__(
        'The kernel is not running: start it (Kernel ▸ Restart Kernel), then restore.'
      );
    }
    if (!conversation || !panel || failure) {
      conversation?.updateKernelEntry(entry.id, { state: 'failed', failure });
      return;
    }
    await restoreConversationState(
      panel,
      conversation,
      entry.id,
      withUserCells,
      this._trans,
      () => this._stoppedRestores.has(entry.id)
    );
    this._stoppedRestores.delete(entry.id);
    await this._cells.save(entry.session);
  }

  /**
   * Show a step's notebook and make the cell that holds the step active,
   * scrolled into view. Warns when the notebook or the cell is gone.
   */
  async goToStep(step: IStepEntry): Promise<void> {
    const panel = this._notebookOf(step.session);
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
      this._trans.__(
        'The cell of step %1 is no longer in the notebook.',
        step.step
      ),
      { autoClose: 5000 }
    );
  }

  /** The open notebook of a session's conversation, if any. */
  private _notebookOf(session: string): NotebookPanel | null {
    return notebookOfSession(this._tracker, this.model, session);
  }

  /** The open notebook at a path, if any. */
  private _notebookAt(path: string): NotebookPanel | null {
    return notebookAt(this._tracker, path);
  }

  private _client: ChatClient;
  private _cells: CellService;
  private _sync: ConversationSync;
  private _tracker: INotebookTracker;
  private _app: JupyterFrontEnd;
  private _trans: TranslationBundle;
  private _preferences: Preferences;
  private _reviewer: ChangeReviewer;
  private _files: WorkspaceFiles;
  private _answers: CardAnswers;
  /** Kernel restores the user stopped (their cards' ids). */
  private _stoppedRestores = new Set<string>();
  /** Sessions whose request waits for its kernel before it is sent. */
  private _unsent = new Set<string>();
  private _lastSent = new Map<string, SentRequest>();
}

export namespace ChatController {
  export interface IOptions {
    app: JupyterFrontEnd;
    model: ChatModel;
    client: ChatClient;
    /** Runs what the server asks of the notebooks; stop and restore use it. */
    cells: CellService;
    /** Restores a conversation before its first request is sent. */
    sync: ConversationSync;
    tracker: INotebookTracker;
    /** The extension's strings (notices). */
    trans: TranslationBundle;
    /** The upload chunk size and the kernel of new notebooks. */
    preferences: Preferences;
    /** Reviews and undoes what requests changed in the notebook. */
    reviewer: ChangeReviewer;
  }
}
