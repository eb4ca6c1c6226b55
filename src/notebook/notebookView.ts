/**
 * The notebook as the user has it, for the model to see: every cell's
 * source, execution count, tag and compact outputs, read from the cell
 * models (never the DOM), trimmed here before sending as docs/protocol.md
 * says ("The notebook view"). The server turns it into the budgeted view
 * the model reads. Nothing here changes a notebook.
 */
import type { ICellModel, ICodeCellModel } from '@jupyterlab/cells';
import * as nbformat from '@jupyterlab/nbformat';
import type { Notebook } from '@jupyterlab/notebook';

import { jsonBytes } from './frames';
import type {
  ICompactOutput,
  IImageDescription,
  INotebookCellView,
  INotebookInfo
} from '../server/protocol';
import { readTag } from './stepCells';

/** Characters of a cell's source. */
export const SOURCE_LIMIT = 20_000;
/** Characters of an output's text. */
export const OUTPUT_TEXT_LIMIT = 4_000;
/** Lines of a traceback, counted from its end. */
export const TRACEBACK_LINES = 40;
/** Cells of the view. */
export const MAX_CELLS = 1_000;
/**
 * Bytes of all the cells together, as the JSON they are sent as: a notebook
 * of a thousand huge cells (of CJK text, 3 bytes a character) must still fit
 * in one websocket frame (see frames.ts). Past it, sources and outputs are
 * omitted, with a marker, from the end of the notebook.
 */
export const VIEW_BYTE_LIMIT = 6 * 1024 * 1024;

/** The view part of a `user_message.notebook`. */
export type NotebookView = Pick<INotebookInfo, 'active' | 'selected' | 'cells'>;

/**
 * The head and tail of a long text with `… [N characters omitted] …`
 * between them, `limit` characters of the text kept.
 */
export function trimMiddle(text: string, limit: number): string {
  if (text.length <= limit) {
    return text;
  }
  const head = Math.ceil(limit / 2);
  const tail = limit - head;
  const omitted = text.length - limit;
  return `${text.slice(0, head)}… [${omitted} characters omitted] …${tail > 0 ? text.slice(-tail) : ''}`;
}

/** The last `TRACEBACK_LINES` lines of a traceback, with a line saying what was left out. */
export function trimTraceback(traceback: string[]): string[] {
  const lines = traceback.join('\n').split('\n');
  if (lines.length <= TRACEBACK_LINES) {
    return traceback.map(line => trimMiddle(line, OUTPUT_TEXT_LIMIT));
  }
  const omitted = lines.length - TRACEBACK_LINES;
  return [
    `… [${omitted} lines omitted] …`,
    ...lines
      .slice(-TRACEBACK_LINES)
      .map(line => trimMiddle(line, OUTPUT_TEXT_LIMIT))
  ];
}

/** The view of the notebook: its cells, the active one and the selection. */
export function describeCells(notebook: Notebook): NotebookView {
  const cells: INotebookCellView[] = [];
  const models = notebook.model?.cells;
  let budget = VIEW_BYTE_LIMIT;
  const count = Math.min(models?.length ?? 0, MAX_CELLS);
  for (let index = 0; index < count; index++) {
    const view = describeCell(models!.get(index));
    const size = jsonBytes(view);
    const kept = size <= budget ? view : omitContent(view);
    budget -= kept === view ? size : jsonBytes(kept);
    cells.push(kept);
  }
  const active = notebook.activeCellIndex;
  const selected = notebook.widgets.flatMap((cell, index) =>
    notebook.isSelectedOrActive(cell) ? [index] : []
  );
  return {
    active: active >= 0 && active < (models?.length ?? 0) ? active : null,
    selected,
    cells
  };
}

/** One cell of the view, trimmed. */
export function describeCell(model: ICellModel): INotebookCellView {
  const view: INotebookCellView = {
    id: model.id,
    cell_type: model.type as INotebookCellView['cell_type'],
    source: trimMiddle(model.sharedModel.getSource(), SOURCE_LIMIT),
    execution_count: null,
    tag: readTag(model)
  };
  if (model.type === 'code') {
    const code = model as ICodeCellModel;
    view.execution_count = code.executionCount ?? null;
    view.outputs = code.outputs.toJSON().flatMap(output => {
      const compact = compactOutput(output);
      return compact ? [compact] : [];
    });
  }
  return view;
}

/**
 * An output as text: streams and errors as they are, rich outputs as
 * their `text/plain` and the list of their types, an image as its
 * description. Null for an output of an unknown type.
 */
export function compactOutput(output: nbformat.IOutput): ICompactOutput | null {
  if (nbformat.isStream(output)) {
    return {
      output_type: 'stream',
      name: output.name,
      text: trimMiddle(joined(output.text), OUTPUT_TEXT_LIMIT)
    };
  }
  if (nbformat.isError(output)) {
    return {
      output_type: 'error',
      ename: output.ename,
      evalue: trimMiddle(output.evalue, OUTPUT_TEXT_LIMIT),
      traceback: trimTraceback(output.traceback ?? [])
    };
  }
  if (nbformat.isExecuteResult(output) || nbformat.isDisplayData(output)) {
    const data = output.data ?? {};
    const compact: ICompactOutput = {
      output_type: output.output_type,
      text: trimMiddle(joined(data['text/plain']), OUTPUT_TEXT_LIMIT),
      mime_types: Object.keys(data)
    };
    const image = describeImage(data, output.metadata ?? {});
    if (image) {
      compact.image = image;
    }
    return compact;
  }
  return null;
}

/** The first image of a bundle: its type, its size in bytes, and its width and height when the metadata says. */
function describeImage(
  data: nbformat.IMimeBundle,
  metadata: nbformat.OutputMetadata
): IImageDescription | null {
  const mime = Object.keys(data).find(type => type.startsWith('image/'));
  if (!mime) {
    return null;
  }
  const value = joined(data[mime]);
  const image: IImageDescription = {
    mime,
    bytes: mime === 'image/svg+xml' ? value.length : base64Bytes(value)
  };
  const size = (metadata[mime] ?? metadata) as Partial<
    Record<'width' | 'height', unknown>
  >;
  if (typeof size.width === 'number') {
    image.width = size.width;
  }
  if (typeof size.height === 'number') {
    image.height = size.height;
  }
  return image;
}

/** The size of what a base64 text decodes to. */
function base64Bytes(text: string): number {
  const clean = text.replace(/\s/g, '');
  const padding = clean.endsWith('==') ? 2 : clean.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((clean.length * 3) / 4) - padding);
}

function joined(value: unknown): string {
  if (Array.isArray(value)) {
    return value.join('');
  }
  return typeof value === 'string' ? value : '';
}

/** A cell past the total limit: its content replaced by a marker. */
function omitContent(view: INotebookCellView): INotebookCellView {
  return {
    ...view,
    source: `… [${view.source.length} characters omitted] …`,
    ...(view.outputs && { outputs: [] })
  };
}
