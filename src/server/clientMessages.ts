/**
 * The messages the panel sends the server (see docs/protocol.md), written
 * without the protocol version: ChatClient.send stamps every frame with it.
 * tests/test_contract.py checks them, with protocol.ts's, against the
 * contract.
 */
import type * as nbformat from '@jupyterlab/nbformat';

import type {
  KERNEL_CARD_STATES,
  KERNEL_CAUSES,
  PROTOCOL_VERSION
} from './contract';
import type { INotebookInfo } from './notebookInfo';
import type {
  CellState,
  ExecutionStatus,
  Intent,
  ReviewAction
} from './protocol';

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
