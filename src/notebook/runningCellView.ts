/**
 * Keeps the assistant's running cell in view in its notebook: as its
 * outputs grow, the notebook scrolls so that the newest one shows (a cell
 * taller than the view shows its end), until the user works in the
 * notebook (scrolls it, clicks, types): from then on the view is theirs.
 * A notebook the user works in when the cell starts is left alone.
 */
import type { Cell } from '@jupyterlab/cells';
import type { Notebook } from '@jupyterlab/notebook';
import type { IDisposable } from '@lumino/disposable';

/** Pixels left under the cell's end. */
const MARGIN_PX = 12;
/** What the user does in a notebook that makes its view theirs. */
const USER_EVENTS = [
  'wheel',
  'pointerdown',
  'keydown',
  'touchstart',
  'focusin'
];

export class RunningCellView implements IDisposable {
  constructor(notebook: Notebook, cell: Cell) {
    this._notebook = notebook;
    this._cell = cell;
    if (notebook.node.contains(document.activeElement)) {
      this._isDisposed = true;
      return;
    }
    // It grows as it prints (stream text grows in place, images load).
    this._resizes = new ResizeObserver(() => this._schedule());
    this._resizes.observe(cell.node);
    for (const type of USER_EVENTS) {
      notebook.node.addEventListener(type, this._stop, { passive: true });
    }
    this._schedule();
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** The run ended: show its last outputs, then leave the view to the user. */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    if (this._frame !== 0) {
      window.cancelAnimationFrame(this._frame);
      this._reveal();
    }
    this._isDisposed = true;
    this._resizes?.disconnect();
    for (const type of USER_EVENTS) {
      this._notebook.node.removeEventListener(type, this._stop);
    }
  }

  /** The user works in the notebook: stop moving it, at once. */
  private _stop = (): void => {
    window.cancelAnimationFrame(this._frame);
    this._frame = 0;
    this.dispose();
  };

  /** Once drawn, show the cell's end. */
  private _schedule(): void {
    if (this._frame === 0) {
      this._frame = window.requestAnimationFrame(() => {
        this._frame = 0;
        this._reveal();
      });
    }
  }

  /** Scroll so that the cell's end is just inside the view, when it is not. */
  private _reveal(): void {
    if (this._isDisposed || this._cell.isDisposed || !this._cell.isAttached) {
      return;
    }
    const scroller = this._notebook.outerNode;
    const view = scroller.getBoundingClientRect();
    const end = this._cell.node.getBoundingClientRect().bottom;
    if (end > view.bottom || end < view.top + MARGIN_PX) {
      scroller.scrollTop += end - view.bottom + MARGIN_PX;
    }
  }

  private _notebook: Notebook;
  private _cell: Cell;
  private _resizes: ResizeObserver | null = null;
  private _frame = 0;
  private _isDisposed = false;
}
