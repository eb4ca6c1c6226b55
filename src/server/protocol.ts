/**
 * Types of the chat websocket protocol (see docs/protocol.md), and its
 * vocabulary: the statuses, phases and done reasons, each a `const` list of
 * contract.ts (generated from ci_jupyterlab/agent/contract.json, which the
 * server reads too) with its type derived from it. tests/test_contract.py
 * checks the messages declared here against that contract.
 *
 * Client messages are written without the protocol version: ChatClient.send
 * stamps every frame with `protocol: PROTOCOL_VERSION`. Server messages are
 * discriminated by `type`.
 */
import type * as nbformat from '@jupyterlab/nbformat';

import {
  ANSWER_CHECK_STAGES,
  APPROVAL_KINDS,
  CELL_CHECK_STATUSES,
  CELL_STATES,
  CHANGE_KINDS,
  DONE_REASONS,
  EXECUTION_STATUSES,
  INTENTS,
  PHASES,
  PROTOCOL_VERSION,
  REVIEW_ACTIONS,
  RUN_STATUSES,
  SERVER_MESSAGE_TYPES
} from './contract';

export {
  ANSWER_CHECK_STAGES,
  APPROVAL_KINDS,
  CELL_CHECK_STATUSES,
  CELL_STATES,
  CHANGE_KINDS,
  DONE_REASONS,
  EXECUTION_STATUSES,
  INTENTS,
  PHASES,
  PROTOCOL_VERSION,
  REVIEW_ACTIONS,
  RUN_STATUSES
};

import type { IKernelCard } from './clientMessages';
import type { IExportResult, IProblem } from './restAnswers';

export * from './clientMessages';
export * from './notebookInfo';
export * from './restAnswers';

/* ------------------------------- vocabulary ------------------------------- */

/**
 * How a cell run ended, as the browser reports it in `execution_result`
 * (the server accepts exactly these; ci_jupyterlab/protocol.py).
 */
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

/**
 * How a cell run ended, as the server tells and records it: the browser's
 * statuses, and `no_response` when the notebook never reported the result
 * (the server's RUN_STATUSES, in its executors).
 */
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Whether a status of a message or a record is one of RUN_STATUSES. */
export function isRunStatus(value: unknown): value is RunStatus {
  return (RUN_STATUSES as ReadonlyArray<unknown>).includes(value);
}

/** What the assistant is doing, as `status` messages tell it. */
export type Phase = (typeof PHASES)[number];

/** Why a request ended, as `done` messages and the session record tell it. */
export type DoneReason = (typeof DONE_REASONS)[number];

/** How one code cell of an export fared when it was re-run. */
export type CellCheckStatus = (typeof CELL_CHECK_STATUSES)[number];

/**
 * Why a cell waits for the user: it only installs packages (`install`), it
 * does more that needs approval (`risky`: shell commands, uninstalls, files
 * changed outside the notebook's folder), or every cell is reviewed
 * (`review`, with `c.CodeInterpreter.approval = "always"`); or the model
 * calls a tool of an MCP server (`tool`).
 */
export type ApprovalKind = (typeof APPROVAL_KINDS)[number];

/** What a request is about: a question (the default), a fix or an explanation. */
export type Intent = (typeof INTENTS)[number];

/** How a request changed a cell: a new cell, or an edit of an existing one. */
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** What the user did with one change when reviewing it. */
export type ReviewAction = (typeof REVIEW_ACTIONS)[number];

/** Where a cell or lookup of the assistant is, told by `cell_state`. */
export type CellState = (typeof CELL_STATES)[number];

/* ------------------------------ REST answers ------------------------------ */
/* ----------------------------- server → client ---------------------------- */

export interface IHelloMessage {
  type: 'hello';
  protocol: number;
  configured: boolean;
  model: string | null;
  problem: IProblem | null;
}

/**
 * What every session message may carry: `watch` is set when this window
 * watches a request another window drives (it only shows it).
 */
interface ISessionMessage {
  session: string;
  watch?: boolean;
}

export interface IStatusMessage extends ISessionMessage {
  type: 'status';
  phase: Phase;
  attempt: number | null;
  max_attempts: number | null;
  message: string | null;
}

export interface ITextDeltaMessage extends ISessionMessage {
  type: 'text_delta';
  text: string;
}

export interface IRunCellMessage extends ISessionMessage {
  type: 'run_cell';
  call_id: string;
  code: string;
  step: number;
  attempt: number;
  replaces: string | null;
  timeout: number;
  /** Put the code into this existing cell instead of a new one. */
  cell_id?: string | null;
  /** The cell of `cell_id` is run again, unchanged: an earlier cell it depends on was edited. */
  rerun?: boolean;
  /** The reasons the user approved this cell for; absent/null: it ran unasked. */
  approved?: string[] | null;
}

/** An error as the model sees it: `ename: evalue`. */
export interface ICellError {
  ename: string;
  evalue: string;
}

