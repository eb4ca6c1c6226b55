/** The words the chat panel shows for states of the protocol. */
import type { TranslationBundle } from '@jupyterlab/translation';

import type { IStepEntry, IUndoOutcome } from '../chat/entries';
import type { Usage } from '../chat/model';
import type {
  CellCheckStatus,
  ICellCheck,
  IChangedFile,
  INotebookChange,
  IStatusMessage,
  IVerification
} from '../server/protocol';

/** The status line for a `status` message. */
export function phaseLabel(
  status: IStatusMessage,
  trans: TranslationBundle
): string {
  switch (status.phase) {
    case 'thinking':
      return trans.__('Thinking…');
    case 'waiting':
      return (
        status.message ||
        trans.__('Waiting for the kernel: your cell is running.')
      );
    case 'running':
      return trans.__('Running cell…');
    case 'fixing':
      return status.attempt && status.max_attempts
        ? trans.__(
            'Fixing: attempt %1 of %2',
            status.attempt,
            status.max_attempts
          )
        : trans.__('Fixing…');
    case 'done':
      return trans.__('Done');
    case 'stopped':
      return trans.__('Stopped');
    case 'error':
      return trans.__('Error');
  }
}

/** How a step ended, in a few words. */
export function stepStateLabel(
  step: IStepEntry,
  trans: TranslationBundle
): string {
  switch (step.state) {
    case 'running':
      return trans.__('Running…');
    case 'ok':
      return trans.__('✓ Ran');
    case 'error':
      // The error itself is the kernel's words, not ours.
      return step.error
        ? `${step.error.ename}: ${step.error.evalue}`
        : trans.__('The cell raised an error');
    case 'timeout':
      return trans.__('Timed out: the kernel was interrupted');
    case 'kernel_dead':
      return trans.__('The kernel died');
    case 'kernel_restarted':
      return trans.__('The kernel restarted');
    case 'notebook_deleted':
      return trans.__('The notebook was deleted');
    case 'notebook_closed':
      return trans.__('The notebook was closed');
    case 'no_response':
      return trans.__('The notebook never reported the result');
    case 'cancelled':
      return trans.__('Stopped');
  }
}

/** Token usage and, where the model has a price, cost: "1,234 tokens in · 56 out · $0.0012". */
export function usageLabel(usage: Usage, trans: TranslationBundle): string {
  const tokens = trans.__(
    '%1 tokens in · %2 out',
    usage.prompt_tokens.toLocaleString(),
    usage.completion_tokens.toLocaleString()
  );
  return typeof usage.cost === 'number'
    ? `${tokens} · ${costLabel(usage.cost)}`
    : tokens;
}

/** US dollars: cents for a cent or more, else two significant digits ("$0.0012"). */
export function costLabel(dollars: number): string {
  return dollars >= 0.01
    ? `$${dollars.toFixed(2)}`
    : `$${dollars.toPrecision(2)}`;
}

/** A duration: "0.4 s", "12 s", "2 min 5 s". */
export function durationLabel(ms: number, trans: TranslationBundle): string {
  const seconds = ms / 1000;
  if (seconds < 10) {
    return trans.__('%1 s', seconds.toFixed(1));
  }
  if (seconds < 60) {
    return trans.__('%1 s', Math.round(seconds));
  }
  const whole = Math.round(seconds);
  return trans.__('%1 min %2 s', Math.floor(whole / 60), whole % 60);
}

/** How a step changed a file: created or modified. */
export function changeLabel(
  change: IChangedFile['change'],
  trans: TranslationBundle
): string {
  return change === 'created' ? trans.__('created') : trans.__('modified');
}

/** The file name of a path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

const SIZE_UNITS = ['KB', 'MB', 'GB', 'TB'];

/** A file size, e.g. "532 B", "1.4 MB" (units are symbols: not translated). */
export function fileSizeLabel(bytes: number): string {
  if (bytes < 1024) {
    return `${bytes} B`;
  }
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < SIZE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${SIZE_UNITS[unit]}`;
}

/** The verification of an export in a line, e.g. "12 of 12 cells reproduced". */
export function verificationLabel(
  verification: IVerification | null,
  trans: TranslationBundle
): string {
  if (!verification) {
    return trans.__('Not verified.');
  }
  const { reproduced, total } = verification;
  // %1 is the count that picks the plural form: the total.
  return trans._n(
    '%2 of %1 cell reproduced in a fresh kernel.',
    '%2 of %1 cells reproduced in a fresh kernel.',
    total,
    reproduced
  );
}

/** How an exported cell fared, in words. */
function checkStatusLabel(
  status: CellCheckStatus,
  trans: TranslationBundle
): string {
  switch (status) {
    case 'reproduced':
      return trans.__('reproduced');
    case 'ran':
      return trans.__('ran (nothing recorded to compare)');
    case 'differs':
      return trans.__('differs');
    case 'failed':
      return trans.__('failed');
    case 'not_run':
      return trans.__('did not run');
  }
}

/** How one exported cell fared, e.g. "Cell [3] differs: unseeded randomness". */
export function cellCheckLabel(
  check: ICellCheck,
  trans: TranslationBundle
): string {
  const name =
    check.execution_count !== undefined
      ? trans.__('Cell [%1]', check.execution_count)
      : trans.__('Cell %1', check.index + 1);
  const status = checkStatusLabel(check.status, trans);
  // The cause is the server's words.
  return check.cause
    ? trans.__('%1 %2: %3', name, status, check.cause)
    : trans.__('%1 %2', name, status);
}

/** What a request changed, e.g. "2 cells added, 1 changed". */
export function changesSummary(
  changes: ReadonlyArray<INotebookChange>,
  trans: TranslationBundle
): string {
  const count = (kind: INotebookChange['kind']) =>
    changes.filter(change => change.kind === kind).length;
  const [added, changed, rerun] = [
    count('inserted'),
    count('edited'),
    count('rerun')
  ];
  // "cells" once: "1 cell added, 2 changed, 1 run again".
  const parts = [
    added > 0 && trans._n('%1 cell added', '%1 cells added', added),
    changed > 0 &&
      (added > 0
        ? trans._n('%1 changed', '%1 changed', changed)
        : trans._n('%1 cell changed', '%1 cells changed', changed)),
    rerun > 0 &&
      (added + changed > 0
        ? trans._n('%1 run again', '%1 run again', rerun)
        : trans._n('%1 cell run again', '%1 cells run again', rerun))
  ].filter((part): part is string => typeof part === 'string');
  return parts.join(', ');
}

/** How an undo went, e.g. "Undone: 1 cell restored, 2 cells removed." */
export function undoSummary(
  undo: IUndoOutcome,
  trans: TranslationBundle
): string {
  const parts = [
    undo.restored.length > 0 &&
      trans._n('%1 cell restored', '%1 cells restored', undo.restored.length),
    undo.removed.length > 0 &&
      trans._n('%1 cell removed', '%1 cells removed', undo.removed.length),
    undo.kept.length > 0 &&
      trans._n(
        '%1 cell kept as you changed it',
        '%1 cells kept as you changed them',
        undo.kept.length
      )
  ].filter((part): part is string => typeof part === 'string');
  return parts.length > 0
    ? trans.__('Undone: %1.', parts.join(', '))
    : trans.__('Undone: nothing was left to take back.');
}
