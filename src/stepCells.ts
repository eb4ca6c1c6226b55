/**
 * Notebook actions on the cells the assistant writes: each one is tagged in
 * `metadata.ci_jupyterlab` with the session, step and call_id that made it.
 */
import type { Cell, ICodeCellModel } from '@jupyterlab/cells';
import type { Notebook } from '@jupyterlab/notebook';

import type { IRunCellMessage } from './protocol';

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
  const tag = cell.model.getMetadata(METADATA_KEY) as
    Partial<IStepTag> | undefined;
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

/**
 * Put the code of a `run_cell` into the notebook and return its cell.
 *
 * With `replaces`, the cell holding that attempt gets the new source, its
 * outputs and execution count are cleared and its tag moves to the new
 * call_id. Otherwise (or when that cell is gone) a new code cell is inserted
 * right after the session's last tagged cell, or at the end of the notebook.
 *
 * The active cell, the selection and the mode are left alone. The change is
 * one transaction, so one undo reverts it.
 */
export function placeStepCell(
  notebook: Notebook,
  request: IRunCellMessage
): Cell {
  const model = notebook.model;
  if (!model) {
    throw new Error('The notebook has no model');
  }
  const tag: IStepTag = {
    session: request.session,
    step: request.step,
    call_id: request.call_id
  };
  const previous = request.replaces
    ? findCellByCallId(notebook, request.replaces)
    : null;
  if (previous && previous.model.type === 'code') {
    model.sharedModel.transact(() => {
      previous.model.sharedModel.setSource(request.code);
      (previous.model as ICodeCellModel).clearExecution();
      previous.model.setMetadata(METADATA_KEY, tag);
    });
    return previous;
  }
  const index = indexAfterSession(notebook, request.session);
  model.sharedModel.insertCell(index, {
    cell_type: 'code',
    source: request.code,
    metadata: { [METADATA_KEY]: { ...tag } }
  });
  // The widget of an inserted cell exists synchronously.
  return notebook.widgets[index];
}

/**
 * Activate a step's cell and scroll it into view.
 *
 * The cell becomes the only selected, active cell, in command mode.
 * Returns false when the cell is gone.
 */
export async function revealStepCell(
  notebook: Notebook,
  target: IStepTag
): Promise<boolean> {
  const cell = findStepCell(notebook, target);
  if (!cell) {
    return false;
  }
  notebook.mode = 'command';
  notebook.activeCellIndex = notebook.widgets.indexOf(cell);
  // Also selects the cell alone and focuses it.
  await notebook.scrollToCell(cell, 'center');
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