export interface ICellDoneMessage extends ISessionMessage {
  type: 'cell_done';
  call_id: string;
  status: RunStatus;
  error: ICellError | null;
  /** The cell's outputs, bounded (the notebook keeps them whole). */
  outputs?: nbformat.IOutput[];
  execution_count?: number | null;
  duration_ms?: number;
  /** What the silent-failure checks found wrong with a cell that ran without an error. */
  checks?: string[];
}

export interface IUsageMessage extends ISessionMessage {
  type: 'usage';
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** US dollars so far, from the server's price table; null for models not in it. */
  cost?: number | null;
}

export interface IErrorMessage {
  type: 'error';
  /** Absent when the error is not tied to a session (e.g. a malformed message). */
  session?: string;
  watch?: boolean;
  message: string;
  hint: string | null;
  /** A reason to act on: `not_your_conversation` (this window lacks the conversation's key). */
  code?: string | null;
}

export interface IDoneMessage extends ISessionMessage {
  type: 'done';
  reason: DoneReason;
}

/** A file a step created or modified. */
export interface IChangedFile {
  /** Relative to the server root. */
  path: string;
  size: number;
  change: 'created' | 'modified';
}

export interface IFilesChangedMessage extends ISessionMessage {
  type: 'files_changed';
  call_id: string;
  files: IChangedFile[];
}

/** The server asks for a silent lookup in the notebook's kernel. */
export interface IInspectMessage extends ISessionMessage {
  type: 'inspect';
  call_id: string;
  code: string;
  /** Seconds after which the client interrupts the kernel and answers null. */
  timeout: number;
}

/** The assistant asks before a cell runs; nothing runs until the user answers. */
export interface IApprovalRequestMessage extends ISessionMessage {
  type: 'approval_request';
  request_id: string;
  /** Absent from servers older than this field: treat as `install`. */
  kind?: ApprovalKind;
  /** The packages it installs, exactly as approving covers them. */
  packages: string[];
  /** One sentence per kind of risk. */
  reasons?: string[];
  /** The cell that waits. */
  code?: string;
  /** A one-line summary. */
  reason: string;
  /** For code that edits a cell: that cell's id and its source now. */
  cell_id?: string | null;
  before?: string | null;
  /** For installs: the code that runs (the index and the versions installed follow in `approval_details`). */
  command?: string | null;
  /** For `tool`: the MCP tool, `<server>/<tool>`; `code` holds its arguments. */
  tool?: string | null;
}

/** The model calls a tool of an MCP server: a step of its own. */
export interface IToolCallMessage extends ISessionMessage {
  type: 'tool_call';
  call_id: string;
  /** `<server>/<tool>`. */
  tool: string;
  /** Its arguments, as JSON text. */
  arguments: string;
}

/** How a tool call ended, with its result as the model got it (bounded). */
export interface IToolResultMessage extends ISessionMessage {
  type: 'tool_result';
  call_id: string;
  status: 'ok' | 'error' | 'declined';
  text: string;
}

/** What pip would install for a waiting install (its dry run), once it said. */
export interface IApprovalDetailsMessage extends ISessionMessage {
  type: 'approval_details';
  request_id: string;
  /** Null (and `plan_error` null): pip has not said yet. */
  plan: IInstallPlanItem[] | null;
  plan_error: string | null;
  /** pip's index and the versions installed now, sent before the plan. */
  index?: string | null;
  installed?: Record<string, string | null> | null;
}

/** One distribution pip would install or upgrade. */
export interface IInstallPlanItem {
  name: string;
  version: string;
  /** Named in the cell (the rest are dependencies). */
  requested: boolean;
  /** The version installed now: an upgrade (or downgrade) from it; null if new. */
  installed: string | null;
  /** Where it comes from: the download's host, or "a local file". */
  source: string;
}

/** The model asks the user to choose (`ask_user`); the request waits. */
export interface IQuestionMessage extends ISessionMessage {
  type: 'question';
  request_id: string;
  question: string;
  options: string[];
}

/** The user's answer to a question (from any window): an option, or words. */
export interface IQuestionAnswerMessage extends ISessionMessage {
  type: 'question_answer';
  request_id: string;
  option: number | null;
  text: string;
}

/**
 * A request, as the windows that watch it and the history show it; an
 * outside agent's (MCP) to every window, the driver's too.
 */
export interface IUserMessageEvent extends ISessionMessage {
  type: 'user_message';
  text: string;
  /** The names of the attached files. */
  attachments: string[];
  /** The outside agent (an MCP client) that sent it; absent: the user. */
  client?: string | null;
}

/** How does this window have the notebook at `path` now? (An outside agent's request.) */
export interface IDescribeNotebookMessage {
  type: 'describe_notebook';
  call_id: string;
  path: string;
}

/** The user's answer to an approval request (from any window). */
export interface IApprovalAnswerMessage extends ISessionMessage {
  type: 'approval_answer';
  request_id: string;
  approved: boolean;
  /** Approved with this edited code, which runs instead; null otherwise. */
  code?: string | null;
}

/** The answer streamed so far was cut off: its text is dropped, it comes again. */
export interface IAnswerCutOffMessage extends ISessionMessage {
  type: 'answer_cut_off';
  message: string;
}

