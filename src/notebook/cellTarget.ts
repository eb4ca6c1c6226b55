/**
 * The cell a Fix, Explain or Ask command is about: named by its notebook's
 * path and its id (the output-area buttons), or the active cell of the
 * current notebook (the context menu, the palette, the shortcut). Nothing
 * here changes a notebook.
 */
import type { Cell, ICodeCellModel } from '@jupyterlab/cells';
import * as nbformat from '@jupyterlab/nbformat';
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';

import { notebookAt } from './notebooks';
import { findCellById } from './stepCells';

/** The arguments of the cell commands; both absent: the active cell. */
export interface ICellArgs {
  /** The notebook's path. */
  path?: string;
  /** The nbformat id of the cell. */
  cellId?: string;
}

/** A cell of an open notebook. */
export interface ICellTarget {
  panel: NotebookPanel;
  cell: Cell;
}

/** The cell the arguments name, else the current notebook's active cell. */
export function resolveCell(
  tracker: INotebookTracker,
  args: ICellArgs
): ICellTarget | null {
  const panel =
    typeof args.path === 'string'
      ? notebookAt(tracker, args.path)
      : tracker.currentWidget;
  if (!panel) {
    return null;
  }
  const cell =
    typeof args.cellId === 'string'
      ? findCellById(panel.content, args.cellId)
      : panel.content.activeCell;
  return cell ? { panel, cell } : null;
}

/** Whether the cell shows an error output. */
export function hasError(cell: Cell): boolean {
  return (
    cell.model.type === 'code' &&
    (cell.model as ICodeCellModel).outputs.toJSON().some(nbformat.isError)
  );
}

/**
 * A text about a cell that names it as the notebook shows it: by its
 * execution count (`[3]`) when it ran, else by its position (from 1). Each
 * form is its own translated sentence.
 */
export function aboutCell(
  target: ICellTarget,
  byCount: (count: number) => string,
  byPosition: (position: number) => string
): string {
  const count =
    target.cell.model.type === 'code'
      ? (target.cell.model as ICodeCellModel).executionCount
      : null;
  return typeof count === 'number'
    ? byCount(count)
    : byPosition(target.panel.content.widgets.indexOf(target.cell) + 1);
}

/** The chip of a cell in the input: "Cell [3]", or "Cell 4" when it never ran. */
export function cellLabel(
  target: ICellTarget,
  trans: TranslationBundle
): string {
  return aboutCell(
    target,
    count => trans.__('Cell [%1]', count),
    position => trans.__('Cell %1', position)
  );
}
