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
  KERNEL_CARD_STATES,
  KERNEL_CAUSES,
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

/** A problem the user must fix on the server side, with a hint how. */
export interface IProblem {
  message: string;
  hint: string | null;
}

/** The answer of `GET ci-jupyterlab/config`. */
export interface IConfig {
  protocol: number;
  configured: boolean;
  model: string | null;
  endpoint: string | null;
  max_attempts: number;
  cell_timeout: number;
  problem: IProblem | null;
}

/** The notebook a request is sent from, with the view of it the model reads. */
export interface INotebookInfo {
  path: string;
  kernel_name: string | null;
  kernel_language: string | null;
  /** The index of the active cell, or null. */
  active: number | null;
  /** The indices of the selected cells (the active one included). */
  selected: number[];
  /** The cells in notebook order, trimmed (see notebookView.ts). */
  cells: INotebookCellView[];
}

/** One cell of the notebook view of a `user_message`. */
export interface INotebookCellView {
  /** The nbformat cell id. */
  id: string;
  cell_type: 'code' | 'markdown' | 'raw';
  source: string;
  execution_count: number | null;
  /** `metadata.ci_jupyterlab` when the assistant wrote the cell, else null. */
  tag: { session: string; step: number; call_id: string } | null;
  /** Code cells only: the outputs, compact. */
  outputs?: ICompactOutput[];
}

/** An image output, described (its data is never sent). */
export interface IImageDescription {
  mime: string;
  bytes: number;
  width?: number;
  height?: number;
}

/** An output of the notebook view: text, never data. */
export type ICompactOutput =
  | { output_type: 'stream'; name: string; text: string }
  | {
      output_type: 'execute_result' | 'display_data';
      text: string;
      mime_types: string[];
      image?: IImageDescription;
    }
  | {
      output_type: 'error';
      ename: string;
      evalue: string;
      traceback: string[];
    };

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

/** One saved session, in the answer of `GET ci-jupyterlab/sessions`. */
export interface ISessionSummary {
  id: string;
  notebook_path: string | null;
  updated: number;
  requests: number;
}

/** One run of one step, as the session record keeps it. */
export interface IRecordedAttempt {
  call_id: string;
  code: string;
  /** A RunStatus; a status of a newer server may be anything. */
  status: string;
  outputs: nbformat.IOutput[];
  execution_count: number | null;
  duration_ms: number;
}

export interface IRecordedStep {
  number: number;
  attempts: IRecordedAttempt[];
}

export interface IRecordedRequest {
  text: string;
  steps: IRecordedStep[];
  answer: string;
  done_reason: DoneReason | null;
  prompt_tokens: number;
  completion_tokens: number;
  /** US dollars, when the price table knows the model. */
  cost?: number | null;
  model: string | null;
  packages?: string[];
  /** The outside agent (an MCP client) that sent it; absent or null: the user. */
  client?: string | null;
}

/** The answer of `GET ci-jupyterlab/sessions/ID`. */
export interface ISessionRecord {
  id: string;
  notebook_path: string | null;
  record: {
    requests: IRecordedRequest[];
    /** Every message the chat showed, in order (older records have none). */
    events?: RecordedEvent[];
  };
}

/** How one code cell of an export fared when it was re-run. */
export interface ICellCheck {
  /** The cell's position in the exported notebook. */
  index: number;
  /** Its number as the notebook shows it, `[n]`. */
  execution_count?: number;
  status: CellCheckStatus;
  cause: string | null;
}

export interface IVerification {
  reproduced: number;
  total: number;
  cells: ICellCheck[];
  /** Why the run stopped early, if it did. */
  problem?: string | null;
}

/** The answer of `POST ci-jupyterlab/export`. */
export interface IExportResult {
  path: string;
  verification: IVerification | null;
}

/* ----------------------------- client → server ---------------------------- */

export interface IUserMessage {
  type: 'user_message';
  session: string;
  text: string;
  notebook: INotebookInfo;
  /** Files the user attached, saved next to the notebook (server-root paths). */
  attachments?: string[];
  /** What the request is about; `ask` when absent. */
  intent?: Intent;
  /** The cell the request is about (an nbformat cell id). */
  cell_id?: string;
  /** This request's model instead of the configured one (the server checks it). */
  model?: string;
  /** The conversation's key (see conversationKeys.ts). */
  key?: string;
}

