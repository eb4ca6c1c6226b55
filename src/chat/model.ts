/**
 * The state the chat panel shows: one conversation per notebook, the server
 * configuration and the connection. No I/O happens here.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { UUID } from '@lumino/coreutils';
import { ISignal, Signal } from '@lumino/signaling';

import type { ConnectionState } from '../server/chatClient';
import { Dismissals } from './dismissals';
import { kernelEnding, replayedCard, withoutClosingError } from './kernelCards';
import { NOT_INSTALLED_MESSAGE } from '../server/request';
import {
  approvalEntry,
  questionEntry,
  withInstallPlan,
  assistantEntry,
  ChatEntry,
  doneNotice,
  exportEntry,
  IApprovalEntry,
  IQuestionEntry,
  IChangeSet,
  IExportEntry,
  IKernelEntry,
  INoticeEntry,
  kernelEntry,
  IStepEntry,
  IUndoOutcome,
  mergeChanges,
  nextId,
  noticeEntry,
  offerRetry,
  stepEntry,
  toolEntry,
  userEntry
} from './entries';
import {
  DoneReason,
  IConfig,
  IKernelCard,
  INotebookChange,
  IProblem,
  IStatusMessage,
  IUsageMessage,
  KernelCause,
  PROTOCOL_VERSION,
  RecordedEvent,
  ReviewAction,
  ServerMessage
} from '../server/protocol';

/** Token counts of a request so far, and its cost where the model has a price. */
export type Usage = Pick<
  IUsageMessage,
  'prompt_tokens' | 'completion_tokens' | 'total_tokens' | 'cost'
>;

/** A file attached to the next request: uploading, or saved at `path`. */
export interface IAttachment {
  id: string;
  /** The file's name; once saved, the name it was saved under. */
  name: string;
  size: number;
  /** Where it was saved, relative to the server root; null while uploading. */
  path: string | null;
  /** The share uploaded so far, from 0 to 1. */
  progress: number;
}

/** An attachment whose upload finished. */
export type ISavedAttachment = IAttachment & { path: string };

/** The cell the next request is about, shown as a chip in the input. */
export interface ICellReference {
  /** The nbformat id of the cell. */
  cellId: string;
  /** How the chip names it, e.g. "Cell [3]". */
  label: string;
}

/** What may change in a step card after it was created. */
export type StepUpdate = Partial<
  Pick<
    IStepEntry,
    'state' | 'error' | 'outputs' | 'files' | 'durationMs' | 'checks'
  >
>;

/**
 * The conversation of one notebook: its entries, its session id, the files
 * attached to its next request and the state of its current request.
 */
export class Conversation {
  constructor(
    path: string,
    trans: TranslationBundle,
    dismissals: Dismissals = new Dismissals()
  ) {
    this._path = path;
    this._trans = trans;
    this._dismissals = dismissals;
  }

  /** The notebook's path; it follows renames. */
  get path(): string {
    return this._path;
  }

  set path(path: string) {
    this._path = path;
    this._changed.emit();
  }

  /**
   * The protocol session id: a new one, or the saved session of the
   * notebook once restored.
   */
  get session(): string {
    return this._session;
  }

  /** The notebook's kernel language when the last request was sent. */
  language: string | null = null;

  get entries(): ReadonlyArray<ChatEntry> {
    return this._entries;
  }

  /**
   * What each request changed in the notebook, in request order, with what
   * the user did about it (see IChangeSet).
   */
  get changeSets(): ReadonlyArray<IChangeSet> {
    return this._changeSets.map(set =>
      !set.dismissed && this._dismissals.has(set.session, set.request)
        ? { ...set, dismissed: true }
        : set
    );
  }

  /** The change set of a request, if it changed the notebook. */
  changeSet(request: number): IChangeSet | null {
    return this.changeSets.find(set => set.request === request) ?? null;
  }

  /** The cell the next request is about, if the user chose one. */
  get cellReference(): ICellReference | null {
    return this._cellReference;
  }

