import type {
  IApprovalEntry,
  IChangeSet,
  IKernelEntry,
  INoticeEntry,
  IQuestionEntry,
  IStepEntry
} from '../chat/entries';
import type { INotebookChange } from '../server/protocol';

/**
 * What the chat's entries ask of the extension. One object per panel (the
 * controller), so memoized entries skip re-rendering.
 */
export interface IEntryActions {
  /** Show the notebook cell that holds a step. */
  goToStep(step: IStepEntry): Promise<void>;
  /** Open a file of the server in JupyterLab. */
  openFile(path: string): Promise<void>;
  /** The URL that downloads a file of the server. */
  downloadUrl(path: string): string;
  /**
   * Answer an approval request: run the cell (true), not (false), or run
   * this edited code instead (a string); `always`: approve, and never ask
   * about this MCP tool again.
   */
  answerApproval(
    entry: IApprovalEntry,
    answer: boolean | string,
    always?: boolean
  ): void;
  /** Answer the assistant's question: an option (its index), or own words. */
  answerQuestion(entry: IQuestionEntry, answer: number | string): void;
  /** Run the conversation's cells again in a new kernel (see KernelCard). */
  restoreState(entry: IKernelEntry, withUserCells: boolean): Promise<void>;
  /** Stop a restore of the kernel after the cell that runs (it is interrupted). */
  stopRestore(entry: IKernelEntry): void;
  /** Keep one change of a request (the server is told). */
  acceptChange(set: IChangeSet, change: INotebookChange): void;
  /** Take one change of a request back in the notebook. */
  revertChange(set: IChangeSet, change: INotebookChange): Promise<void>;
  /**
   * Take every change of a request back in the notebook; with
   * `restoreKernel`, restart the kernel and run the notebook again down to
   * where the request worked.
   */
  undoRequest(set: IChangeSet, restoreKernel?: boolean): Promise<void>;
  /** How many cells restoring the kernel after an undo of `set` runs; null when its notebook is not open. */
  kernelRestoreSize(set: IChangeSet): number | null;
  /** Run the cells an undo restored again, in order. */
  rerunRestored(set: IChangeSet): Promise<void>;
  /** Hide a request's card and the markers of its cells. */
  dismissChanges(set: IChangeSet): void;
  /** Send the request a notice says failed again (see INoticeEntry.retry). */
  retryRequest(entry: INoticeEntry): Promise<void>;
}
