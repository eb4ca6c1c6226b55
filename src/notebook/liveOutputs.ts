/**
 * A running cell's outputs as they come, for its step card: snapshots of
 * the cell's outputs, bounded as the final ones are (see boundedOutputs),
 * at most a few per second however fast the cell prints.
 */
import type { ICodeCellModel } from '@jupyterlab/cells';
import type * as nbformat from '@jupyterlab/nbformat';
import type { IOutputModel } from '@jupyterlab/rendermime';
import type { IDisposable } from '@lumino/disposable';

import { boundedOutputs } from './outputBounds';

/** A stream output's text, which grows as the cell prints. */
type StreamText = NonNullable<IOutputModel['streamText']>;

/** The least time between two snapshots: each one draws the card's outputs again. */
const SNAPSHOT_MS = 250;

export class LiveOutputs implements IDisposable {
  /** Report the cell's outputs to `report` whenever they change, until disposed. */
  constructor(
    model: ICodeCellModel,
    report: (outputs: nbformat.IOutput[]) => void
  ) {
    this._model = model;
    this._report = report;
    model.outputs.changed.connect(this._onListChanged, this);
    model.outputs.stateChanged.connect(this._schedule, this);
    this._watchStreams();
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** No more snapshots (the run's result takes over). */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    window.clearTimeout(this._timer);
    // A cell deleted meanwhile has let go of everything already.
    if (!this._model.isDisposed) {
      this._model.outputs.changed.disconnect(this._onListChanged, this);
      this._model.outputs.stateChanged.disconnect(this._schedule, this);
      for (const text of this._streams) {
        text.changed.disconnect(this._schedule, this);
      }
    }
    this._streams.clear();
  }

  private _onListChanged(): void {
    this._watchStreams();
    this._schedule();
  }

  /**
   * Printing more to a stream grows its text in place: the list says
   * nothing then, the stream's text does.
   */
  private _watchStreams(): void {
    const outputs = this._model.outputs;
    for (let index = 0; index < outputs.length; index++) {
      const text = outputs.get(index).streamText;
      if (text && !this._streams.has(text)) {
        this._streams.add(text);
        text.changed.connect(this._schedule, this);
      }
    }
  }

  /** A change: the first is shown at once, later ones together a little later. */
  private _schedule(): void {
    if (this._timer !== 0) {
      return;
    }
    const wait = Math.max(0, this._last + SNAPSHOT_MS - performance.now());
    this._timer = window.setTimeout(() => {
      this._timer = 0;
      this._last = performance.now();
      if (!this._isDisposed && !this._model.isDisposed) {
        this._report(boundedOutputs(this._model.outputs.toJSON()));
      }
    }, wait);
  }

  private _model: ICodeCellModel;
  private _report: (outputs: nbformat.IOutput[]) => void;
  private _streams = new Set<StreamText>();
  private _timer = 0;
  private _last = -Infinity;
  private _isDisposed = false;
}