  /** Choose the cell the next request is about (null: none). */
  set cellReference(reference: ICellReference | null) {
    this._cellReference = reference;
    this._changed.emit();
  }

  /** The cell of a request that is being sent; the choice is cleared. */
  takeCellReference(): ICellReference | null {
    const reference = this._cellReference;
    if (reference) {
      this.cellReference = null;
    }
    return reference;
  }

  /** The files that go with the next request. */
  get attachments(): ReadonlyArray<IAttachment> {
    return this._attachments;
  }

  /** Whether an attached file is still uploading. */
  get uploading(): boolean {
    return this._attachments.some(attachment => attachment.path === null);
  }

  /** Whether an export of the notebook runs. */
  get exporting(): boolean {
    return this._entries.some(
      entry =>
        entry.kind === 'export' && entry.result === null && entry.error === null
    );
  }

  /** The last `status` message of the current or last request. */
  get status(): IStatusMessage | null {
    return this._status;
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

  /**
   * When the current phase began (ms since the epoch); null when restored.
   * A phase begins with each `status` message, and when an approval starts
   * or stops waiting for the user.
   */
  get statusSince(): number | null {
    return this._statusSince;
  }

  /**
   * The card the running request waits on for the user's answer (an
   * approval or a question); null when it waits for nobody.
   */
  get waitingCard(): IApprovalEntry | IQuestionEntry | null {
    if (!this._busy) {
      return null;
    }
    for (const entry of this._entries) {
      if (
        (entry.kind === 'approval' && entry.approved === null) ||
        (entry.kind === 'question' && entry.answer === null)
      ) {
        return entry;
      }
    }
    return null;
  }

  /**
   * How many times the user sent a request or answered a card here: from
   * each, the chat follows the request to its end (see useFollow).
   */
  get followRequests(): number {
    return this._followRequests;
  }

  /** The user acted on this conversation: the chat follows what comes next. */
  follow(): void {
    this._followRequests += 1;
    this._changed.emit();
  }

  /** When the current or last request was sent from this window; null when restored. */
  get requestStartedAt(): number | null {
    return this._requestStartedAt;
  }

  /** How long the last request took, once it ended in this window. */
  get requestDurationMs(): number | null {
    return this._requestDurationMs;
  }

  /** Tokens used by the current or last request. */
  get usage(): Usage | null {
    return this._usage;
  }

  /** Whether a request is running. */
  get busy(): boolean {
    return this._busy;
  }

  /**
   * Whether this window only watches the session: another window (a second
   * tab on the same notebook) drives its request and runs its cells.
   */
  get watching(): boolean {
    return this._watching;
  }

  /** Emitted on any change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /**
   * Continue a saved session: take its id, and show its history before
   * whatever this conversation already shows.
   */
  restore(
    session: string,
    history: ChatEntry[],
    usage: Usage | null,
    spentBefore = 0
  ): void {
    this._session = session;
    this._entries = [...history, ...this._entries];
    this._usage = usage;
    this._spentBefore = spentBefore;
    this._changed.emit();
  }

  /**
   * Continue a saved session by showing again every message it showed, in
   * order: the same entries, cards and notices as before the reload. A
   * request still running on the server (waiting for an approval) stays
   * running here, its card answerable.
   */
  replay(session: string, events: ReadonlyArray<RecordedEvent>): void {
    const shown = this._entries;
    const shownSets = this._changeSets;
    this._session = session;
    this._entries = [];
    this._changeSets = [];
    this._replaying = true;
    for (const event of events) {
      this.handle({ ...event, session } as ServerMessage);
    }
    this._replaying = false;
    this._entries = [...this._entries, ...shown];
    this._changeSets = [...this._changeSets, ...shownSets];
    this._changed.emit();
  }

  /**
   * A new request starts: show the text and the names of the attached files,
   * forget the last status and usage.
   */
  startRequest(
    text: string,
    attachments: string[] = [],
    client: string | null = null
  ): void {
    this._busy = true;
    this._status = null;
    this._spentBefore += this._usage?.cost ?? 0;
    this._usage = null;
    this._requestStartedAt = this._clock();
    this._requestDurationMs = null;
    this._followRequests += 1;
    this._push(userEntry(text, attachments, client));
  }

  /** The request is over, for the given reason. */
  finishRequest(reason: DoneReason): void {
    this._busy = false;
    if (this._leaveAfterRequest) {
      this._leaveForeignSession();
    }
    this._watching = false;
    if (this._requestStartedAt !== null) {
      this._requestDurationMs = Date.now() - this._requestStartedAt;
    }
    // A step cut short without a result (the request was interrupted) did not finish.
    this._entries = this._entries.map(entry =>
      entry.kind === 'step' && entry.state === 'running'
        ? { ...entry, state: 'cancelled' }
        : entry
    );
    const notice = doneNotice(reason, this._trans);
    if (notice) {
      this._entries.push(notice);
    }
    this._entries = offerRetry(this._entries, reason);
    this._changed.emit();
  }

  /** Show a notice (an error, or how something ended). */
  addNotice(
    message: string,
    hint: string | null = null,
    level: INoticeEntry['level'] = 'error'
  ): void {
    this._push(noticeEntry(message, level, hint));
  }

  /** Show an export in progress; returns its entry's id. */
  startExport(): string {
    const entry = exportEntry();
    this._push(entry);
    return entry.id;
  }

  /**
   * The kernel was lost (`cause` says how): offer to restore its state. One
   * card is on offer at a time, the latest at the end. Not for a replayed
   * history: its cards come as the record kept them.
   */
  offerRestore(cause: KernelCause): void {
    if (this._replaying || this.restoringKernel) {
      return; // a restart of ours (Undo's "Also restore the kernel"): its card says it
    }
    this._entries = this._entries.filter(
      entry => !(entry.kind === 'kernel' && entry.state === 'offered')
    );
    const entry = kernelEntry(this._session, cause);
    this._push(entry);
    this._kernelCardChanged.emit(entry);
  }

  /**
   * Emitted when a kernel card of this window appears or changes (not when
   * one is replayed), so it can be kept in the session record.
   */
  get kernelCardChanged(): ISignal<this, IKernelEntry> {
    return this._kernelCardChanged;
  }

  /** Whether a restore of the kernel runs now (its card shows the progress). */
  get restoringKernel(): boolean {
    return this._entries.some(
      entry => entry.kind === 'kernel' && entry.state === 'restoring'
    );
  }

  /**
   * Show the card of a kernel restore that starts now (Undo's "Also restore
   * the kernel"), which will run `total` cells; returns its entry's id.
   */
  startKernelRestore(total: number): string {
    const entry: IKernelEntry = {
      ...kernelEntry(this._session, 'undo'),
      state: 'restoring',
      total
    };
    this._push(entry);
    this._kernelCardChanged.emit(entry);
    return entry.id;
  }

  /** Whether any step of this conversation ran (so there is state to restore). */
  get hasSteps(): boolean {
    return this._entries.some(entry => entry.kind === 'step');
  }

  /** Change a restore card: its progress and how it ended. */
  updateKernelEntry(
    id: string,
    update: Partial<Pick<IKernelEntry, 'state' | 'ran' | 'total' | 'failure'>>
  ): void {
    this._replace(
      entry => entry.kind === 'kernel' && entry.id === id,
      entry => ({ ...(entry as IKernelEntry), ...update })
    );
    const card = this._entries.find(entry => entry.id === id);
    if (card?.kind === 'kernel' && !this._replaying) {
      this._kernelCardChanged.emit(card);
    }
  }

  /**
   * The notebook was deleted under this conversation: said once. The
   * panel writes nothing to it any more (see DeletedNotebooks).
   */
  notebookDeleted(): void {
    if (this._deletedSaid) {
      return;
    }
    this._deletedSaid = true;
    this.addNotice(
      this._trans.__(
        '%1 was deleted while the assistant worked in it: the request stopped, and nothing was written back.',
        this._path
      ),
      this._trans.__(
        'Its cells are still open in this window: File ▸ Save Notebook As… keeps them.'
      )
    );
  }

  /** A kernel card as the record kept it: shown as it was (see replayedCard). */
  private _showKernelCard(card: IKernelCard): void {
    const entry = replayedCard(this._session, card);
    if (this._entries.some(shown => shown.id === entry.id)) {
      this._replace(
        shown => shown.id === entry.id,
        () => entry
      );
      return;
    }
    this._entries = this._entries.filter(
      shown => !(shown.kind === 'kernel' && shown.state === 'offered')
    );
    this._push(entry);
  }

  /**
   * The request ended because its kernel or notebook went away: that is
   * said once, by the kernel's card (kept when the loss already put one on
   * offer), or by a notice when the notebook was closed.
   */
  private _endedByKernel(): void {
    const ending = kernelEnding(this._entries);
    if (ending === 'deleted') {
      this.notebookDeleted();
    } else if (ending === 'closed') {
      this.addNotice(
        this._trans.__(
          'The notebook was closed while the assistant’s cell ran, so the request stopped.'
        ),
        this._trans.__(
          'Its kernel was left running (the cell may still be running in it). Reopen the notebook to go on.'
        ),
        'info'
      );
    } else if (ending !== null) {
      this.offerRestore(ending);
    }
  }

  /** Show an export from the history. */
  addExport(outcome: Pick<IExportEntry, 'result' | 'error'>): void {
    this._push({ ...exportEntry(), ...outcome });
  }

  /** Show how an export ended. */
  finishExport(
    id: string,
    outcome: Pick<IExportEntry, 'result' | 'error'>
  ): void {
    this._replace(
      entry => entry.kind === 'export' && entry.id === id,
      entry => ({ ...(entry as IExportEntry), ...outcome })
    );
  }

  /**
   * This window does not hold the key of the session it shows (another
   * browser started it): the history stays shown, and the next request
   * starts a new session, once the refused one (if any) is over.
   */
  private _leaveForeignSession(): void {
    if (this._busy) {
      this._leaveAfterRequest = true;
      return;
    }
    this._session = UUID.uuid4();
    this._leaveAfterRequest = false;
  }

  /** Now, for timers; null while replaying a saved history (its times are not this window's). */
  private _clock(): number | null {
    return this._replaying ? null : Date.now();
  }

  /** Apply one message of this conversation's session. */
  handle(message: ServerMessage): void {
    switch (message.type) {
      case 'text_delta':
        this._appendText(message.text);
        break;
      case 'run_cell':
        this._push(stepEntry(message, this._clock()));
        break;
      case 'user_message':
        this.startRequest(
          message.text,
          message.attachments,
          message.client ?? null
        );
        break;
      case 'cell_done':
        this.updateStep(message.call_id, {
          state: message.status,
          ...(message.error && { error: message.error }),
          ...(message.outputs && { outputs: message.outputs }),
          ...(message.checks && { checks: message.checks }),
          durationMs: message.duration_ms ?? null
        });
        break;
      case 'answer_cut_off':
        this._dropStreamedText();
        this.addNotice(message.message, null, 'info');
        break;
      case 'approval_answer':
        this.decideApproval(message.request_id, message.approved);
        break;
      case 'attached':
        this._watching = message.role === 'watcher' && message.busy;
        this._busy = message.busy;
        this._changed.emit();
        break;
      case 'export':
        this.addExport(message);
        break;
      case 'files_changed':
        this.updateStep(message.call_id, { files: message.files });
        break;
      case 'approval_request':
        this._statusSince = this._clock();
        this._push(approvalEntry(message));
        break;
      case 'approval_details':
        this._replace(
          entry =>
            entry.kind === 'approval' && entry.requestId === message.request_id,
          entry => withInstallPlan(entry as IApprovalEntry, message)
        );
        break;
      case 'tool_call':
        this._push(toolEntry(message));
        break;
      case 'tool_result':
        this._replace(
          entry => entry.kind === 'tool' && entry.callId === message.call_id,
          entry => ({ ...entry, status: message.status, text: message.text })
        );
        break;
      case 'question':
        this._statusSince = this._clock();
        this._push(questionEntry(message));
        break;
      case 'question_answer':
        this.answerQuestion(message.request_id, message);
        break;
      case 'status':
        // The server sends one as each phase begins (two answers of the
        // model, or two cells, are two phases even when named alike).
        this._statusSince = this._clock();
        this._status = message;
        this._changed.emit();
        break;
      case 'usage':
        this._usage = message;
        this._changed.emit();
        break;
      case 'error':
        this.addNotice(message.message, message.hint);
        if (message.code === 'not_your_conversation') {
          this._leaveForeignSession();
        }
        break;
      case 'done':
        if (message.reason === 'kernel') {
          // The card or notice below says it; the server's words would be a second box.
          this._entries = withoutClosingError(this._entries);
        }
        this.finishRequest(message.reason);
        if (message.reason === 'kernel') {
          this._endedByKernel();
        }
        break;
      case 'kernel_card':
        this._showKernelCard(message);
        break;
      case 'notebook_changes':
        this.updateChanges(
          message.request,
          message.changes,
          message.state_changed ?? false
        );
        break;
      case 'rules':
        this._replaceLast('user', entry => ({
          ...entry,
          rules: message.files
        }));
        break;
      case 'answer_check':
        this._replaceLast('assistant', entry =>
          message.stage === 'sent_back'
            ? { ...entry, firstAnswer: true }
            : { ...entry, unsupported: message.numbers }
        );
        break;
      case 'warning':
        this.addNotice(message.message, message.hint || null, 'warning');
        break;
      case 'review':
        this.recordReview(message.request, message.cell_id, message.action);
        break;
      case 'undo':
        this.recordUndo(message.request, message);
        break;
      case 'hello':
      case 'inspect':
        break;
    }
  }

  /**
   * Every change a request made so far: its card shows them, under the
   * request it belongs to (the last one shown when the card first comes).
   */
  updateChanges(
    request: number,
    changes: ReadonlyArray<INotebookChange>,
    stateChanged = false
  ): void {
    const merged = mergeChanges(changes);
    if (this._changeSets.some(set => set.request === request)) {
      this._updateChangeSet(request, set => ({
        ...set,
        changes: merged,
        stateChanged
      }));
      return;
    }
    const users = this._entries.filter(entry => entry.kind === 'user');
    this._changeSets.push({
      id: nextId(),
      session: this._session,
      request,
      userEntryId: users[users.length - 1]?.id ?? null,
      changes: merged,
      reviews: {},
      undo: null,
      dismissed: false,
      stateChanged
    });
    this._changed.emit();
  }

  /** The user accepted or reverted one change of a request. */
  recordReview(request: number, cellId: string, action: ReviewAction): void {
    this._updateChangeSet(request, set => ({
      ...set,
      reviews: { ...set.reviews, [cellId]: action }
    }));
  }

  /** The user undid a request's changes. */
  recordUndo(request: number, outcome: IUndoOutcome): void {
    const { restored, removed, kept } = outcome;
    this._updateChangeSet(request, set => ({
      ...set,
      undo: { restored, removed, kept }
    }));
  }

  /** The user dismissed a request's card: it goes, and so do its cell markers. */
  dismissChanges(request: number): void {
    this._updateChangeSet(request, set => {
      this._dismissals.add(set.session, request);
      return { ...set, dismissed: true };
    });
  }

  private _updateChangeSet(
    request: number,
    change: (set: IChangeSet) => IChangeSet
  ): void {
    const index = this._changeSets.findIndex(set => set.request === request);
    if (index >= 0) {
      this._changeSets[index] = change(this._changeSets[index]);
      this._changed.emit();
    }
  }

  /** Change a step card: how its run ended, its outputs, its files. */
  updateStep(callId: string, update: StepUpdate): void {
    this._replace(
      entry => entry.kind === 'step' && entry.callId === callId,
      entry => ({ ...(entry as IStepEntry), ...update })
    );
  }

  /**
   * Record the user's answer to an approval request: yes, no, or yes with
   * this edited code.
   */
  decideApproval(requestId: string, answer: boolean | string): void {
    this._statusSince = this._clock();
    this._replace(
      entry => entry.kind === 'approval' && entry.requestId === requestId,
      entry => ({
        ...(entry as IApprovalEntry),
        approved: answer !== false,
        editedCode: typeof answer === 'string' ? answer : null
      })
    );
  }

  /** Record the user's answer to a question: an option (its index), or words. */
  answerQuestion(
    requestId: string,
    answer: { option: number | null; text: string }
  ): void {
    this._statusSince = this._clock();
    this._replace(
      entry => entry.kind === 'question' && entry.requestId === requestId,
      entry => ({
        ...(entry as IQuestionEntry),
        answer: { option: answer.option, text: answer.text }
      })
    );
  }

  /** Show a file that starts uploading; returns its attachment id. */
  addAttachment(name: string, size: number): string {
    const id = nextId();
    this._attachments = [
      ...this._attachments,
      { id, name, size, path: null, progress: 0 }
    ];
    this._changed.emit();
    return id;
  }

  /** Change an attachment: its progress, or where it was saved. */
  updateAttachment(
    id: string,
    update: Partial<Pick<IAttachment, 'name' | 'path' | 'progress'>>
  ): void {
    this._attachments = this._attachments.map(attachment =>
      attachment.id === id ? { ...attachment, ...update } : attachment
    );
    this._changed.emit();
  }

  /** Drop an attachment from the next request (the saved file stays). */
  removeAttachment(id: string): void {
    this._attachments = this._attachments.filter(a => a.id !== id);
    this._changed.emit();
  }

  /** The saved attachments, for a request that is being sent; they are cleared. */
  takeAttachments(): ISavedAttachment[] {
    const saved = this._attachments.filter(
      (a): a is ISavedAttachment => a.path !== null
    );
    this._attachments = this._attachments.filter(a => a.path === null);
    this._changed.emit();
    return saved;
  }

  /** The text streamed since the last step, cut off mid-answer, is dropped. */
  private _dropStreamedText(): void {
    const last = this._entries[this._entries.length - 1];
    if (last?.kind === 'assistant') {
      this._entries.pop();
      this._changed.emit();
    }
  }

  /** Streamed text extends the last assistant block, or starts one (a folded first answer ends one). */
  private _appendText(text: string): void {
    const last = this._entries[this._entries.length - 1];
    if (last?.kind === 'assistant' && !last.firstAnswer) {
      this._entries[this._entries.length - 1] = {
        ...last,
        text: last.text + text
      };
      this._changed.emit();
    } else {
      this._push(assistantEntry(text));
    }
  }

  /** Change the last entry of a kind (the request's, the answer's); nothing happens when there is none. */
  private _replaceLast<K extends ChatEntry['kind']>(
    kind: K,
    change: (entry: Extract<ChatEntry, { kind: K }>) => ChatEntry
  ): void {
    for (let index = this._entries.length - 1; index >= 0; index--) {
      const entry = this._entries[index];
      if (entry.kind === kind) {
        this._entries[index] = change(entry as Extract<ChatEntry, { kind: K }>);
        this._changed.emit();
        return;
      }
    }
  }

  /** Replace the first entry that matches; nothing happens when none does. */
  private _replace(
    matches: (entry: ChatEntry) => boolean,
    change: (entry: ChatEntry) => ChatEntry
  ): void {
    const index = this._entries.findIndex(matches);
    if (index < 0) {
      return;
    }
    this._entries[index] = change(this._entries[index]);
    this._changed.emit();
  }

  private _push(entry: ChatEntry): void {
    this._entries.push(entry);
    this._changed.emit();
  }

  private _path: string;
  private _trans: TranslationBundle;
  private _dismissals: Dismissals;
  private _session = UUID.uuid4();
  private _leaveAfterRequest = false;
  private _entries: ChatEntry[] = [];
  private _changeSets: IChangeSet[] = [];
  private _cellReference: ICellReference | null = null;
  private _attachments: IAttachment[] = [];
  private _status: IStatusMessage | null = null;
  private _statusSince: number | null = null;
  /** The cost of the requests before the current or last one. */
  private _spentBefore = 0;
  private _requestStartedAt: number | null = null;
  private _requestDurationMs: number | null = null;
  private _usage: Usage | null = null;
  private _busy = false;
  private _followRequests = 0;
  private _watching = false;
  private _replaying = false;
  private _changed = new Signal<this, void>(this);
  private _kernelCardChanged = new Signal<this, IKernelEntry>(this);
  private _deletedSaid = false;
}

/**
 * All conversations, which one the panel shows, the server's configuration
 * and the connection state.
 */
export class ChatModel {
  constructor(options: ChatModel.IOptions) {
    this._trans = options.trans;
    this._dismissals = options.dismissals ?? new Dismissals();
    this._dismissals.changed.connect(() => this._changed.emit());
  }

