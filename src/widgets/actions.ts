import type { IApprovalEntry, IKernelEntry, IStepEntry } from '../entries';

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
   * this edited code instead (a string).
   */
  answerApproval(entry: IApprovalEntry, answer: boolean | string): void;
  /** Run the conversation's cells again in a new kernel (see KernelCard). */
  restoreState(entry: IKernelEntry, withUserCells: boolean): Promise<void>;
}
