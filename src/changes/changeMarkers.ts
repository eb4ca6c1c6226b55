/**
 * Marks, in each open notebook, the cells a request changed that still wait
 * for the user (not reviewed, not undone, card not dismissed): a CSS class
 * on the cell, which draws a thin bar in its left gutter, and a marker
 * element there whose tooltip says "Changed by Code Interpreter". Only the
 * cells' classes and that marker change: never the notebook's content.
 */
import type { Cell } from '@jupyterlab/cells';
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { IDisposable } from '@lumino/disposable';

import { pendingChanges } from '../chat/entries';
import type { ChatModel } from '../chat/model';

/** The class of a marked cell. */
export const CHANGED_CELL_CLASS = 'jp-ci-mod-changed';

/** The class of the marker element in a marked cell. */
const MARKER_CLASS = 'jp-ci-ChangeMarker';

export class ChangeMarkers implements IDisposable {
  constructor(options: ChangeMarkers.IOptions) {
    this._model = options.model;
    this._tracker = options.tracker;
    this._trans = options.trans;
    this._model.changed.connect(this._update, this);
    this._tracker.widgetAdded.connect(this._onWidgetAdded, this);
    this._tracker.forEach(panel => this._watch(panel));
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._model.changed.disconnect(this._update, this);
    this._tracker.widgetAdded.disconnect(this._onWidgetAdded, this);
  }

  private _onWidgetAdded(_: INotebookTracker, panel: NotebookPanel): void {
    this._watch(panel);
  }

  /** Mark a notebook's cells now, and again when its cells change. */
  private _watch(panel: NotebookPanel): void {
    const update = () => this._mark(panel);
    void panel.context.ready.then(() => {
      if (!panel.isDisposed) {
        panel.content.model?.cells.changed.connect(update);
        update();
      }
    });
  }

  private _update(): void {
    this._tracker.forEach(panel => this._mark(panel));
  }

  /**
   * Mark the notebook's pending cells, unmark the others. Skipped when the
   * same cells are marked already: the model changes with every streamed
   * word.
   */
  private _mark(panel: NotebookPanel): void {
    if (panel.isDisposed || !panel.content.model) {
      return;
    }
    const path = panel.context.path;
    const conversation = this._model.conversations.find(c => c.path === path);
    const pending = new Set(
      (conversation?.changeSets ?? []).flatMap(set =>
        pendingChanges(set).map(change => change.cell_id)
      )
    );
    const cells = panel.content.widgets;
    const key = `${[...pending].sort().join(' ')}|${cells.map(cell => cell.model.id).join(' ')}`;
    if (this._marked.get(panel) === key) {
      return;
    }
    this._marked.set(panel, key);
    for (const cell of cells) {
      this._setMarked(cell, pending.has(cell.model.id));
    }
  }

  private _setMarked(cell: Cell, marked: boolean): void {
    const marker = cell.node.querySelector(`:scope > .${MARKER_CLASS}`);
    cell.toggleClass(CHANGED_CELL_CLASS, marked);
    if (marked && !marker) {
      const element = document.createElement('div');
      element.className = MARKER_CLASS;
      element.title = this._trans.__('Changed by Code Interpreter');
      cell.node.prepend(element);
    } else if (!marked && marker) {
      marker.remove();
    }
  }

  private _model: ChatModel;
  private _tracker: INotebookTracker;
  private _trans: TranslationBundle;
  private _marked = new WeakMap<NotebookPanel, string>();
  private _isDisposed = false;
}

export namespace ChangeMarkers {
  export interface IOptions {
    model: ChatModel;
    tracker: INotebookTracker;
    /** The marker's tooltip. */
    trans: TranslationBundle;
  }
}
