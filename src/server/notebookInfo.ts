/**
 * The notebook a `user_message` is sent from, with the view of it the model
 * reads (see notebook/notebookView.ts and docs/protocol.md).
 */

/** The notebook a request is sent from, with the view of it the model reads. */
export interface INotebookInfo {
  path: string;
  kernel_name: string | null;
  kernel_language: string | null;
  /** The index of the active cell, or null. */
  active: number | null;
  /** The indices of the selected cells (the active one included). */
  selected: number[];
  /** The cells in notebook order, trimmed (see notebookView.ts). */
  cells: INotebookCellView[];
}

/** One cell of the notebook view of a `user_message`. */
export interface INotebookCellView {
  /** The nbformat cell id. */
  id: string;
  cell_type: 'code' | 'markdown' | 'raw';
  source: string;
  execution_count: number | null;
  /** `metadata.ci_jupyterlab` when the assistant wrote the cell, else null. */
  tag: { session: string; step: number; call_id: string } | null;
  /** Code cells only: the outputs, compact. */
  outputs?: ICompactOutput[];
}

/** An image output, described (its data is never sent). */
export interface IImageDescription {
  mime: string;
  bytes: number;
  width?: number;
  height?: number;
}

/** An output of the notebook view: text, never data. */
export type ICompactOutput =
  | { output_type: 'stream'; name: string; text: string }
  | {
      output_type: 'execute_result' | 'display_data';
      text: string;
      mime_types: string[];
      image?: IImageDescription;
    }
  | {
      output_type: 'error';
      ename: string;
      evalue: string;
      traceback: string[];
    };