  /** Emitted on any change, including a change inside a conversation. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** A kernel card of any conversation appeared or changed (see Conversation's). */
  get kernelCardChanged(): ISignal<this, IKernelEntry> {
    return this._kernelCardChanged;
  }

  /** The server configuration, once known. */
  get config(): IConfig | null {
    return this._config;
  }

  set config(config: IConfig | null) {
    this._config = config;
    this._changed.emit();
  }

  /**
   * What the check made when the panel opened found wrong with the model
   * server (it did not answer, or does not list the model); requests may
   * still be sent. Null when it answered, or was not checked.
   */
  get connectionWarning(): IProblem | null {
    return this._connectionWarning;
  }

  set connectionWarning(warning: IProblem | null) {
    this._connectionWarning = warning;
    this._changed.emit();
  }

  /** Why the configuration could not be read (e.g. no server extension). */
  get configError(): string | null {
    return this._configError;
  }

  set configError(message: string | null) {
    this._configError = message;
    this._changed.emit();
  }

  /**
   * The model name, from `hello` or the configuration, else the one the
   * model server listed first (when none is configured, requests use it).
   */
  get modelName(): string | null {
    // Not while no model can be used: a default name would read as working.
    if (!this._config?.configured) {
      return null;
    }
    return this._config.model ?? this._listedModel;
  }

