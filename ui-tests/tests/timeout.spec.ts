import { expect, test } from '@jupyterlab/galata';

import {
  ask,
  chat,
  notebookCells,
  openPanel,
  outputText,
  runCell,
  scriptModel,
  taggedCells,
  unmockedKernels
} from './utils';

test.use(unmockedKernels);

test('a cell running past the timeout is interrupted and reported', async ({
  page,
  request
}) => {
  // jupyter_server_test_config.py sets the cell timeout to 30 s.
  test.setTimeout(150000);
  await scriptModel(request, [
    runCell('import time\ntime.sleep(300)'),
    { text: 'That took too long.' }
  ]);
  await page.notebook.createNew('timeout.ipynb');
  await openPanel(page);
  const { steps, status } = chat(page);

  await ask(page, 'Sleep for five minutes.');
  await expect(steps.first()).toHaveClass(/jp-ci-Step-timeout/, {
    timeout: 60000
  });
  await expect(steps.first()).toContainText('Timed out');
  await expect(status).toHaveText('Done', { timeout: 30000 });
  const [cell] = taggedCells(await notebookCells(page, 'timeout.ipynb'));
  expect(outputText(cell)).toContain('KeyboardInterrupt');
});
