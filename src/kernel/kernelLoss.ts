/**
 * How a notebook's kernel went away, told apart the way the user needs it
 * said.
 *
 * Lab reports a kernel the server restarted after it died (a SIGKILL, out of
 * memory) as `restarting` and, a microtask later, `autorestarting`; a restart
 * the user asked for as `restarting` alone; closing the notebook disposes its
 * kernel connection, which reports `dead` though the kernel runs on. So what
 * happened is decided a moment after the first status, once Lab has said all
 * of it.
 */
import type { ISessionContext } from '@jupyterlab/apputils';
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { Kernel } from '@jupyterlab/services';
import type { IDisposable } from '@lumino/disposable';

/**
 * - `restarted`: the user restarted the kernel;
 * - `died_restarted`: it died and the server started it again;
 * - `died`: it died and is not running;
 * - `changed`: the notebook was given another kernel;
 * - `closed`: the notebook was closed (its kernel goes on).
 */
export type KernelLoss =
  'restarted' | 'died_restarted' | 'died' | 'changed' | 'closed';

/** A watch of a notebook's kernel; dispose it to stop watching. */
export interface IKernelLossWatch extends IDisposable {
  /**
   * Whether a loss was seen and is being told apart: a cell's run that ends
   * now ended because of it.
   */
  readonly suspected: boolean;
}

/**
 * Call `onLoss` once for each loss of the panel's kernel, once it is known
 * what happened.
 */
export function watchKernelLoss(
  panel: NotebookPanel,
  onLoss: (loss: KernelLoss) => void
): IKernelLossWatch {
  return new LossWatch(panel, onLoss);
}

class LossWatch implements IKernelLossWatch {
  constructor(
    private readonly _panel: NotebookPanel,
    private readonly _onLoss: (loss: KernelLoss) => void
  ) {
    _panel.sessionContext.statusChanged.connect(this._onStatus, this);
    _panel.sessionContext.kernelChanged.connect(this._onKernelChanged, this);
    _panel.disposed.connect(this._onDisposed, this);
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  get suspected(): boolean {
    return this._pending !== null;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    window.clearTimeout(this._timer);
    this._panel.sessionContext.statusChanged.disconnect(this._onStatus, this);
    this._panel.sessionContext.kernelChanged.disconnect(
      this._onKernelChanged,
      this
    );
    this._panel.disposed.disconnect(this._onDisposed, this);
  }

  private _onStatus(_: ISessionContext, status: Kernel.Status): void {
    if (status === 'autorestarting') {
      this._suspect('died_restarted', true);
    } else if (status === 'restarting') {
      this._suspect('restarted');
    } else if (status === 'dead') {
      this._suspect('died');
    }
  }

  private _onKernelChanged(
    _: ISessionContext,
    change: {
      oldValue: Kernel.IKernelConnection | null;
      newValue: Kernel.IKernelConnection | null;
    }
  ): void {
    // The first kernel of a new notebook is not a change of kernel, nor is
    // the same kernel after a restart (Lab says "changed" then too).
    const { oldValue, newValue } = change;
    if (oldValue !== null && oldValue.id !== newValue?.id) {
      this._suspect('changed');
    }
  }

  private _onDisposed(): void {
    this._suspect('closed', true);
  }

  /** What seems to have happened; `sure` overrides what seemed so before. */
  private _suspect(loss: KernelLoss, sure = false): void {
    if (this._pending === null) {
      this._pending = loss;
      // A macrotask: after the microtask in which Lab says `autorestarting`,
      // and after the panel's disposal has run its course.
      this._timer = window.setTimeout(() => this._decide(), 0);
    } else if (sure) {
      this._pending = loss;
    }
  }

  private _decide(): void {
    const loss = this._panel.isDisposed ? 'closed' : this._pending!;
    this._pending = null;
    this._onLoss(loss);
    if (loss === 'closed') {
      this.dispose();
    }
  }

  private _pending: KernelLoss | null = null;
  private _timer = 0;
  private _isDisposed = false;
}