  /** The model the server's list gives, as the check on opening found it. */
  set listedModel(name: string | null) {
    this._listedModel = name;
    this._changed.emit();
  }

  /**
   * Why the user cannot send requests, or null when they can: the server
   * extension is missing or failed, or no model is configured.
   */
  get problem(): IProblem | null {
    const trans = this._trans;
    if (this._configError === NOT_INSTALLED_MESSAGE) {
      return {
        message: trans.__(
          'The ci-jupyterlab server extension is not installed or not enabled'
        ),
        hint: trans.__(
          'Install the Python package ci_jupyterlab in the environment that runs JupyterLab, run "jupyter server extension enable ci_jupyterlab", then restart JupyterLab.'
        )
      };
    }
    if (this._configError) {
      return {
        message: this._configError,
        hint: trans.__('Check the Jupyter server log, then reload the page.')
      };
    }
    if (this._config && !this._config.configured) {
      const problem = this._config.problem;
      return {
        message:
          problem?.message ?? trans.__('No language model is configured.'),
        hint:
          problem?.hint ??
          trans.__(
            'Open the settings (the gear above) and set Base URL, Model and API key; the key stays on the server.'
          )
      };
    }
    return null;
  }

  get connection(): ConnectionState {
    return this._connection;
  }

  set connection(state: ConnectionState) {
    this._connection = state;
    this._changed.emit();
  }

