/**
 * The items a conversation shows, and how they are made. Entries are plain
 * data, replaced rather than mutated, so React can skip unchanged ones.
 */
import type * as nbformat from '@jupyterlab/nbformat';
import type { TranslationBundle } from '@jupyterlab/translation';
import { UUID } from '@lumino/coreutils';

import type {
  ApprovalKind,
  DoneReason,
  IApprovalDetailsMessage,
  IApprovalRequestMessage,
  IInstallPlanItem,
  IQuestionMessage,
  ICellError,
  IChangedFile,
  IExportResult,
  IKernelCard,
  INotebookChange,
  KernelCause,
  IRunCellMessage,
  IToolCallMessage,
  ReviewAction,
  RunStatus
} from '../server/protocol';

/** What the user asked. */
export interface IUserEntry {
  kind: 'user';
  id: string;
  text: string;
  /** The names of the files attached to the request. */
  attachments: string[];
  /** The outside agent (an MCP client) that sent it; null: the user. */
  client: string | null;
  /** The project's rules files the model was given for it (server-root paths). */
  rules: string[];
}

/** A block of assistant markdown, growing while it streams. */
export interface IAssistantEntry {
  kind: 'assistant';
  id: string;
  text: string;
  /**
   * An answer that stated numbers no output shows: the model was asked to
   * check them and answered again, so this one shows folded.
   */
  firstAnswer: boolean;
  /** Numbers (as written) that no output shows, marked in the text. */
  unsupported: string[];
}

/** A step's state: running, or how its run ended. */
export type StepState = 'running' | RunStatus;

/** One attempt at one step: a cell the assistant ran. */
export interface IStepEntry {
  kind: 'step';
  id: string;
  session: string;
  callId: string;
  step: number;
  attempt: number;
  code: string;
  state: StepState;
  error: ICellError | null;
  /** The cell's outputs: so far while it runs, bounded (see boundedOutputs). */
  outputs: nbformat.IOutput[];
  /** Files the step created or modified. */
  files: IChangedFile[];
  /** When this window saw it start (ms since the epoch); null when restored from history. */
  startedAt: number | null;
  /** How long the cell ran, once it ended (from the server). */
  durationMs: number | null;
  /** What the silent-failure checks found wrong with a cell that ran without an error. */
  checks: string[];
  /** An existing cell run again unchanged: an earlier cell it depends on was edited. */
  rerun: boolean;
  /** The reasons the user approved it for before it ran; null when it ran unasked. */
  approved: string[] | null;
}

/**
 * The assistant asks before a cell runs; `approved` is null until answered,
 * and `editedCode` is what the user ran instead of the cell, if they edited it.
 */
export interface IApprovalEntry {
  kind: 'approval';
  id: string;
  session: string;
  requestId: string;
  /** Why it asks: see `ApprovalKind`. */
  request: ApprovalKind;
  packages: string[];
  reasons: string[];
  code: string;
  reason: string;
  approved: boolean | null;
  editedCode: string | null;
  /** For code that edits a cell: that cell's id and its source now (a diff shows). */
  cellId: string | null;
  before: string | null;
  /** For installs: see `InstallPlan` (the plan comes later, in `approval_details`). */
  install: IInstallDetails | null;
  /** For a tool of an MCP server: `<server>/<tool>` (`code` holds its arguments). */
  tool: string | null;
  /** The outside agent (an MCP client) whose request asks; null: the assistant's own. */
  client: string | null;
}

/** A call of the model to a tool of an MCP server: its arguments, then its result. */
export interface IToolEntry {
  kind: 'tool';
  id: string;
  callId: string;
  /** `<server>/<tool>`. */
  tool: string;
  /** Its arguments, as JSON text. */
  arguments: string;
  /** `running` until the result comes. */
  status: 'running' | 'ok' | 'error' | 'declined';
  text: string;
}

/** What an install card shows beside the code: pip's index, what is installed, what pip would do. */
export interface IInstallDetails {
  index: string | null;
  installed: Record<string, string | null>;
  plan: IInstallPlanItem[] | null;
  planError: string | null;
}

/**
 * The assistant asks the user to choose (`ask_user`); `answer` is null until
 * answered, then the option chosen (its index) or the user's own words.
 */
export interface IQuestionEntry {
  kind: 'question';
  id: string;
  session: string;
  requestId: string;
  question: string;
  options: string[];
  answer: { option: number | null; text: string } | null;
}

