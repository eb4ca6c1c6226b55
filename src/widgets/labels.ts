/** The words the chat panel shows for states of the protocol. */
import type { IStepEntry } from '../entries';
import type { Usage } from '../model';
import type { ICellCheck, IStatusMessage, IVerification } from '../protocol';

/** The status line for a `status` message. */
export function phaseLabel(status: IStatusMessage): string {
  switch (status.phase) {
    case 'thinking':
      return 'Thinking…';
    case 'waiting':
      return status.message || 'Waiting for the kernel: your cell is running.';
    case 'running':
      return 'Running cell…';
    case 'fixing':
      return status.attempt && status.max_attempts
        ? `Fixing: attempt ${status.attempt} of ${status.max_attempts}`
        : 'Fixing…';
    case 'done':
      return 'Done';
    case 'stopped':
      return 'Stopped';
    case 'error':
      return 'Error';
  }
}

/** How a step ended, in a few words. */
export function stepStateLabel(step: IStepEntry): string {
  switch (step.state) {
    case 'running':
      return 'Running…';
    case 'ok':
      return '✓ Ran';
    case 'error':
      return step.error
        ? `${step.error.ename}: ${step.error.evalue}`
        : 'The cell raised an error';
    case 'timeout':
      return 'Timed out: the kernel was interrupted';
    case 'kernel_dead':
      return 'The kernel died';
    case 'kernel_restarted':
      return 'The kernel restarted';
    case 'notebook_closed':
      return 'The notebook was closed';
    case 'no_response':
      return 'The notebook never reported the result';
    case 'cancelled':
      return 'Stopped';
  }
}

/** Token usage, e.g. "1,234 tokens in · 56 out". */
export function usageLabel(usage: Usage): string {
  return `${usage.prompt_tokens.toLocaleString()} tokens in · ${usage.completion_tokens.toLocaleString()} out`;
}

/** The file name of a path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

const SIZE_UNITS = ['KB', 'MB', 'GB', 'TB'];

/** A file size, e.g. "532 B", "1.4 MB". */
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
export function verificationLabel(verification: IVerification | null): string {
  if (!verification) {
    return 'Not verified.';
  }
  const { reproduced, total } = verification;
  return `${reproduced} of ${total} ${total === 1 ? 'cell' : 'cells'} reproduced in a fresh kernel.`;
}

const CHECK_STATUS_LABELS: Record<ICellCheck['status'], string> = {
  reproduced: 'reproduced',
  ran: 'ran (nothing recorded to compare)',
  differs: 'differs',
  failed: 'failed',
  not_run: 'did not run'
};

/** How one exported cell fared, e.g. "Cell [3] differs: unseeded randomness". */
export function cellCheckLabel(check: ICellCheck): string {
  const name =
    check.execution_count !== undefined
      ? `Cell [${check.execution_count}]`
      : `Cell ${check.index + 1}`;
  const cause = check.cause ? `: ${check.cause}` : '';
  return `${name} ${CHECK_STATUS_LABELS[check.status]}${cause}`;
}
