/**
 * Types of the chat websocket protocol, version 1 (see docs/protocol.md).
 *
 * Client messages carry `protocol: PROTOCOL_VERSION`; server messages are
 * discriminated by `type`.
 */
import type * as nbformat from '@jupyterlab/nbformat';

export const PROTOCOL_VERSION = 1;

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

/** The notebook a request is sent from. */
export interface INotebookInfo {
  path: string;
  kernel_name: string | null;
  kernel_language: string | null;
}

/** How a cell run ended, as the client reports it. */
export type ExecutionStatus =
  | 'ok'
  | 'error'
  | 'timeout'
  | 'kernel_dead'
  | 'kernel_restarted'
  | 'notebook_closed'
  | 'cancelled';

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
  /** An ExecutionStatus, or a status only the server knows (e.g. `no_response`). */
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
  model: string | null;
  packages?: string[];
}

/** The answer of `GET ci-jupyterlab/sessions/ID`. */
export interface ISessionRecord {
  id: string;
  notebook_path: string | null;
  record: { requests: IRecordedRequest[] };
}

/** How one code cell of an export fared when it was re-run. */
export interface ICellCheck {
  /** The cell's position in the exported notebook. */
  index: number;
  /** Its number as the notebook shows it, `[n]`. */
  execution_count?: number;
  status: 'reproduced' | 'ran' | 'differs' | 'failed' | 'not_run';
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
  protocol: number;
  session: string;
  text: string;
  notebook: INotebookInfo;
  /** Files the user attached, saved next to the notebook (server-root paths). */
  attachments?: string[];
}

export interface IExecutionResultMessage {
  type: 'execution_result';
  protocol: number;
  session: string;
  call_id: string;
  status: ExecutionStatus;
  outputs: nbformat.IOutput[];
  execution_count: number | null;
  duration_ms: number;
}

export interface IStopMessage {
  type: 'stop';
  protocol: number;
  session: string;
}

/** The user's answer to an `approval_request`. */
export interface IApprovalMessage {
  type: 'approval';
  protocol: number;
  session: string;
  request_id: string;
  approved: boolean;
}

/** What a silent `inspect` snippet printed; null if it ran past its timeout. */
export interface IInspectResultMessage {
  type: 'inspect_result';
  protocol: number;
  session: string;
  call_id: string;
  stdout: string | null;
}

export type ClientMessage =
  | IUserMessage
  | IExecutionResultMessage
  | IStopMessage
  | IApprovalMessage
  | IInspectResultMessage;

/* ----------------------------- server → client ---------------------------- */

export interface IHelloMessage {
  type: 'hello';
  protocol: number;
  configured: boolean;
  model: string | null;
  problem: IProblem | null;
}

export type Phase =
  | 'thinking'
  | 'writing_code'
  | 'running'
  | 'fixing'
  | 'done'
  | 'stopped'
  | 'error';

export interface IStatusMessage {
  type: 'status';
  session: string;
  phase: Phase;
  attempt: number | null;
  max_attempts: number | null;
  message: string | null;
}

export interface ITextDeltaMessage {
  type: 'text_delta';
  session: string;
  text: string;
}

export interface IRunCellMessage {
  type: 'run_cell';
  session: string;
  call_id: string;
  code: string;
  step: number;
  attempt: number;
  replaces: string | null;
  timeout: number;
}

/** An error as the model sees it: `ename: evalue`. */
export interface ICellError {
  ename: string;
  evalue: string;
}

export interface ICellDoneMessage {
  type: 'cell_done';
  session: string;
  call_id: string;
  status: ExecutionStatus;
  error: ICellError | null;
}

export interface IUsageMessage {
  type: 'usage';
  session: string;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface IErrorMessage {
  type: 'error';
  /** Absent when the error is not tied to a session (e.g. a malformed message). */
  session?: string;
  message: string;
  hint: string | null;
}

export type DoneReason =
  | 'answered'
  | 'max_attempts'
  | 'max_rounds'
  | 'stuck'
  | 'stopped'
  | 'kernel'
  | 'error';

export interface IDoneMessage {
  type: 'done';
  session: string;
  reason: DoneReason;
}

/** A file a step created or modified. */
export interface IChangedFile {
  /** Relative to the server root. */
  path: string;
  size: number;
  change: 'created' | 'modified';
}

export interface IFilesChangedMessage {
  type: 'files_changed';
  session: string;
  call_id: string;
  files: IChangedFile[];
}

/** The server asks for a silent lookup in the notebook's kernel. */
export interface IInspectMessage {
  type: 'inspect';
  session: string;
  call_id: string;
  code: string;
  /** Seconds after which the client interrupts the kernel and answers null. */
  timeout: number;
}

/** The assistant asks before installing packages into the kernel's environment. */
export interface IApprovalRequestMessage {
  type: 'approval_request';
  session: string;
  request_id: string;
  packages: string[];
  reason: string;
}

export type ServerMessage =
  | IHelloMessage
  | IStatusMessage
  | ITextDeltaMessage
  | IRunCellMessage
  | ICellDoneMessage
  | IUsageMessage
  | IErrorMessage
  | IDoneMessage
  | IFilesChangedMessage
  | IInspectMessage
  | IApprovalRequestMessage;

const SERVER_TYPES = new Set<ServerMessage['type']>([
  'hello',
  'status',
  'text_delta',
  'run_cell',
  'cell_done',
  'usage',
  'error',
  'done',
  'files_changed',
  'inspect',
  'approval_request'
]);

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
