import { expect, test } from './fixtures';
import {
  chat,
  notebookCells,
  outputText,
  runCell,
  taggedCells,
  unmockedKernels
} from './utils';

const SLOW = 'import time\nfor i in range(600):\n    time.sleep(0.1)';

test.use(unmockedKernels);

test('Stop interrupts the running cell and the panel takes a new request', async ({
  page,
  ci
}) => {
  const { status, stop, steps, input, send } = await ci.start('stop.ipynb', [
    runCell(SLOW),
    { text: 'Finished.' }
  ]);

  await ci.ask('Wait for a minute.');
  await expect(steps.first()).toContainText('Running…', { timeout: 60000 });
  await expect(
    page.locator('.jp-InputPrompt', { hasText: '[*]' })
  ).toBeVisible();
  await expect(stop).toBeEnabled();
  await stop.click();

  await expect(
    page.locator('.jp-NotebookPanel .jp-OutputArea-output', {
      hasText: 'KeyboardInterrupt'
    })
  ).toBeVisible({ timeout: 15000 });
  await expect(status).toHaveText('Stopped', { timeout: 15000 });
  await expect(stop).toBeDisabled();
  await expect(steps.first()).toHaveClass(/jp-ci-Step-cancelled/);
  const [cell] = taggedCells(await notebookCells(page, 'stop.ipynb'));
  expect(outputText(cell)).toContain('KeyboardInterrupt');

  await ci.script([{ text: 'Ready for the next one.' }]);
  await input.fill('Are you still there?');
  await expect(send).toBeEnabled();
  await send.click();
  await expect(status).toHaveText('Done', { timeout: 30000 });
  await expect(chat(page).assistant.last()).toContainText(
    'Ready for the next one.'
  );
});
