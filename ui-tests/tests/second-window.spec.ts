/**
 * With jupyter-collaboration only (playwright.collab.config.js; the default
 * configuration leaves this spec out): the assistant's edits go through the
 * notebook's shared model, so a second window on the same notebook sees its
 * cells as they are written, without a reload.
 */
import { expect, test } from './fixtures';
import { runCell } from './utils';

const BROKEN = 'print(math.sqrt(16))';
const FIXED = 'import math\nprint(math.sqrt(16))';

test('a second window on the notebook sees the assistant’s cells as they come', async ({
  browser,
  baseURL,
  tmpPath,
  ci
}) => {
  await ci.start('shared.ipynb', [
    runCell(BROKEN),
    runCell(FIXED),
    { text: 'It is 4.' }
  ]);
  const other = await browser.newPage();
  try {
    await other.goto(`${baseURL}/lab/tree/${tmpPath}/shared.ipynb`);
    await expect(other.locator('.jp-NotebookPanel .jp-Cell')).toHaveCount(1, {
      timeout: 60000
    });

    await ci.askUntilDone('What is the square root of 16?');

    // The fix replaced the failed attempt in the one cell, in this window too.
    await expect(
      other.locator('.jp-NotebookPanel .jp-Cell .jp-InputArea-editor', {
        hasText: 'import math'
      })
    ).toHaveCount(1, { timeout: 30000 });
    await expect(other.locator('.jp-NotebookPanel .jp-Cell')).toHaveCount(1);
  } finally {
    await other.close();
  }
});
