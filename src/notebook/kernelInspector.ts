/**
 * Silent lookups the server asks for in a notebook's kernel (its variables,
 * its working directory, facts for an error hint): the code runs with
 * `silent` and without history, so the notebook gets no cell, no execution
 * count and no output; only what the code printed comes back.
 */
import { KernelMessage } from '@jupyterlab/services';
import type { Kernel } from '@jupyterlab/services';

import { ExecutionStart, IQueueListener } from './executionStart';
import { Timer } from '../timer';

/**
 * Run code silently in a kernel and return what it printed to stdout.
 *
 * The timeout counts from the lookup's start: queued behind the user's own
 * cell, it waits (and says so through `queue`). Resolves with null when it
 * runs past `timeoutSeconds`; the kernel is then interrupted if the lookup
 * is what it runs, never otherwise.
 */
export async function inspectSilently(
  kernel: Kernel.IKernelConnection,
  code: string,
  timeoutSeconds: number,
  queue?: IQueueListener
): Promise<string | null> {
  let sent: string | null = null;
  const start = new ExecutionStart(kernel, id => id === sent);
  const future = kernel.requestExecute({
    code,
    silent: true,
    store_history: false,
    allow_stdin: false
  });
  sent = future.msg.header.msg_id;
  let stdout = '';
  future.onIOPub = message => {
    if (
      KernelMessage.isStreamMsg(message) &&
      message.content.name === 'stdout'
    ) {
      stdout += message.content.text;
    }
  };
  const done = future.done.then(
    () => true,
    () => true
  );
  if (start.queued) {
    queue?.waiting();
    await Promise.race([start.started, done]);
    queue?.started();
  }
  const timer = new Timer(timeoutSeconds * 1000);
  try {
    const finished = await Promise.race([
      done,
      timer.elapsed.then(() => false)
    ]);
    if (!finished) {
      if (start.hasStarted) {
        // Ours runs: interrupting stops nothing else.
        await kernel.interrupt().catch(error => {
          console.warn('ci-jupyterlab: interrupting the kernel failed', error);
        });
      }
      return null;
    }
    return stdout;
  } finally {
    timer.clear();
    start.dispose();
    future.dispose();
  }
}