  /** The path of the active notebook (see ConversationSync). */
  get activePath(): string | null {
    return this._activePath;
  }

  set activePath(path: string | null) {
    this._activePath = path;
    this._changed.emit();
  }

  /**
   * The conversation the panel shows: the one with a running request, else
   * the active notebook's (null when no notebook is open).
   */
  get target(): Conversation | null {
    const running = this._conversations.find(c => c.busy);
    if (running) {
      return running;
    }
    return this._activePath === null
      ? null
      : this.conversationFor(this._activePath);
  }

  /** Whether any conversation has a running request. */
  get busy(): boolean {
    return this._conversations.some(c => c.busy);
  }

  /** The conversation of a notebook, created on first use. */
  conversationFor(path: string): Conversation {
    let conversation = this._conversations.find(c => c.path === path);
    if (!conversation) {
      conversation = new Conversation(path, this._trans, this._dismissals);
      conversation.changed.connect(() => this._changed.emit());
      conversation.kernelCardChanged.connect((_, card) =>
        this._kernelCardChanged.emit(card)
      );
      this._conversations.push(conversation);
    }
    return conversation;
  }

  /** A notebook was renamed or moved: its conversation follows it. */
  renameNotebook(oldPath: string, newPath: string): void {
    const moved = this._conversations.find(c => c.path === oldPath);
    if (moved) {
      // A conversation left by a deleted notebook of the new name is over.
      this._conversations = this._conversations.filter(c => c.path !== newPath);
      moved.path = newPath;
    }
    if (this._activePath === oldPath) {
      this.activePath = newPath;
    }
  }

