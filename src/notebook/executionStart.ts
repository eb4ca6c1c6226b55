/**
 * When the kernel starts one of our requests. A kernel runs one request at a
 * time, in order: a cell or lookup of the assistant sent while the user's own
 * cell runs waits in the queue. Its timeout counts from its start (told by
 * the kernel's `busy` status for it), and only a request of ours that has
 * started may be interrupted: never the user's cell ahead of it.
 */
import type { Kernel, KernelMessage } from '@jupyterlab/services';
import { PromiseDelegate } from '@lumino/coreutils';
import type { IDisposable } from '@lumino/disposable';

/** What the caller hears of a cell or lookup queued behind another cell. */
export interface IQueueListener {
  /** The kernel runs another cell (the user's): ours waits for it. */
  waiting(): void;
  /** Ours, which waited, has started. */
  started(): void;
}

export class ExecutionStart implements IDisposable {
  /**
   * Watch `kernel` for the start of the request whose message id `isOurs`
   * accepts (asked when the kernel reports a start, so the id may be known
   * only after this is made).
   */
  constructor(
    private readonly _kernel: Kernel.IKernelConnection,
    private readonly _isOurs: (msgId: string) => boolean
  ) {
    // Busy now: the kernel runs something else (ours is not sent yet).
    this.queued = _kernel.status === 'busy';
    _kernel.iopubMessage.connect(this._onIOPub, this);
  }

  /** Whether the kernel was busy with another request when ours was sent. */
  readonly queued: boolean;

  /** Resolves when the kernel starts our request. */
  get started(): Promise<void> {
    return this._started.promise;
  }

  get hasStarted(): boolean {
    return this._hasStarted;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (!this._isDisposed) {
      this._isDisposed = true;
      this._kernel.iopubMessage.disconnect(this._onIOPub, this);
    }
  }

  private _onIOPub(
    _: Kernel.IKernelConnection,
    message: KernelMessage.IIOPubMessage
  ): void {
    const parent = (message.parent_header as Partial<KernelMessage.IHeader>)
      .msg_id;
    if (
      message.header.msg_type === 'status' &&
      (message as KernelMessage.IStatusMsg).content.execution_state ===
        'busy' &&
      parent !== undefined &&
      this._isOurs(parent)
    ) {
      this._hasStarted = true;
      this._started.resolve();
      this.dispose();
    }
  }

  private _started = new PromiseDelegate<void>();
  private _hasStarted = false;
  private _isDisposed = false;
}
