/**
 * Runs the assistant's `run_cell` requests as real cells of a notebook, in
 * the notebook's own kernel session, and reads their outputs back.
 */
import type {
  ISessionContext,
  ISessionContextDialogs
} from '@jupyterlab/apputils';
import type { Cell, CodeCell, ICodeCellModel } from '@jupyterlab/cells';
import * as nbformat from '@jupyterlab/nbformat';
import { Notebook, NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import type { Kernel } from '@jupyterlab/services';
import type { ITranslator } from '@jupyterlab/translation';
import { PromiseDelegate } from '@lumino/coreutils';

import { ExecutionStart, IQueueListener } from './executionStart';
import {
  IKernelLossWatch,
  KernelLoss,
  watchKernelLoss
} from '../kernel/kernelLoss';
import type { ExecutionStatus, IRunCellMessage } from '../server/protocol';
import { ICellBefore, placeStepCell } from './stepCells';
import { Timer } from '../timer';

/**
 * Who hears how a run goes: when it waits behind the user's cell and
 * starts, and the cell its code was put in, just before it runs.
 */
export interface IRunListener extends IQueueListener {
  placed?(cell: Cell, notebook: Notebook): void;
}

/**
 * How a run is told: who listens, and what may refuse it before its cell is
 * placed (a status, or null to go on), asked while the kernel is already
 * watched, so a restart meanwhile still ends the run.
 */
export interface IRunOptions extends Partial<IRunListener> {
  refusal?(): Promise<ExecutionStatus | null>;
}

/** How a step's run ended, with what the cell holds at that moment. */
export interface IStepRun {
  status: ExecutionStatus;
  outputs: nbformat.IOutput[];
  executionCount: number | null;
  durationMs: number;
  /** The id of the cell the code ran in; null when none was placed. */
  cellId: string | null;
  /** For an edit of an existing cell, what it held just before; else null. */
  before: ICellBefore | null;
}

/** Where a run put its code, once it did. */
interface IPlacement {
  cell: Cell | null;
  /** Kept apart from the cell: the user may delete it while it runs. */
  cellId: string | null;
  before: ICellBefore | null;
}

/** How long to wait, after interrupting, for the kernel to report back. */
const SETTLE_MS = 5000;

/**
 * Places and runs step cells; remembers the running one per chat session so
 * that Stop can interrupt it.
 */
export class NotebookRunner {
  constructor(options: NotebookRunner.IOptions = {}) {
    this._sessionDialogs = options.sessionDialogs;
    this._translator = options.translator;
  }

  /**
   * Put the request's code into the panel's notebook (see placeStepCell) and
   * run that cell in the notebook's kernel.
   *
   * Watches the kernel from the call on: a restart before the cell is placed
   * (even while `options.refusal` is asked) ends the run as a restart, never
   * runs the step in the fresh kernel. Waits for the notebook's kernel
   * session first. While the notebook is not
   * focused, the step's cell becomes the active cell so it scrolls into view;
   * focus never moves. Never rejects: every request resolves with exactly one
   * result, whose status says how the run ended:
   * - `ok` / `error`: the cell finished (`error`: an error output, or the
   *   run failed);
   * - `timeout`: it ran past `request.timeout` seconds, counted from its
   *   start, and was interrupted;
   * - `cancelled`: `cancel()` interrupted it, or the user deleted the cell;
   *   cancelled while it waits behind the user's own cell, it is interrupted
   *   once it starts, never the user's cell;
   * - `kernel_restarted` / `kernel_dead`: the kernel went away meanwhile;
   * - `notebook_closed`: the panel was closed meanwhile, or before (null);
   * - whatever `options.refusal` said: nothing was placed or run.
   */
  async run(
    panel: NotebookPanel | null,
    request: IRunCellMessage,
    options: IRunOptions = {}
  ): Promise<IStepRun> {
    const started = performance.now();
    if (!panel || panel.isDisposed) {
      return {
        status: 'notebook_closed',
        outputs: [],
        executionCount: null,
        durationMs: 0,
        cellId: null,
        before: null
      };
    }
    const watch = new RunWatch(panel);
    this._running.set(request.session, watch);
    const placed: IPlacement = { cell: null, cellId: null, before: null };
    let status: ExecutionStatus;
    let failure: nbformat.IError | null = null;
    try {
      status = await this._execute(panel, request, watch, placed, options);
    } catch (error) {
      console.error('ci-jupyterlab: running a step failed', error);
      status = 'error';
      failure = {
        output_type: 'error',
        ename: 'FrontendError',
        evalue: `The notebook could not run the cell: ${String(error)}`,
        traceback: []
      };
    } finally {
      watch.dispose();
      if (this._running.get(request.session) === watch) {
        this._running.delete(request.session);
      }
    }
    const model = placed.cell?.isDisposed
      ? null
      : (placed.cell?.model as ICodeCellModel | undefined);
    const outputs = model?.outputs.toJSON() ?? [];
    return {
      status,
      outputs: failure ? [...outputs, failure] : outputs,
      executionCount: model?.executionCount ?? null,
      durationMs: Math.round(performance.now() - started),
      cellId: placed.cellId,
      before: placed.before
    };
  }

  /**
   * Interrupt the session's running step, if there is one.
   *
   * Its run then resolves with status `cancelled`. Returns whether a step
   * was running.
   */
  cancel(session: string): boolean {
    const watch = this._running.get(session);
    watch?.cancel();
    return watch !== undefined;
  }

  private async _execute(
    panel: NotebookPanel,
    request: IRunCellMessage,
    watch: RunWatch,
    placed: IPlacement,
    options: IRunOptions
  ): Promise<ExecutionStatus> {
    const { sessionContext, content: notebook } = panel;
    const refused = await Promise.race([
      options.refusal?.() ?? null,
      watch.ended
    ]);
    if (refused !== null) {
      return refused;
    }
    const ready = await Promise.race([
      waitForKernel(sessionContext).then(kernel => ({ kernel })),
      watch.ended
    ]);
    if (typeof ready === 'string') {
      return ready;
    }
    const { kernel } = ready;
    if (!kernel) {
      // The user chose "No Kernel".
      return 'kernel_dead';
    }

    const { cell, before } = placeStepCell(notebook, request);
    placed.cell = cell;
    placed.cellId = cell.model.id;
    placed.before = before;
    if (!notebook.node.contains(document.activeElement)) {
      notebook.activeCellIndex = notebook.widgets.indexOf(cell);
    }
    options.placed?.(cell, notebook);

    const start = new ExecutionStart(
      kernel,
      id => (cell as CodeCell).outputArea?.future?.msg.header.msg_id === id
    );
    const finished = NotebookActions.runCells(
      notebook,
      [cell],
      sessionContext,
      this._sessionDialogs,
      this._translator
    ).then(
      (ran): ExecutionStatus => {
        if (cell.isDisposed) {
          return 'cancelled';
        }
        return ran && !hasErrorOutput(cell) ? 'ok' : 'error';
      },
      (error): ExecutionStatus => {
        console.error('ci-jupyterlab: the cell could not run', error);
        return 'error';
      }
    );
    if (start.queued) {
      options.waiting?.();
      const before = await Promise.race([
        start.started.then(() => null),
        finished,
        watch.ended
      ]);
      if (before !== null) {
        if (watch.losing) {
          return watch.broken;
        }
        if (before === 'cancelled') {
          // Stopped in the queue: the user's cell runs on; ours stops when it starts.
          void start.started.then(() => kernel.interrupt());
        } else {
          start.dispose();
        }
        return before;
      }
      options.started?.();
    }
    const timer = new Timer(request.timeout * 1000);
    try {
      const outcome = await Promise.race([
        finished,
        watch.ended,
        timer.elapsed.then((): ExecutionStatus => 'timeout')
      ]);
      if (watch.losing) {
        // The run failed because the kernel or the notebook went away: say
        // how (and never interrupt a kernel whose notebook was closed).
        return watch.broken;
      }
      if (outcome === 'timeout' || outcome === 'cancelled') {
        await interruptAndSettle(kernel, finished, watch);
      }
      return outcome;
    } finally {
      timer.clear();
      start.dispose();
    }
  }

  private _running = new Map<string, RunWatch>();
  private _sessionDialogs?: ISessionContextDialogs;
  private _translator?: ITranslator;
}

export namespace NotebookRunner {
  export interface IOptions {
    /** Lets runCells ask the user to pick a kernel when there is none. */
    sessionDialogs?: ISessionContextDialogs;
    translator?: ITranslator;
  }
}

/**
 * Wait until a notebook's kernel takes requests: its session is ready and the
 * kernel answered `kernel_info` (a kernel still starting up drops execute
 * requests). Resolves with the kernel, or null for a notebook without one.
 */
export async function waitForKernel(
  sessionContext: ISessionContext
): Promise<Kernel.IKernelConnection | null> {
  await sessionContext.ready;
  const kernel = sessionContext.session?.kernel ?? null;
  await kernel?.info;
  return kernel;
}

/** Whether any of the cell's outputs is an error. */
function hasErrorOutput(cell: Cell): boolean {
  return (cell.model as ICodeCellModel).outputs
    .toJSON()
    .some(output => nbformat.isError(output));
}

/**
 * Interrupt the kernel, then wait (a few seconds at most) for the run to
 * finish, so the cell shows the KeyboardInterrupt before we read it.
 */
async function interruptAndSettle(
  kernel: Kernel.IKernelConnection,
  finished: Promise<unknown>,
  watch: RunWatch
): Promise<void> {
  try {
    await kernel.interrupt();
  } catch (error) {
    console.warn('ci-jupyterlab: interrupting the kernel failed', error);
  }
  const settle = new Timer(SETTLE_MS);
  try {
    await Promise.race([finished, watch.broken, settle.elapsed]);
  } finally {
    settle.clear();
  }
}

/**
 * Watches one run for what ends it early: the kernel restarting or dying,
 * the notebook closing (see watchKernelLoss), or a cancel request.
 */
class RunWatch {
  constructor(panel: NotebookPanel) {
    this._losses = watchKernelLoss(panel, loss =>
      this._broken.resolve(RUN_STATUS_OF_LOSS[loss])
    );
  }

  /** Resolves when the kernel or the notebook went away. */
  get broken(): Promise<ExecutionStatus> {
    return this._broken.promise;
  }

  /** Resolves when the run must end early, for whatever reason. */
  get ended(): Promise<ExecutionStatus> {
    return Promise.race([this._broken.promise, this._cancelled.promise]);
  }

  /** Whether the kernel or the notebook is going away (see IKernelLossWatch). */
  get losing(): boolean {
    return this._losses.suspected;
  }

  cancel(): void {
    this._cancelled.resolve('cancelled');
  }

  dispose(): void {
    this._losses.dispose();
  }

  private _losses: IKernelLossWatch;
  private _broken = new PromiseDelegate<ExecutionStatus>();
  private _cancelled = new PromiseDelegate<ExecutionStatus>();
}

/** How a run ends when its kernel is lost: a kernel that died is not "restarted". */
const RUN_STATUS_OF_LOSS: Record<KernelLoss, ExecutionStatus> = {
  restarted: 'kernel_restarted',
  changed: 'kernel_restarted',
  died_restarted: 'kernel_dead',
  died: 'kernel_dead',
  closed: 'notebook_closed'
};