/** An export of the notebook: running, done (with its result) or failed. */
export interface IExportEntry {
  kind: 'export';
  id: string;
  result: IExportResult | null;
  error: string | null;
}

/**
 * The kernel restarted or died: its variables are gone. The card offers to
 * run the conversation's cells again (`offered`), shows the progress
 * (`restoring`) and how it ended.
 */
export interface IKernelEntry extends IKernelCard {
  kind: 'kernel';
  session: string;
}

/** An error from the server, or a notice about how a request ended. */
export interface INoticeEntry {
  kind: 'notice';
  id: string;
  /** `warning`: about the notebook the request leaves (e.g. it fails from the top). */
  level: 'error' | 'warning' | 'info';
  message: string;
  hint: string | null;
  /**
   * The text of the request this notice says failed, when sending it again
   * may work (the model server could not be reached, the connection
   * dropped): the notice offers Retry.
   */
  retry?: string;
}

/** How the user undid a request, as the `undo` message tells it. */
export interface IUndoOutcome {
  /** Edited cells given back their source. */
  restored: string[];
  /** Inserted cells deleted. */
  removed: string[];
  /** Cells left as the user changed them. */
  kept: string[];
}

/**
 * What one request changed in the notebook, and what the user did about it:
 * the card under the request (not one of the entries: the panel shows it at
 * the end of its request, however many entries follow).
 */
export interface IChangeSet {
  id: string;
  session: string;
  /** The request's index in the session record. */
  request: number;
  /** The id of the request's user entry, under which the card shows. */
  userEntryId: string | null;
  /** One change per cell (see mergeChanges). */
  changes: INotebookChange[];
  /** What the user did with each change, by cell id. */
  reviews: Readonly<Record<string, ReviewAction>>;
  undo: IUndoOutcome | null;
  /** The user dismissed the card: its cells are no longer marked. */
  dismissed: boolean;
  /** A cell of the request defined or changed names in the kernel: undo may restore the kernel too. */
  stateChanged: boolean;
}

/**
 * One change per cell, in the order the cells were first changed: a cell
 * the request changed twice keeps its first `before` (and its first kind)
 * and its last `after`.
 */
export function mergeChanges(
  changes: ReadonlyArray<INotebookChange>
): INotebookChange[] {
  const merged = new Map<string, INotebookChange>();
  for (const change of changes) {
    const first = merged.get(change.cell_id);
    merged.set(
      change.cell_id,
      first
        ? { ...first, after: change.after, call_id: change.call_id }
        : { ...change }
    );
  }
  return [...merged.values()];
}

/** The changes of a set still waiting for the user: not reviewed, not undone. */
export function pendingChanges(set: IChangeSet): INotebookChange[] {
  if (set.undo || set.dismissed) {
    return [];
  }
  return set.changes.filter(
    change => !set.reviews[change.cell_id] && change.kind !== 'rerun'
  );
}

/** One item of a conversation. */
export type ChatEntry =
  | IUserEntry
  | IAssistantEntry
  | IStepEntry
  | IApprovalEntry
  | IToolEntry
  | IQuestionEntry
  | IExportEntry
  | IKernelEntry
  | INoticeEntry;

/** Why a request ended, when that deserves a line in the chat. */
function doneNoticeText(
  reason: DoneReason,
  trans: TranslationBundle
): string | null {
  switch (reason) {
    case 'max_attempts':
      return trans.__(
        'Gave up: the code kept failing after the maximum number of attempts.'
      );
    case 'stuck':
      return trans.__(
        'Gave up: the same code failed with the same error twice.'
      );
    case 'kernel':
      // The kernel's card, or the notebook's notice, says what happened.
      return null;
    case 'stopped':
      return trans.__('Stopped by you.');
    case 'interrupted':
      return trans.__(
        'Interrupted: the request ended when its window closed or the server stopped.'
      );
    case 'answered':
    case 'max_rounds':
    case 'max_cost':
    case 'error':
      // The answer, or the error the server sent, says it.
      return null;
  }
}

let lastId = 0;

/** A unique id for a chat entry (a React key). */
export function nextId(): string {
  lastId += 1;
  return `entry-${lastId}`;
}

