import type { IApprovalEntry, IStepEntry } from '../entries';

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
  /** Answer an install request. */
  answerApproval(entry: IApprovalEntry, approved: boolean): void;
}
