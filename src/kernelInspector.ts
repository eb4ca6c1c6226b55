/**
 * Silent lookups the server asks for in a notebook's kernel (its variables,
 * its working directory, facts for an error hint): the code runs with
 * `silent` and without history, so the notebook gets no cell, no execution
 * count and no output; only what the code printed comes back.
 */
import { KernelMessage } from '@jupyterlab/services';
import type { Kernel } from '@jupyterlab/services';

import { Timer } from './timer';

/**
 * Run code silently in a kernel and return what it printed to stdout.
 *
 * Resolves with null when it runs past `timeoutSeconds`; the kernel is then
 * interrupted so that it does not hold up the cells queued after it.
 */
export async function inspectSilently(
  kernel: Kernel.IKernelConnection,
  code: string,
  timeoutSeconds: number
): Promise<string | null> {
  const future = kernel.requestExecute({
    code,
    silent: true,
    store_history: false,
    allow_stdin: false
  });
  let stdout = '';
  future.onIOPub = message => {
    if (
      KernelMessage.isStreamMsg(message) &&
      message.content.name === 'stdout'
    ) {
      stdout += message.content.text;
    }
  };
  const timer = new Timer(timeoutSeconds * 1000);
  try {
    const finished = await Promise.race([
      future.done.then(
        () => true,
        () => true
      ),
      timer.elapsed.then(() => false)
    ]);
    if (!finished) {
      await kernel.interrupt().catch(error => {
        console.warn('ci-jupyterlab: interrupting the kernel failed', error);
      });
      return null;
    }
    return stdout;
  } finally {
    timer.clear();
    future.dispose();
  }
}