export interface IExecutionResultMessage {
  type: 'execution_result';
  session: string;
  call_id: string;
  status: ExecutionStatus;
  outputs: nbformat.IOutput[];
  execution_count: number | null;
  duration_ms: number;
  /** The id of the cell the code ran in; null when it ran in none. */
  cell_id: string | null;
  /** An edited cell's source just before the edit; null for a new cell. */
  before: string | null;
  /** An edited cell's outputs and execution count just before (bounded): what undo gives back. */
  before_outputs?: nbformat.IOutput[];
  before_execution_count?: number | null;
}

export interface IStopMessage {
  type: 'stop';
  session: string;
}

/** The user's answer to an `approval_request`. */
export interface IApprovalMessage {
  type: 'approval';
  session: string;
  request_id: string;
  approved: boolean;
  /** With `approved`: run this edited code instead of the cell (at most 1 MB). */
  code?: string;
  /** With `approved`, for a `tool` approval: never ask about that tool again. */
  always?: boolean;
}

/**
 * The user's answer to the model's `question`: the index of an option, or
 * their own words.
 */
export interface IAnswerMessage {
  type: 'answer';
  session: string;
  request_id: string;
  option?: number;
  text?: string;
}

/** What a silent `inspect` snippet printed; null if it ran past its timeout. */
export interface IInspectResultMessage {
  type: 'inspect_result';
  session: string;
  call_id: string;
  stdout: string | null;
}

/** This window shows the session (after a reload, or in a second tab). */
export interface IAttachMessage {
  type: 'attach';
  session: string;
  /** The conversation's key: only a window holding it may attach. */
  key?: string;
}

/**
 * A cell or lookup of the assistant waits behind a cell it did not start
 * (the user's own), or has started.
 */
export interface ICellStateMessage {
  type: 'cell_state';
  session: string;
  call_id: string;
  state: CellState;
}

/** The session's notebook was renamed or moved. */
export interface INotebookMovedMessage {
  type: 'notebook_moved';
  session: string;
  path: string;
}

/**
 * Every notebook open in this window, with the session its conversation
 * shows: outside agents' requests (MCP) about them run here (docs/mcp.md).
 */
export interface IOpenNotebooksMessage {
  type: 'open_notebooks';
  notebooks: { path: string; session: string }[];
}

/** The answer to `describe_notebook`: the notebook as this window has it, or null. */
export interface INotebookDescriptionMessage {
  type: 'notebook_description';
  call_id: string;
  notebook: INotebookInfo | null;
}

/** The user accepted or reverted one change of a request. */
export interface IReviewMessage {
  type: 'review';
  session: string;
  /** The request's index in the session record. */
  request: number;
  cell_id: string;
  action: ReviewAction;
}

/** The user undid a request's changes. */
export interface IUndoMessage {
  type: 'undo';
  session: string;
  request: number;
  /** Edited cells given back their `before`. */
  restored: string[];
  /** Inserted cells deleted. */
  removed: string[];
  /** Cells left alone: the user changed them since, and kept their version. */
  kept: string[];
}

export type ClientMessage =
  | IReviewMessage
  | IUndoMessage
  | IUserMessage
  | IExecutionResultMessage
  | IStopMessage
  | IApprovalMessage
  | IAnswerMessage
  | IInspectResultMessage
  | IAttachMessage
  | ICellStateMessage
  | INotebookMovedMessage
  | IOpenNotebooksMessage
  | INotebookDescriptionMessage
  | IKernelCardMessage;

/**
 * Why a notebook's kernel was lost, as its card says it (see kernelLoss.ts):
 * restarted by the user, died and started again by the server, died, or
 * replaced by another kernel.
 */
export type KernelCause = (typeof KERNEL_CAUSES)[number];

/** Where a kernel card's Restore state stands. */
export type KernelCardState = (typeof KERNEL_CARD_STATES)[number];

/** A card about the notebook's kernel, as the chat shows it. */
export interface IKernelCard {
  id: string;
  cause: KernelCause;
  state: KernelCardState;
  /** Cells Restore state ran, of `total`. */
  ran: number;
  total: number;
  /** Why Restore state stopped, when it failed. */
  failure: string | null;
}

/** A kernel card appeared or changed: kept in the session record for a reload. */
export interface IKernelCardMessage extends IKernelCard {
  type: 'kernel_card';
  session: string;
}

/** A client message as sent on the socket: stamped by ChatClient.send. */
export type ClientFrame = ClientMessage & { protocol: typeof PROTOCOL_VERSION };

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
  /** For installs: the code that runs, the index pip uses, each package's version installed now (or null). */
  command?: string | null;
  index?: string | null;
  installed?: Record<string, string | null> | null;
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
  plan: IInstallPlanItem[] | null;
  plan_error: string | null;
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
