/**
 * "Also restore the kernel" for Undo request: the notebook's cells are put
 * back, and so is the kernel's state, as far as the notebook can make it:
 * the kernel restarts and the code cells from the top down to where the
 * request worked run again, in order (see stateRestorer.runForEntry: a
 * progress card with Stop; a cell that fails keeps its outputs).
 */
import type { Cell } from '@jupyterlab/cells';
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';

import type { IChangeSet } from '../chat/entries';
import type { Conversation } from '../chat/model';
import { runForEntry } from './stateRestorer';
import { findCellById } from '../notebook/stepCells';

/**
 * The ids of the code cells that run after the undo, read before it: from
 * the top down to the last cell the request changed or ran that stays, or
 * to the cell above the first cell it added, whichever is further down;
 * the cells it added are left out (the undo removes them).
 */
export function cellsBeforeRequest(
  panel: NotebookPanel,
  set: IChangeSet
): string[] {
  const widgets = panel.content.widgets;
  const added = new Set(
    set.changes
      .filter(change => change.kind === 'inserted')
      .map(change => change.cell_id)
  );
  let last = -1;
  for (const change of set.changes) {
    const cell = findCellById(panel.content, change.cell_id);
    if (cell) {
      const index = widgets.indexOf(cell);
      last = Math.max(last, added.has(change.cell_id) ? index - 1 : index);
    }
  }
  return widgets
    .slice(0, last + 1)
    .filter(cell => cell.model.type === 'code' && !added.has(cell.model.id))
    .map(cell => cell.model.id);
}

/**
 * Restart the notebook's kernel, then run the cells `cellIds` (those still
 * there) in order; the kernel card `entryId` shows the progress and how it
 * ended. `stopped` is asked between cells.
 */
export async function restoreKernel(
  panel: NotebookPanel,
  conversation: Conversation,
  entryId: string,
  cellIds: ReadonlyArray<string>,
  trans: TranslationBundle,
  stopped: () => boolean
): Promise<void> {
  try {
    await panel.sessionContext.restartKernel();
  } catch (error) {
    conversation.updateKernelEntry(entryId, {
      state: 'failed',
      failure: trans.__('The kernel could not be restarted: %1', String(error))
    });
    return;
  }
  await runForEntry(
    panel,
    conversation,
    entryId,
    cellsOf(panel, cellIds),
    trans,
    stopped
  );
}

/** The cells of `cellIds` still in the notebook, in that order. */
export function cellsOf(
  panel: NotebookPanel,
  cellIds: ReadonlyArray<string>
): Cell[] {
  return cellIds
    .map(id => findCellById(panel.content, id))
    .filter((cell): cell is Cell => cell !== null);
}
