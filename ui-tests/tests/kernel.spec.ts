import { expect, test } from './fixtures';
import { runCell, unmockedKernels } from './utils';

const SLOW = 'import time\ntime.sleep(60)';

test.use(unmockedKernels);

test('a kernel restart during a step ends the step and the request', async ({
  page,
  ci
}) => {
  const { steps, stop, send, input } = await ci.start('restart.ipynb', [
    runCell(SLOW)
  ]);

  await ci.ask('Sleep for a minute.');
  await expect(steps.first()).toContainText('Running…', { timeout: 60000 });
  await page.evaluate(async () => {
    const panel = window.jupyterapp.shell.currentWidget as any;
    await panel.sessionContext.restartKernel();
  });

  await expect(steps.first()).toHaveClass(/jp-ci-Step-kernel_restarted/, {
    timeout: 15000
  });
  await expect(steps.first()).toContainText('The kernel restarted');
  await expect(page.locator('.jp-ci-Notice')).toContainText(
    'the kernel died or restarted'
  );
  await expect(stop).toBeDisabled();
  await input.fill('Again?');
  await expect(send).toBeEnabled();
});