/** The answer to `attach`: whether this window drives the session or watches it. */
export interface IAttachedMessage extends ISessionMessage {
  type: 'attached';
  role: 'driver' | 'watcher';
  busy: boolean;
}

/** An export of the session's notebook, as the history keeps it. */
export interface IExportEvent extends ISessionMessage {
  type: 'export';
  result: IExportResult | null;
  error: string | null;
}

/** One change a request made to the notebook. */
export interface INotebookChange {
  kind: ChangeKind;
  cell_id: string;
  call_id: string;
  step: number;
  /** The cell's source before the request; null for an inserted cell. */
  before: string | null;
  /** The source the assistant left. */
  after: string;
  /**
   * An edited cell's outputs and execution count before the request
   * (bounded); absent in records older than them.
   */
  before_outputs?: nbformat.IOutput[] | null;
  before_execution_count?: number | null;
}

/** Every change a request made so far (sent after each step that changed the notebook). */
export interface INotebookChangesMessage extends ISessionMessage {
  type: 'notebook_changes';
  request: number;
  changes: INotebookChange[];
  /** A cell of the request defined or changed names in the kernel: its undo may restore the kernel. */
  state_changed?: boolean;
}

/** The project's rules files the model was given for this request (paths from the server root). */
export interface IRulesMessage extends ISessionMessage {
  type: 'rules';
  files: string[];
}

/** How the final answer was checked against the outputs. */
export type AnswerCheckStage = (typeof ANSWER_CHECK_STAGES)[number];

/**
 * The final answer states numbers no output shows: `sent_back`, the model
 * was asked to check them (its revised answer follows; the first is folded);
 * `marked`, the revised answer still states them (they are marked in it).
 */
export interface IAnswerCheckMessage extends ISessionMessage {
  type: 'answer_check';
  stage: AnswerCheckStage;
  /** The numbers as the answer writes them. */
  numbers: string[];
  message?: string;
}

/** Something to know about the notebook the request leaves (e.g. it would fail from the top). */
export interface IWarningMessage extends ISessionMessage {
  type: 'warning';
  message: string;
  hint: string;
}

/** A review of one change, as the server tells every window and the record. */
export interface IReviewEvent extends ISessionMessage {
  type: 'review';
  request: number;
  cell_id: string;
  action: ReviewAction;
}

/** An undo of a request, as the server tells every window and the record. */
export interface IUndoEvent extends ISessionMessage {
  type: 'undo';
  request: number;
  restored: string[];
  removed: string[];
  kept: string[];
}

/** A kernel card as the session record kept it (in a replayed history only). */
export interface IKernelCardEvent extends ISessionMessage, IKernelCard {
  type: 'kernel_card';
}

export type ServerMessage =
  | IKernelCardEvent
  | INotebookChangesMessage
  | IRulesMessage
  | IAnswerCheckMessage
  | IWarningMessage
  | IReviewEvent
  | IUndoEvent
  | IHelloMessage
  | IUserMessageEvent
  | IApprovalAnswerMessage
  | IAnswerCutOffMessage
  | IAttachedMessage
  | IExportEvent
  | IStatusMessage
  | ITextDeltaMessage
  | IRunCellMessage
  | ICellDoneMessage
  | IUsageMessage
  | IErrorMessage
  | IDoneMessage
  | IFilesChangedMessage
  | IInspectMessage
  | IApprovalRequestMessage
  | IApprovalDetailsMessage
  | IQuestionMessage
  | IQuestionAnswerMessage
  | IDescribeNotebookMessage
  | IToolCallMessage
  | IToolResultMessage;

/**
 * The server's message types: the contract's, which must be exactly those of
 * the ServerMessage union (the compiler checks it both ways below).
 */
const SERVER_TYPES: ReadonlySet<string> = new Set(SERVER_MESSAGE_TYPES);

type ContractServerType = (typeof SERVER_MESSAGE_TYPES)[number];
/** A compile error here: a server message the contract lacks, or the other way round. */
const SERVER_UNION_MATCHES_CONTRACT: [
  Exclude<ServerMessage['type'], ContractServerType>,
  Exclude<ContractServerType, ServerMessage['type']>
] extends [never, never]
  ? true
  : never = true;
void SERVER_UNION_MATCHES_CONTRACT;

/** A message of a session's history: what the chat showed, without its session. */
export type RecordedEvent = DistributiveOmit<
  Exclude<
    ServerMessage,
    | IHelloMessage
    | IInspectMessage
    | IAttachedMessage
    | IDescribeNotebookMessage
  >,
  'session'
>;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown
  ? Omit<T, K>
  : never;

/**
 * Parse one websocket frame into a server message.
 *
 * Returns null for anything that is not a JSON object with a known `type`,
 * so a newer server cannot crash an older client.
 */
export function parseServerMessage(data: unknown): ServerMessage | null {
  if (typeof data !== 'string') {
    return null;
  }
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    !SERVER_TYPES.has((value as { type?: unknown }).type as never)
  ) {
    return null;
  }
  return value as ServerMessage;
}