export function userEntry(
  text: string,
  attachments: string[],
  client: string | null = null
): IUserEntry {
  return { kind: 'user', id: nextId(), text, attachments, client, rules: [] };
}

export function assistantEntry(text: string): IAssistantEntry {
  return {
    kind: 'assistant',
    id: nextId(),
    text,
    firstAnswer: false,
    unsupported: []
  };
}

export function noticeEntry(
  message: string,
  level: INoticeEntry['level'],
  hint: string | null = null
): INoticeEntry {
  return { kind: 'notice', id: nextId(), level, message, hint };
}

/** Why a request ended for which sending it again may work. */
const RETRYABLE: ReadonlySet<DoneReason> = new Set(['error', 'interrupted']);

/**
 * After a request ended for `reason`: when sending it again may work, its
 * last notice (the error that says why) offers to retry the request's text.
 */
export function offerRetry(
  entries: ChatEntry[],
  reason: DoneReason
): ChatEntry[] {
  if (!RETRYABLE.has(reason)) {
    return entries;
  }
  const kinds = entries.map(entry => entry.kind);
  const start = kinds.lastIndexOf('user');
  const notice = kinds.lastIndexOf('notice');
  const request = entries[start];
  if (request?.kind !== 'user' || notice < start) {
    return entries;
  }
  return entries.map((entry, index) =>
    index === notice ? { ...entry, retry: request.text } : entry
  );
}

/** The notice for how a request ended, or null when it needs none. */
export function doneNotice(
  reason: DoneReason | null,
  trans: TranslationBundle
): INoticeEntry | null {
  const notice = reason ? doneNoticeText(reason, trans) : null;
  return notice ? noticeEntry(notice, 'info') : null;
}

/** The card of a step the server just asked to run. */
export function stepEntry(
  message: IRunCellMessage,
  startedAt: number | null
): IStepEntry {
  return {
    kind: 'step',
    id: nextId(),
    session: message.session,
    callId: message.call_id,
    step: message.step,
    attempt: message.attempt,
    code: message.code,
    state: 'running',
    error: null,
    outputs: [],
    files: [],
    startedAt,
    durationMs: null,
    checks: [],
    rerun: message.rerun ?? false,
    approved: message.approved ?? null
  };
}

export function approvalEntry(
  message: IApprovalRequestMessage,
  client: string | null = null
): IApprovalEntry {
  return {
    kind: 'approval',
    id: nextId(),
    session: message.session,
    requestId: message.request_id,
    request: message.kind ?? 'install',
    packages: message.packages,
    reasons: message.reasons ?? [],
    code: message.code ?? '',
    reason: message.reason,
    approved: null,
    editedCode: null,
    cellId: message.cell_id ?? null,
    before: message.before ?? null,
    install: message.packages.length
      ? {
          index: null, // until approval_details says
          installed: {},
          plan: null,
          planError: null
        }
      : null,
    tool: message.tool ?? null,
    client
  };
}

export function toolEntry(message: IToolCallMessage): IToolEntry {
  return {
    kind: 'tool',
    id: nextId(),
    callId: message.call_id,
    tool: message.tool,
    arguments: message.arguments,
    status: 'running',
    text: ''
  };
}

/** An install card with what pip said it would install. */
export function withInstallPlan(
  entry: IApprovalEntry,
  message: IApprovalDetailsMessage
): IApprovalEntry {
  return {
    ...entry,
    install: {
      index: message.index ?? entry.install?.index ?? null,
      installed: message.installed ?? entry.install?.installed ?? {},
      plan: message.plan ?? entry.install?.plan ?? null,
      planError: message.plan_error ?? entry.install?.planError ?? null
    }
  };
}

export function questionEntry(message: IQuestionMessage): IQuestionEntry {
  return {
    kind: 'question',
    id: nextId(),
    session: message.session,
    requestId: message.request_id,
    question: message.question,
    options: message.options,
    answer: null
  };
}

/**
 * A new kernel card, on offer. Its id is unique beyond this page: the
 * session record keeps the card under it.
 */
export function kernelEntry(session: string, cause: KernelCause): IKernelEntry {
  return {
    kind: 'kernel',
    id: `kernel-${UUID.uuid4()}`,
    session,
    cause,
    state: 'offered',
    ran: 0,
    total: 0,
    failure: null
  };
}

export function exportEntry(): IExportEntry {
  return { kind: 'export', id: nextId(), result: null, error: null };
}
