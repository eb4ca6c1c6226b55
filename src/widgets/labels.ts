/** The words the chat panel shows for states of the protocol. */
import type { IStepEntry, Usage } from '../model';
import type { IStatusMessage } from '../protocol';

/** The status line for a `status` message. */
export function phaseLabel(status: IStatusMessage): string {
  switch (status.phase) {
    case 'thinking':
      return 'Thinking…';
    case 'writing_code':
      return 'Writing code…';
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
