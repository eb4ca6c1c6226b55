/**
 * Notebooks deleted while their panel is open. A delete made in this window
 * (the file browser, the contents API) is known at once, from the contents
 * manager's `fileChanged`; one made elsewhere (another window, a script, the
 * REST API) when `check` asks the server, which CellService does before it
 * runs a step in a notebook and before it saves one, so that a deleted
 * notebook is never written back by the panel. A notebook saved again (Save
 * As... to its old path, the user's own save) is no longer deleted.
 */
import type { Contents } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';

export class DeletedNotebooks {
  constructor(contents: Contents.IManager) {
    this._contents = contents;
    contents.fileChanged.connect(this._onFileChanged, this);
  }

  /** Emitted with the path of a notebook found deleted. */
  get deleted(): ISignal<this, string> {
    return this._deleted;
  }

  /** Whether the notebook at `path` is known to be deleted. */
  has(path: string): boolean {
    return this._paths.has(path);
  }

  /**
   * Whether the notebook at `path` is deleted, asking the server (a 404);
   * any other failure counts as there, so a flaky request never stops work.
   */
  async check(path: string): Promise<boolean> {
    if (this._paths.has(path)) {
      return true;
    }
    try {
      await this._contents.get(path, { content: false });
      return false;
    } catch (error) {
      const status = (error as { response?: Response }).response?.status;
      if (status === 404) {
        this._add(path);
        return true;
      }
      return false;
    }
  }

  private _onFileChanged(_: unknown, change: Contents.IChangedArgs): void {
    if (change.type === 'delete' && change.oldValue?.path) {
      this._add(change.oldValue.path);
    } else if (change.newValue?.path) {
      // Created or saved again.
      this._paths.delete(change.newValue.path);
    }
  }

  private _add(path: string): void {
    if (!this._paths.has(path)) {
      this._paths.add(path);
      this._deleted.emit(path);
    }
  }

  private _contents: Contents.IManager;
  private _paths = new Set<string>();
  private _deleted = new Signal<this, string>(this);
}
