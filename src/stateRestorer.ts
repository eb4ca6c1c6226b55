/**
 * "Restore state" after the kernel restarted or died: the conversation's
 * working cells (the step cells it left in the notebook, each holding the
 * attempt that worked) are run again in the new kernel, in notebook order,
 * optionally with the user's own code cells above them, so that a request
 * can continue where the old kernel left off.
 */
import type { ISessionContextDialogs } from '@jupyterlab/apputils';
import type { Cell, ICodeCellModel } from '@jupyterlab/cells';
import * as nbformat from '@jupyterlab/nbformat';
import { NotebookActions, NotebookPanel } from '@jupyterlab/notebook';

import { waitForKernel } from './notebookRunner';
import { readStepTag } from './stepCells';

/** How a restore ended. */
export interface IRestoreOutcome {
  ran: number;
  total: number;
  /** The first failure, as `ename: evalue` with its cell's position; null if none. */
  failure: string | null;
}

/**
 * The cells to run again: the step cells whose run worked (their call ids:
 * a step that killed the kernel is not run again) and, with `withUserCells`,
 * the user's code cells above the last of them; in notebook order.
 */
export function cellsToRestore(
  panel: NotebookPanel,
  working: ReadonlySet<string>,
  withUserCells: boolean
): Cell[] {
  const cells = panel.content.widgets.filter(
    cell => cell.model.type === 'code'
  );
  const ours = cells.map(cell => working.has(readStepTag(cell)?.call_id ?? ''));
  const last = ours.lastIndexOf(true);
  return cells.filter(
    (cell, index) =>
      ours[index] ||
      (withUserCells && index < last && readStepTag(cell) === null)
  );
}

/**
 * Run the cells one by one; stops at the first that fails (what follows it
 * would likely fail too). `progress` hears how many ran, after each.
 */
export async function restoreState(
  panel: NotebookPanel,
  cells: Cell[],
  progress: (ran: number) => void,
  sessionDialogs?: ISessionContextDialogs
): Promise<IRestoreOutcome> {
  const total = cells.length;
  if (!(await waitForKernel(panel.sessionContext))) {
    return { ran: 0, total, failure: 'The notebook has no kernel.' };
  }
  let ran = 0;
  for (const cell of cells) {
    if (cell.isDisposed || panel.isDisposed) {
      return { ran, total, failure: 'The notebook or a cell was closed.' };
    }
    await NotebookActions.runCells(
      panel.content,
      [cell],
      panel.sessionContext,
      sessionDialogs
    );
    const error = (cell.model as ICodeCellModel).outputs
      .toJSON()
      .find(nbformat.isError);
    if (error) {
      const position = panel.content.widgets.indexOf(cell) + 1;
      return {
        ran,
        total,
        failure: `Cell ${position}: ${error.ename}: ${error.evalue}`
      };
    }
    ran += 1;
    progress(ran);
  }
  return { ran, total, failure: null };
}
