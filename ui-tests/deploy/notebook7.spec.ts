/**
 * The panel in Notebook 7: it opens in the notebook page's right sidebar
 * with the same shortcut and commands as in Lab, runs and fixes cells in the
 * open notebook, and exports it verified. The server is `jupyter notebook`,
 * started by deploy-tests/test_notebook7.py with fix.ipynb in its root.
 */
import { expect, test } from '@playwright/test';

import {
  appReady,
  askUntilDone,
  chat,
  expectFixed,
  FIX_LOOP,
  openWithShortcut,
  scriptModel
} from './helpers';

const NOTEBOOK_URL = process.env.CI_NOTEBOOK_URL ?? 'http://127.0.0.1:8890/';

test('the fix loop and the export in Notebook 7', async ({
  page,
  context,
  request
}) => {
  await page.goto(`${NOTEBOOK_URL}notebooks/fix.ipynb`);
  await appReady(page);
  await page.evaluate(async () => {
    const widget = (window as any).jupyterapp.shell.currentWidget;
    await widget.context.ready;
    await widget.sessionContext.ready;
  });
  const commands = await page.evaluate(() =>
    [
      'ci-jupyterlab:open',
      'ci-jupyterlab:send',
      'ci-jupyterlab:stop',
      'ci-jupyterlab:export'
    ].filter(id => (window as any).jupyterapp.commands.hasCommand(id))
  );
  expect(commands).toHaveLength(4);

  await scriptModel(request, FIX_LOOP);
  await openWithShortcut(page);
  // In the notebook page's right sidebar.
  await expect(page.locator('#jp-right-stack .jp-ci-ChatPanel')).toBeVisible();

  await askUntilDone(page, 'What is the square root of 16?');
  await expectFixed(page, request, 'fix.ipynb');

  // The export opens in a tab of its own (Notebook 7 opens documents so).
  const opened = context.waitForEvent('page', { timeout: 90000 });
  await chat(page).exportButton.click();
  const card = chat(page).panel.locator('.jp-ci-Export');
  await expect(card).toContainText(/1 of 1 cell reproduced/, {
    timeout: 90000
  });
  await expect(card).toContainText('fix-export.ipynb');
  const exportPage = await opened;
  await exportPage.waitForLoadState();
  expect(exportPage.url()).toContain('fix-export.ipynb');
  const exists = await request.get(
    `${NOTEBOOK_URL}api/contents/fix-export.ipynb?content=0`
  );
  expect(exists.ok()).toBe(true);
});
