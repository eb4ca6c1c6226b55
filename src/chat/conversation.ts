/**
 * The conversation of one notebook. It keeps its parts, each with one job:
 * the entries it shows (EntryLog), where its request stands
 * (RequestLifecycle), what its requests used (UsageCounter), what they
 * changed in the notebook (ChangeSetLog), what goes with the next request
 * (NextRequest) and its kernel cards (KernelCardLog). Server messages are
 * applied in conversationMessages.ts. No I/O happens here.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { UUID } from '@lumino/coreutils';
import { ISignal, Signal } from '@lumino/signaling';

import { ChangeSetLog } from './changeSetLog';
import { applyMessage } from './conversationMessages';
import { Dismissals } from './dismissals';
import {
  ChatEntry,
  doneNotice,
  exportEntry,
  IApprovalEntry,
  IChangeSet,
  IExportEntry,
  IKernelEntry,
  INoticeEntry,
  IQuestionEntry,
  IStepEntry,
  IUndoOutcome,
  noticeEntry,
  offerRetry,
  userEntry
} from './entries';
import { EntryLog } from './entryLog';
import { KernelCardLog } from './kernelCards';
import {
  IAttachment,
  ICellReference,
  ISavedAttachment,
  NextRequest
} from './nextRequest';
import { RequestLifecycle } from './requestLifecycle';
import { Usage, UsageCounter } from './usageCounter';
import type {
  DoneReason,
  INotebookChange,
  IStatusMessage,
  KernelCause,
  RecordedEvent,
  ReviewAction,
  ServerMessage
} from '../server/protocol';

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
    const changed = () => this._changed.emit();
    this.log = new EntryLog(changed);
    this.lifecycle = new RequestLifecycle(changed);
    this.usageCounter = new UsageCounter(changed);
    this.changeLog = new ChangeSetLog(dismissals, changed);
    this.nextRequest = new NextRequest(changed);
    this.kernelCards = new KernelCardLog({
      log: this.log,
      trans,
      conversation: {
        session: () => this._session,
        path: () => this._path,
        replaying: () => this.lifecycle.replaying
      },
      cardChanged: card => this._kernelCardChanged.emit(card)
    });
  }

  /** The entries shown, in order. */
  readonly log: EntryLog;
  /** Where the current or last request stands. */
  readonly lifecycle: RequestLifecycle;
  /** What the requests used and cost. */
  readonly usageCounter: UsageCounter;
  /** What each request changed in the notebook, and what the user did about it. */
  readonly changeLog: ChangeSetLog;
  /** The cell and the files that go with the next request. */
  readonly nextRequest: NextRequest;
  /** The cards about the notebook's kernel. */
  readonly kernelCards: KernelCardLog;

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
    return this.log.entries;
  }

  /**
   * What each request changed in the notebook, in request order, with what
   * the user did about it (see IChangeSet).
   */
  get changeSets(): ReadonlyArray<IChangeSet> {
    return this.changeLog.all;
  }

  /** The change set of a request, if it changed the notebook. */
  changeSet(request: number): IChangeSet | null {
    return this.changeLog.of(request);
  }

  /** The cell the next request is about, if the user chose one. */
  get cellReference(): ICellReference | null {
    return this.nextRequest.cellReference;
  }

  /** Choose the cell the next request is about (null: none). */
  set cellReference(reference: ICellReference | null) {
    this.nextRequest.cellReference = reference;
  }

  /** The cell of a request that is being sent; the choice is cleared. */
  takeCellReference(): ICellReference | null {
    return this.nextRequest.takeCellReference();
  }

  /** The files that go with the next request. */
  get attachments(): ReadonlyArray<IAttachment> {
    return this.nextRequest.attachments;
  }

  /** Whether an attached file is still uploading. */
  get uploading(): boolean {
    return this.nextRequest.uploading;
  }

  /** Whether an export of the notebook runs. */
  get exporting(): boolean {
    return this.entries.some(
      entry =>
        entry.kind === 'export' && entry.result === null && entry.error === null
    );
  }

  /** The last `status` message of the current or last request. */
  get status(): IStatusMessage | null {
    return this.lifecycle.status;
  }

  /**
   * What the conversation's requests cost so far, in US dollars; null while
   * none had a price (local models).
   */
  get sessionCost(): number | null {
    return this.usageCounter.sessionCost;
  }

  /** When the current phase began (see RequestLifecycle.statusSince). */
  get statusSince(): number | null {
    return this.lifecycle.statusSince;
  }

  /**
   * The card the running request waits on for the user's answer (an
   * approval or a question); null when it waits for nobody.
   */
  get waitingCard(): IApprovalEntry | IQuestionEntry | null {
    if (!this.busy) {
      return null;
    }
    for (const entry of this.entries) {
      if (
        (entry.kind === 'approval' && entry.approved === null) ||
        (entry.kind === 'question' && entry.answer === null)
      ) {
        return entry;
      }
    }
    return null;
  }

  /** How many times the user sent a request or answered a card here (see useFollow). */
  get followRequests(): number {
    return this.lifecycle.followRequests;
  }

  /** The user acted on this conversation: the chat follows what comes next. */
  follow(): void {
    this.lifecycle.follow();
  }

  /** When the current or last request was sent from this window; null when restored. */
  get requestStartedAt(): number | null {
    return this.lifecycle.startedAt;
  }

  /** How long the last request took, once it ended in this window. */
  get requestDurationMs(): number | null {
    return this.lifecycle.durationMs;
  }

  /** Tokens used by the current or last request. */
  get usage(): Usage | null {
    return this.usageCounter.usage;
  }

  /** Whether a request is running. */
  get busy(): boolean {
    return this.lifecycle.busy;
  }

  /** Whether this window only watches the session (another window drives it). */
  get watching(): boolean {
    return this.lifecycle.watching;
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
    this.log.set([...history, ...this.log.entries]);
    this.usageCounter.restore(usage, spentBefore);
    this._changed.emit();
  }

  /**
   * Continue a saved session by showing again every message it showed, in
   * order: the same entries, cards and notices as before the reload. A
   * request still running on the server (waiting for an approval) stays
   * running here, its card answerable.
   */
  replay(session: string, events: ReadonlyArray<RecordedEvent>): void {
    const shown = this.log.entries;
    const shownSets = this.changeLog.takeAll();
    this._session = session;
    this.log.set([]);
    this.lifecycle.replaying = true;
    for (const event of events) {
      this.handle({ ...event, session } as ServerMessage);
    }
    this.lifecycle.replaying = false;
    this.log.set([...this.log.entries, ...shown]);
    this.changeLog.append(shownSets);
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
    this.lifecycle.start();
    this.usageCounter.startRequest();
    this.log.push(userEntry(text, attachments, client));
  }

  /** The request is over, for the given reason. */
  finishRequest(reason: DoneReason): void {
    this.lifecycle.finish();
    if (this._leaveAfterRequest) {
      this.leaveForeignSession();
    }
    // A step cut short without a result (the request was interrupted) did not finish.
    const entries: ChatEntry[] = this.entries.map(entry =>
      entry.kind === 'step' && entry.state === 'running'
        ? { ...entry, state: 'cancelled' }
        : entry
    );
    const notice = doneNotice(reason, this._trans);
    if (notice) {
      entries.push(notice);
    }
    this.log.set(offerRetry(entries, reason));
    this._changed.emit();
  }

  /** Show a notice (an error, or how something ended). */
  addNotice(
    message: string,
    hint: string | null = null,
    level: INoticeEntry['level'] = 'error'
  ): void {
    this.log.push(noticeEntry(message, level, hint));
  }

  /** Show an export in progress; returns its entry's id. */
  startExport(): string {
    const entry = exportEntry();
    this.log.push(entry);
    return entry.id;
  }

  /** Show an export from the history. */
  addExport(outcome: Pick<IExportEntry, 'result' | 'error'>): void {
    this.log.push({ ...exportEntry(), ...outcome });
  }

  /** Show how an export ended. */
  finishExport(
    id: string,
    outcome: Pick<IExportEntry, 'result' | 'error'>
  ): void {
    this.log.replace(
      entry => entry.kind === 'export' && entry.id === id,
      entry => ({ ...(entry as IExportEntry), ...outcome })
    );
  }

  /** The kernel was lost (`cause` says how): offer to restore its state (see KernelCardLog). */
  offerRestore(cause: KernelCause): void {
    this.kernelCards.offerRestore(cause);
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
    return this.kernelCards.restoring;
  }

  /** Show the card of a kernel restore that starts now; returns its entry's id. */
  startKernelRestore(total: number): string {
    return this.kernelCards.startRestore(total);
  }

  /** Whether any step of this conversation ran (so there is state to restore). */
  get hasSteps(): boolean {
    return this.entries.some(entry => entry.kind === 'step');
  }

  /** Change a restore card: its progress and how it ended. */
  updateKernelEntry(
    id: string,
    update: Partial<Pick<IKernelEntry, 'state' | 'ran' | 'total' | 'failure'>>
  ): void {
    this.kernelCards.update(id, update);
  }

  /** The notebook was deleted under this conversation: said once. */
  notebookDeleted(): void {
    this.kernelCards.notebookDeleted();
  }

  /**
   * This window does not hold the key of the session it shows (another
   * browser started it): the history stays shown, and the next request
   * starts a new session, once the refused one (if any) is over.
   */
  leaveForeignSession(): void {
    if (this.busy) {
      this._leaveAfterRequest = true;
      return;
    }
    this._session = UUID.uuid4();
    this._leaveAfterRequest = false;
  }

  /** Apply one message of this conversation's session. */
  handle(message: ServerMessage): void {
    applyMessage(this, message);
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
    const users = this.entries.filter(entry => entry.kind === 'user');
    const userEntryId = users[users.length - 1]?.id ?? null;
    this.changeLog.update(
      this._session,
      userEntryId,
      request,
      changes,
      stateChanged
    );
  }

  /** The user accepted or reverted one change of a request. */
  recordReview(request: number, cellId: string, action: ReviewAction): void {
    this.changeLog.recordReview(request, cellId, action);
  }

  /** The user undid a request's changes. */
  recordUndo(request: number, outcome: IUndoOutcome): void {
    this.changeLog.recordUndo(request, outcome);
  }

  /** The user dismissed a request's card: it goes, and so do its cell markers. */
  dismissChanges(request: number): void {
    this.changeLog.dismiss(request);
  }

  /** Change a step card: how its run ended, its outputs, its files. */
  updateStep(callId: string, update: StepUpdate): void {
    this.log.replace(
      entry => entry.kind === 'step' && entry.callId === callId,
      entry => ({ ...(entry as IStepEntry), ...update })
    );
  }

  /**
   * Record the user's answer to an approval request: yes, no, or yes with
   * this edited code.
   */
  decideApproval(requestId: string, answer: boolean | string): void {
    this.lifecycle.phaseBegins();
    this.log.replace(
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
    this.lifecycle.phaseBegins();
    this.log.replace(
      entry => entry.kind === 'question' && entry.requestId === requestId,
      entry => ({
        ...(entry as IQuestionEntry),
        answer: { option: answer.option, text: answer.text }
      })
    );
  }

  /** Show a file that starts uploading; returns its attachment id. */
  addAttachment(name: string, size: number): string {
    return this.nextRequest.addAttachment(name, size);
  }

  /** Change an attachment: its progress, or where it was saved. */
  updateAttachment(
    id: string,
    update: Partial<Pick<IAttachment, 'name' | 'path' | 'progress'>>
  ): void {
    this.nextRequest.updateAttachment(id, update);
  }

  /** Drop an attachment from the next request (the saved file stays). */
  removeAttachment(id: string): void {
    this.nextRequest.removeAttachment(id);
  }

  /** The saved attachments, for a request that is being sent; they are cleared. */
  takeAttachments(): ISavedAttachment[] {
    return this.nextRequest.takeAttachments();
  }

  private _path: string;
  private _trans: TranslationBundle;
  private _session = UUID.uuid4();
  private _leaveAfterRequest = false;
  private _changed = new Signal<this, void>(this);
  private _kernelCardChanged = new Signal<this, IKernelEntry>(this);
}
