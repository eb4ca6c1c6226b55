/**
 * Notebook actions on what a request changed: revert one change, undo a
 * whole request, run the restored cells again. Every change goes through
 * the notebook's shared model in one transaction (one Lab undo reverts it;
 * collaborators see it at once). The kernel is not rolled back: what the
 * code did to its variables stays.
 */
import type { ISessionContextDialogs } from '@jupyterlab/apputils';
import type { Cell, ICodeCellModel } from '@jupyterlab/cells';
import { NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import type { ITranslator } from '@jupyterlab/translation';

import type { IUndoOutcome } from '../chat/entries';
import type { INotebookChange } from '../server/protocol';
import { findCellById, METADATA_KEY } from '../notebook/stepCells';

/** Where a change stands in the notebook now. */
export type ChangeState =
  /** The cell holds what the assistant left. */
  | 'unchanged'
  /** The user changed the cell since. */
  | 'edited_since'
  /** The cell is no longer in the notebook. */
  | 'gone';

/** Where a change stands in the notebook now (see ChangeState). */
export function changeState(
  panel: NotebookPanel,
  change: INotebookChange
): ChangeState {
  const cell = findCellById(panel.content, change.cell_id);
  if (!cell) {
    return 'gone';
  }
  return cell.model.sharedModel.getSource() === change.after
    ? 'unchanged'
    : 'edited_since';
}

/**
 * Take changes back, in one transaction: an edited cell gets back its
 * `before` source, and the outputs and execution count it had then (the
 * user's error, with its Fix and Explain buttons; cleared for records that
 * did not keep them), its tag removed; an inserted cell is deleted. A
 * notebook left without cells gets one empty code cell, as Lab's own
 * delete does. Cells that are gone are left out of the outcome, except an
 * inserted one, which counts as removed.
 *
 * The active cell stays where it was when it is not deleted.
 */
export function revertChanges(
  panel: NotebookPanel,
  changes: ReadonlyArray<INotebookChange>
): Pick<IUndoOutcome, 'restored' | 'removed'> {
  const notebook = panel.content;
  const shared = notebook.model?.sharedModel;
  const restored: string[] = [];
  const removed: string[] = [];
  if (!shared) {
    return { restored, removed };
  }
  // Positions are read before the transaction: the widgets and the cell
  // list follow the shared model only once it ends.
  const deleted: number[] = [];
  const edits: [Cell, INotebookChange][] = [];
  for (const change of changes) {
    const cell = findCellById(notebook, change.cell_id);
    if (change.kind === 'inserted' || change.before === null) {
      if (cell) {
        deleted.push(notebook.widgets.indexOf(cell));
      }
      removed.push(change.cell_id);
    } else if (cell) {
      edits.push([cell, change]);
      restored.push(change.cell_id);
    }
  }
  const left = notebook.widgets.length - deleted.length;
  shared.transact(() => {
    for (const [cell, change] of edits) {
      restore(cell, change);
    }
    for (const index of deleted.sort((x, y) => y - x)) {
      shared.deleteCell(index);
    }
    if (left === 0) {
      shared.insertCell(0, { cell_type: 'code', source: '' });
    }
  });
  return { restored, removed };
}

/**
 * Give a cell what it held before the change: its source, its outputs and
 * execution count (when the change kept them), without the assistant's tag.
 */
function restore(cell: Cell, change: INotebookChange): void {
  const model = cell.model;
  model.sharedModel.setSource(change.before ?? '');
  if (model.type === 'code') {
    const shared = (model as ICodeCellModel).sharedModel;
    shared.setOutputs(change.before_outputs ?? []);
    shared.execution_count = change.before_outputs
      ? (change.before_execution_count ?? null)
      : null;
  }
  if (model.getMetadata(METADATA_KEY) !== undefined) {
    model.deleteMetadata(METADATA_KEY);
  }
}

/**
 * Run the restored cells again, in notebook order, as the user runs them
 * (NotebookActions.runCells: outputs and execution counts change, the
 * notebook goes to command mode, the selection stays). Cells that are gone
 * are skipped. Resolves with whether all of them ran without error.
 */
export async function rerunCells(
  panel: NotebookPanel,
  cellIds: ReadonlyArray<string>,
  sessionDialogs?: ISessionContextDialogs,
  translator?: ITranslator
): Promise<boolean> {
  const wanted = new Set(cellIds);
  const cells = panel.content.widgets.filter(
    cell => wanted.has(cell.model.id) && cell.model.type === 'code'
  );
  if (cells.length === 0) {
    return true;
  }
  return NotebookActions.runCells(
    panel.content,
    cells,
    panel.sessionContext,
    sessionDialogs,
    translator
  );
}
