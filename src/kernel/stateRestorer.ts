/**
 * "Restore state" after the kernel restarted or died: the conversation's
 * working cells (the step cells it left in the notebook, each holding the
 * attempt that worked) are run again in the new kernel, in notebook order,
 * optionally with the user's own code cells above them, so that a request
 * can continue where the old kernel left off.
 *
 * A cell that fails here keeps the outputs it had: the restore stops there
 * and says why, it never replaces a chart or a table with a traceback. The
 * user can stop a restore between cells (the running cell is interrupted).
 */
import type { Cell, ICodeCellModel } from '@jupyterlab/cells';
import * as nbformat from '@jupyterlab/nbformat';
import { NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';

import type { IStepEntry } from '../chat/entries';
import type { Conversation } from '../chat/model';
import { waitForKernel } from '../notebook/notebookRunner';
import { askToRerunApproved } from './restoreApproval';
import { readStepTag } from '../notebook/stepCells';

/**
 * Run a conversation's working cells again in its notebook's new kernel,
 * with the user's own code cells above them if asked (see cellsToRestore);
 * the restore card `entryId` shows the progress and how it ended. Cells
 * that waited for the user's approval when they ran are asked about first
 * (run them again, skip them, or cancel the restore).
 *
 * The cells run as the user runs them: their outputs and execution counts
 * change, nothing is inserted or removed, the selection stays and the
 * notebook goes to command mode (see NotebookActions.runCells).
 */
export async function restoreConversationState(
  panel: NotebookPanel,
  conversation: Conversation,
  entryId: string,
  withUserCells: boolean,
  trans: TranslationBundle,
  stopped: () => boolean = () => false
): Promise<void> {
  const working = new Set(workingSteps(conversation).map(step => step.callId));
  const cells = await askAboutApproved(
    conversation,
    cellsToRestore(panel, working, withUserCells),
    trans
  );
  if (cells === null) {
    return; // the card still offers Restore state
  }
  await runForEntry(panel, conversation, entryId, cells, trans, stopped);
}

/** The conversation's steps that worked. */
function workingSteps(conversation: Conversation): IStepEntry[] {
  return conversation.entries.flatMap(entry =>
    entry.kind === 'step' && entry.state === 'ok' ? [entry] : []
  );
}

/**
 * `cells` less those the user chooses not to run again: the cells of steps
 * that waited for the user's approval when they ran are asked about first
 * (run them again, skip them, or cancel: null). Before any restore of the
 * kernel (Restore state, and Undo's "Also restore the kernel").
 */
export async function askAboutApproved(
  conversation: Conversation,
  cells: Cell[],
  trans: TranslationBundle
): Promise<Cell[] | null> {
  const steps = new Map(
    workingSteps(conversation).map(step => [step.callId, step])
  );
  const stepOf = (cell: Cell) => steps.get(readStepTag(cell)?.call_id ?? '');
  const approved = cells.filter(cell => stepOf(cell)?.approved);
  if (approved.length === 0) {
    return cells;
  }
  const choice = await askToRerunApproved(
    approved.map(cell => stepOf(cell)!),
    trans
  );
  if (choice === 'cancel') {
    return null;
  }
  return choice === 'skip'
    ? cells.filter(cell => !approved.includes(cell))
    : cells;
}

/**
 * Run `cells` in order (see runInOrder), showing the progress and how it
 * ended on the kernel card `entryId`.
 */
export async function runForEntry(
  panel: NotebookPanel,
  conversation: Conversation,
  entryId: string,
  cells: Cell[],
  trans: TranslationBundle,
  stopped: () => boolean
): Promise<void> {
  conversation.updateKernelEntry(entryId, {
    state: 'restoring',
    ran: 0,
    total: cells.length
  });
  const outcome = await runInOrder(
    panel,
    cells,
    ran => conversation.updateKernelEntry(entryId, { ran }),
    trans,
    stopped
  );
  conversation.updateKernelEntry(entryId, {
    ...outcome,
    state: outcome.stopped
      ? 'stopped'
      : outcome.failure === null
        ? 'restored'
        : 'failed'
  });
}

/** How a restore ended. */
interface IRestoreOutcome {
  ran: number;
  total: number;
  /** The first failure, as `ename: evalue` with its cell's position; null if none. */
  failure: string | null;
  /** The user stopped it before all cells ran. */
  stopped?: boolean;
}

/**
 * The cells to run again: the step cells whose run worked (their call ids:
 * a step that killed the kernel is not run again) and, with `withUserCells`,
 * the user's code cells above the last of them; in notebook order.
 */
function cellsToRestore(
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
 * would likely fail too), or once `stopped()` says so. A cell that fails
 * gets its earlier outputs and execution count back: a restore reports a
 * failure, it never puts one in place of a chart or a table. `progress`
 * hears how many ran, after each.
 */
async function runInOrder(
  panel: NotebookPanel,
  cells: Cell[],
  progress: (ran: number) => void,
  trans: TranslationBundle,
  stopped: () => boolean
): Promise<IRestoreOutcome> {
  const total = cells.length;
  if (!(await waitForKernel(panel.sessionContext))) {
    return { ran: 0, total, failure: trans.__('The notebook has no kernel.') };
  }
  let ran = 0;
  for (const cell of cells) {
    if (stopped()) {
      return { ran, total, failure: null, stopped: true };
    }
    if (cell.isDisposed || panel.isDisposed) {
      return {
        ran,
        total,
        failure: trans.__('The notebook or a cell was closed.')
      };
    }
    const model = cell.model as ICodeCellModel;
    const earlier = {
      outputs: model.outputs.toJSON(),
      count: model.executionCount
    };
    // The kernel is there (see above): no dialog can be needed.
    await NotebookActions.runCells(panel.content, [cell], panel.sessionContext);
    const error = model.outputs.toJSON().find(nbformat.isError);
    if (error) {
      const interrupted = stopped() && error.ename === 'KeyboardInterrupt';
      if (!cell.isDisposed) {
        const shared = model.sharedModel;
        shared.transact(() => {
          shared.setOutputs(earlier.outputs);
          shared.execution_count = earlier.count;
        });
      }
      if (interrupted) {
        return { ran, total, failure: null, stopped: true };
      }
      const position = panel.content.widgets.indexOf(cell) + 1;
      return {
        ran,
        total,
        failure: trans.__(
          'Cell %1: %2: %3 (its earlier outputs were kept)',
          position,
          error.ename,
          error.evalue
        )
      };
    }
    ran += 1;
    progress(ran);
  }
  return { ran, total, failure: null };
}
