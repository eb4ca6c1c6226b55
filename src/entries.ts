/**
 * The items a conversation shows, and how they are made. Entries are plain
 * data, replaced rather than mutated, so React can skip unchanged ones.
 */
import type * as nbformat from '@jupyterlab/nbformat';
import type { TranslationBundle } from '@jupyterlab/translation';

import type {
  ApprovalKind,
  DoneReason,
  IApprovalRequestMessage,
  ICellError,
  IChangedFile,
  IExportResult,
  IRunCellMessage,
  RunStatus
} from './protocol';

/** What the user asked. */
export interface IUserEntry {
  kind: 'user';
  id: string;
  text: string;
  /** The names of the files attached to the request. */
  attachments: string[];
}

/** A block of assistant markdown, growing while it streams. */
export interface IAssistantEntry {
  kind: 'assistant';
  id: string;
  text: string;
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
  /** The cell's outputs once the run ended (empty while it runs). */
  outputs: nbformat.IOutput[];
  /** Files the step created or modified. */
  files: IChangedFile[];
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
export interface IKernelEntry {
  kind: 'kernel';
  id: string;
  session: string;
  message: string;
  state: 'offered' | 'restoring' | 'restored' | 'failed';
  ran: number;
  total: number;
  /** Why the restore stopped, when it failed. */
  failure: string | null;
}

/** An error from the server, or a notice about how a request ended. */
export interface INoticeEntry {
  kind: 'notice';
  id: string;
  level: 'error' | 'info';
  message: string;
  hint: string | null;
}

/** One item of a conversation. */
export type ChatEntry =
  | IUserEntry
  | IAssistantEntry
  | IStepEntry
  | IApprovalEntry
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
      return trans.__(
        'Stopped: the kernel died or restarted, or the notebook was closed.'
      );
    case 'stopped':
      return trans.__('Stopped by you.');
    case 'interrupted':
      return trans.__(
        'Interrupted: the request ended when its window closed or the server stopped.'
      );
    case 'answered':
    case 'max_rounds':
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

export function userEntry(text: string, attachments: string[]): IUserEntry {
  return { kind: 'user', id: nextId(), text, attachments };
}

export function assistantEntry(text: string): IAssistantEntry {
  return { kind: 'assistant', id: nextId(), text };
}

export function noticeEntry(
  message: string,
  level: INoticeEntry['level'],
  hint: string | null = null
): INoticeEntry {
  return { kind: 'notice', id: nextId(), level, message, hint };
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
export function stepEntry(message: IRunCellMessage): IStepEntry {
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
    files: []
  };
}

export function approvalEntry(
  message: IApprovalRequestMessage
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
    editedCode: null
  };
}

export function kernelEntry(session: string, message: string): IKernelEntry {
  return {
    kind: 'kernel',
    id: nextId(),
    session,
    message,
    state: 'offered',
    ran: 0,
    total: 0,
    failure: null
  };
}

export function exportEntry(): IExportEntry {
  return { kind: 'export', id: nextId(), result: null, error: null };
}