  /** The conversation of a session id, if it exists. */
  conversationOf(session: string): Conversation | null {
    return this._conversations.find(c => c.session === session) ?? null;
  }

  /**
   * Apply a server message: `hello` updates the configuration, the others go
   * to their session's conversation. An error without a known session is
   * shown in the conversation the panel shows.
   */
  handle(message: ServerMessage): void {
    if (message.type === 'describe_notebook') {
      return; // About the window, not a conversation: OpenNotebooks answers it.
    }
    if (message.type === 'hello') {
      this.config = {
        ...(this._config ?? DEFAULT_CONFIG),
        protocol: message.protocol,
        configured: message.configured,
        model: message.model,
        problem: message.problem
      };
      return;
    }
    if (message.type === 'done') {
      // What the request met is in the chat now: the opening check's
      // warning would say it a second time, or no longer holds.
      this._connectionWarning = null;
    }
    const conversation = message.session
      ? this.conversationOf(message.session)
      : null;
    (conversation ?? (message.type === 'error' ? this.target : null))?.handle(
      message
    );
  }

  /**
   * The connection dropped: requests that were running are over, because
   * the server forgets them with the connection.
   */
  abortRunningRequests(): void {
    for (const conversation of this._conversations) {
      if (conversation.busy) {
        conversation.addNotice(
          this._trans.__(
            'The connection to the server was lost; the request was interrupted.'
          ),
          this._trans.__(
            'It reconnects by itself; send your request again then.'
          )
        );
        conversation.finishRequest('error');
      }
    }
  }

  /** Every conversation, e.g. to attach them again after a reconnection. */
  get conversations(): ReadonlyArray<Conversation> {
    return this._conversations;
  }

  private _trans: TranslationBundle;
  private _dismissals: Dismissals;
  private _conversations: Conversation[] = [];
  private _config: IConfig | null = null;
  private _configError: string | null = null;
  private _connectionWarning: IProblem | null = null;
  private _listedModel: string | null = null;
  private _kernelCardChanged = new Signal<this, IKernelEntry>(this);
  private _connection: ConnectionState = 'connecting';
  private _activePath: string | null = null;
  private _changed = new Signal<this, void>(this);
}

export namespace ChatModel {
  export interface IOptions {
    /** The extension's strings (notices, hints, card texts). */
    trans: TranslationBundle;
    /** The change cards the user dismissed (default: for this page load). */
    dismissals?: Dismissals;
  }
}

const DEFAULT_CONFIG: IConfig = {
  protocol: PROTOCOL_VERSION,
  configured: false,
  model: null,
  endpoint: null,
  max_attempts: 0,
  cell_timeout: 0,
  problem: null
};
