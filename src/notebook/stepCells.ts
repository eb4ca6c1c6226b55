/**
 * Notebook actions on the cells the assistant writes: each one is tagged in
 * `metadata.ci_jupyterlab` with the session, step and call_id that made it.
 */
import type { Cell, ICellModel, ICodeCellModel } from '@jupyterlab/cells';
import type * as nbformat from '@jupyterlab/nbformat';
import { NotebookActions } from '@jupyterlab/notebook';
import type { Notebook } from '@jupyterlab/notebook';

import type { IRunCellMessage } from '../server/protocol';

/** The cell metadata key holding a step's tag. */
export const METADATA_KEY = 'ci_jupyterlab';

/** What a step cell is tagged with. */
export interface IStepTag {
  session: string;
  step: number;
  call_id: string;
}

/** The tag of a cell, or null for a cell the assistant did not write. */
export function readStepTag(cell: Cell): IStepTag | null {
  return readTag(cell.model);
}

/** The tag of a cell model, or null for a cell the assistant did not write. */
export function readTag(model: ICellModel): IStepTag | null {
  const tag = model.getMetadata(METADATA_KEY) as Partial<IStepTag> | undefined;
  if (
    typeof tag?.session === 'string' &&
    typeof tag.step === 'number' &&
    typeof tag.call_id === 'string'
  ) {
    return tag as IStepTag;
  }
  return null;
}

/** The cell whose tag holds this call_id, or null. */
export function findCellByCallId(
  notebook: Notebook,
  callId: string
): Cell | null {
  return (
    notebook.widgets.find(cell => readStepTag(cell)?.call_id === callId) ?? null
  );
}

/** The cell with this nbformat id, or null. */
export function findCellById(notebook: Notebook, cellId: string): Cell | null {
  return notebook.widgets.find(cell => cell.model.id === cellId) ?? null;
}

/**
 * The cell that holds a step now: the one with this call_id, else (when a
 * later attempt replaced it in place) the one tagged with the same session
 * and step. Null when the user deleted it.
 */
export function findStepCell(
  notebook: Notebook,
  target: IStepTag
): Cell | null {
  return (
    findCellByCallId(notebook, target.call_id) ??
    notebook.widgets.find(cell => {
      const tag = readStepTag(cell);
      return tag?.session === target.session && tag.step === target.step;
    }) ??
    null
  );
}

/** What an existing cell held before the assistant's code went into it. */
export interface ICellBefore {
  source: string;
  outputs: nbformat.IOutput[];
  executionCount: number | null;
}

/** Where a step's code was put: its cell, and what that cell held before, for an edit. */
export interface IPlacedCell {
  cell: Cell;
  /** The edited cell as it was just before; null for a new cell. */
  before: ICellBefore | null;
}

/**
 * Put the code of a `run_cell` into the notebook and return its cell.
 *
 * - With `cell_id` (an edit): that existing code cell gets the new source,
 *   its outputs and execution count are cleared and it is tagged; `before`
 *   is its source just before.
 * - With `replaces` (a later attempt at a step): the cell holding that
 *   attempt is changed the same way, its tag moving to the new call_id; it
 *   is the step's cell, so `before` is null, unless that cell is also the
 *   one `cell_id` names.
 * - Otherwise (or when that cell is gone, or is not a code cell) a new code
 *   cell is inserted right after the session's last tagged cell, or at the
 *   end of the notebook; `before` is null. A notebook that ends with one
 *   empty, untouched code cell (a new notebook has one) has that cell
 *   reused for its first step instead, so no stray empty cell stays above
 *   the assistant's work.
 *
 * The active cell, the selection and the mode are left alone. The change is
 * one transaction of the notebook's shared model, so one undo reverts it,
 * and collaborators see it at once.
 */
