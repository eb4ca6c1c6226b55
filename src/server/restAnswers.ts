/**
 * The answers of the server's REST routes: its configuration, saved
 * sessions and their records, an export and its verification.
 */
import type * as nbformat from '@jupyterlab/nbformat';

import type { CellCheckStatus, DoneReason, RecordedEvent } from './protocol';

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
