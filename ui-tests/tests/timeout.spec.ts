import { expect, test } from './fixtures';
import {
  notebookCells,
  outputText,
  runCell,
  taggedCells,
  unmockedKernels
} from './utils';

test.use(unmockedKernels);

test('a cell running past the timeout is interrupted and reported', async ({
  page,
  ci
}) => {
  // jupyter_server_test_config.py sets the cell timeout to 30 s.
  test.setTimeout(150000);
  const { steps, status } = await ci.start('timeout.ipynb', [
    runCell('import time\ntime.sleep(300)'),
    { text: 'That took too long.' }
  ]);

  await ci.ask('Sleep for five minutes.');
  await expect(steps.first()).toHaveClass(/jp-ci-Step-timeout/, {
    timeout: 60000
  });
  await expect(steps.first()).toContainText('Timed out');
  await expect(status).toHaveText('Done', { timeout: 30000 });
  const [cell] = taggedCells(await notebookCells(page, 'timeout.ipynb'));
  expect(outputText(cell)).toContain('KeyboardInterrupt');
});