export function placeStepCell(
  notebook: Notebook,
  request: IRunCellMessage
): IPlacedCell {
  const model = notebook.model;
  if (!model) {
    throw new Error('The notebook has no model');
  }
  const tag: IStepTag = {
    session: request.session,
    step: request.step,
    call_id: request.call_id
  };
  const edited = request.cell_id
    ? findCellById(notebook, request.cell_id)
    : null;
  const previous = request.replaces
    ? findCellByCallId(notebook, request.replaces)
    : null;
  const existing = [edited, previous].find(
    cell => cell && cell.model.type === 'code'
  );
  if (existing) {
    const before = existing === edited ? cellState(existing) : null;
    rewrite(existing, request.code, tag);
    return { cell: existing, before };
  }
  const index = indexAfterSession(notebook, request.session);
  const last = notebook.widgets[index - 1];
  if (index === notebook.widgets.length && last && isBlankCodeCell(last)) {
    rewrite(last, request.code, tag);
    return { cell: last, before: null };
  }
  model.sharedModel.insertCell(index, {
    cell_type: 'code',
    source: request.code,
    metadata: { [METADATA_KEY]: { ...tag } }
  });
  // The widget of an inserted cell exists synchronously.
  return { cell: notebook.widgets[index], before: null };
}

/** A code cell's source, outputs and execution count as they are now. */
function cellState(cell: Cell): ICellBefore {
  const model = cell.model as ICodeCellModel;
  return {
    source: model.sharedModel.getSource(),
    outputs: model.outputs.toJSON(),
    executionCount: model.executionCount ?? null
  };
}

/** Give a code cell new source and a tag, its outputs cleared: one transaction. */
function rewrite(cell: Cell, code: string, tag: IStepTag): void {
  const shared = cell.model.sharedModel;
  shared.transact(() => {
    shared.setSource(code);
    (cell.model as ICodeCellModel).clearExecution();
    cell.model.setMetadata(METADATA_KEY, { ...tag });
  });
}

/**
 * Whether a cell is an empty code cell nobody used: no source but
 * whitespace, no outputs, never run, not the assistant's.
 */
function isBlankCodeCell(cell: Cell): boolean {
  const model = cell.model;
  return (
    model.type === 'code' &&
    model.sharedModel.getSource().trim() === '' &&
    (model as ICodeCellModel).outputs.length === 0 &&
    (model as ICodeCellModel).executionCount === null &&
    readTag(model) === null
  );
}

/** Of the viewport, the room left above a cell scrolled to. */
const REVEAL_MARGIN = 0.05;

/**
 * Make a step's cell the active, only selected cell, in command mode, its
 * top in view: a cell already in full view stays where it is; otherwise its
 * top goes near the top of the notebook (a cell taller than the view shows
 * its start, not its middle). The cell gets the focus, never its editor, so
 * the keyboard acts on cells (j, k, Enter to edit). Returns false when the
 * cell is gone.
 */
export async function revealStepCell(
  notebook: Notebook,
  target: IStepTag
): Promise<boolean> {
  const cell = findStepCell(notebook, target);
  if (!cell) {
    return false;
  }
  const index = notebook.widgets.indexOf(cell);
  // Command mode first: a cell made active in edit mode takes the editor
  // focus. (Lab's scrollToCell activates the cell, which does the same.)
  notebook.mode = 'command';
  notebook.activeCellIndex = index;
  notebook.deselectAll();
  try {
    await notebook.scrollToItem(index, 'auto', REVEAL_MARGIN, 'start');
  } catch {
    // A newer scroll superseded this one (the user's, say): leave it be.
  }
  await NotebookActions.focusActiveCell(notebook, {
    waitUntilReady: true,
    preventScroll: true
  });
  return true;
}

/** The index right after the session's last tagged cell, else the end. */
function indexAfterSession(notebook: Notebook, session: string): number {
  const cells = notebook.widgets;
  for (let i = cells.length - 1; i >= 0; i--) {
    if (readStepTag(cells[i])?.session === session) {
      return i + 1;
    }
  }
  return cells.length;
}
