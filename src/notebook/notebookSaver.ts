/**
 * Saving a notebook the assistant wrote in, one save at a time: ours, the
 * user's and Lab's autosave alike.
 *
 * Lab's document context checks the file on disk before it writes: with two
 * saves in flight, the second can see the first one's write as a change made
 * by someone else (the file's hash differs from the one its context last
 * saved) and asks the user "File Changed: overwrite or revert?". Keeping our
 * own saves apart is not enough: the user's Ctrl+S, or the autosave, can come
 * while ours is on its way. So the first time we save a document, its
 * context's `save` is routed through one queue: a save asked for while
 * another runs waits for it, and all the asks made meanwhile share that one
 * next save (it includes every change made so far).
 *
 * With real-time collaboration (jupyter-collaboration) the server writes the
 * file from the shared document by itself, a second after each change; a
 * save of ours would race that write and meet the same question, so none is
 * made, and the context is left as it is.
 */
import type { DocumentRegistry } from '@jupyterlab/docregistry';

type Context = DocumentRegistry.IContext<DocumentRegistry.IModel>;

export class NotebookSaver {
  /**
   * Save the document through its context, after any save of it still
   * running (whoever started it); a collaborative document is left to the
   * server (see above). Rejects when that save fails.
   */
  save(context: Context): Promise<void> {
    if (context.model.collaborative) {
      return Promise.resolve();
    }
    if (!this._queued.has(context)) {
      this._queued.add(context);
      const queue = new SaveQueue(context);
      // Every caller of context.save() (Lab's save command, its autosave,
      // us) goes through the queue from now on.
      context.save = () => queue.save();
    }
    return context.save();
  }

  private _queued = new WeakSet<Context>();
}

/** One save of a context at a time; the asks made while one runs share the next. */
class SaveQueue {
  constructor(context: Context) {
    this._context = context;
    this._save = context.save.bind(context);
  }

  save(): Promise<void> {
    if (this._next) {
      return this._next;
    }
    const next = this._running
      .catch(() => undefined)
      .then(() => {
        this._next = null;
        return this._context.isDisposed ? undefined : this._save();
      });
    this._next = next;
    this._running = next;
    return next;
  }

  private _context: Context;
  private _save: () => Promise<void>;
  private _running: Promise<void> = Promise.resolve();
  private _next: Promise<void> | null = null;
}
