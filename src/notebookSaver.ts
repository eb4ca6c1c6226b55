/**
 * Saving a notebook the assistant wrote in, one save at a time.
 *
 * Lab's document context checks the file on disk before it writes: with two
 * saves in flight, the second sees the first one's write as a change made by
 * someone else and asks the user "File Changed: overwrite or revert?". So a
 * save asked for while another runs waits for it, and all the asks made
 * meanwhile share that one next save (it includes every change made so far).
 *
 * With real-time collaboration (jupyter-collaboration) the server writes the
 * file from the shared document by itself, a second after each change; a
 * save of ours would race that write and meet the same question, so none is
 * made.
 */
import type { DocumentRegistry } from '@jupyterlab/docregistry';

export class NotebookSaver {
  /**
   * Save the document through its context, after any save of ours still
   * running; a collaborative document is left to the server (see above).
   * Rejects when that save fails.
   */
  save(
    context: DocumentRegistry.IContext<DocumentRegistry.IModel>
  ): Promise<void> {
    if (context.model.collaborative) {
      return Promise.resolve();
    }
    const queued = this._queued.get(context);
    if (queued) {
      return queued;
    }
    const previous = this._running.get(context) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(() => {
        this._queued.delete(context);
        const running =
          context.isDisposed || !context.isReady
            ? Promise.resolve()
            : context.save();
        this._running.set(context, running);
        return running;
      });
    this._queued.set(context, next);
    return next;
  }

  private _queued = new WeakMap<object, Promise<void>>();
  private _running = new WeakMap<object, Promise<void>>();
}
