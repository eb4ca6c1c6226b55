/**
 * Lost work: a notebook deleted under a request is noticed, the request
 * stops and says so, and the notebook is never written back; the panel's
 * save and the user's at the same moment raise no "File Changed" dialog.
 */
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';

import { expect, test } from './fixtures';
import { runCell, savedAs, unmockedKernels } from './utils';

test.use(unmockedKernels);

/** The notebook's path as the server names it (Galata gives each test a folder). */
async function pathOf(
  page: IJupyterLabPageFixture,
  name: string
): Promise<string> {
  return page.evaluate(
    notebook =>
      [...window.jupyterapp.shell.widgets('main')]
        .map(widget => (widget as any).context?.path as string | undefined)
        .find(path => path?.endsWith(notebook))!,
    name
  );
}

test('a notebook deleted from elsewhere mid-request stops it and is not written back', async ({
  page,
  request,
  tmpPath,
  ci
}) => {
  const { steps, status, panel } = await ci.start('gone.ipynb', [
    runCell('import time\ntime.sleep(4)\nvalue = 1'),
    runCell('print("never")'),
    { text: 'Never said.' }
  ]);
  const path = await pathOf(page, 'gone.ipynb');
  await ci.ask('Take a moment, then print.');
  await expect(steps.first()).toContainText('Running…', { timeout: 60000 });

  // Another window (or a script) deletes it through the REST API.
  const deleted = await request.delete(`/api/contents/${path}`);
  expect(deleted.status()).toBe(204);

  await expect(panel.locator('.jp-ci-Error')).toContainText(
    'was deleted while the assistant worked in it',
    { timeout: 60000 }
  );
  await expect(status).not.toHaveText(/Running|Thinking/);
  await expect(steps).toHaveCount(1);
  await expect(steps.first()).toContainText('The notebook was deleted');
  // Whatever the panel does next (its saves after the step and at the end),
  // the file stays deleted.
  await page.waitForTimeout(2000);
  expect(await page.contents.fileExists(`${tmpPath}/gone.ipynb`)).toBe(false);
});

test('a notebook deleted in this window interrupts the assistant’s running cell at once', async ({
  page,
  tmpPath,
  ci
}) => {
  const { steps, status, panel } = await ci.start('deleted-here.ipynb', [
    runCell('import time\ntime.sleep(60)'),
    { text: 'Never said.' }
  ]);
  const path = await pathOf(page, 'deleted-here.ipynb');
  await ci.ask('Sleep a minute.');
  await expect(steps.first()).toContainText('Running…', { timeout: 60000 });

  // As the file browser deletes: through this window's contents manager.
  await page.evaluate(
    notebook => window.jupyterapp.serviceManager.contents.delete(notebook),
    path
  );

  await expect(panel.locator('.jp-ci-Error')).toContainText(
    'deleted-here.ipynb was deleted while the assistant worked in it: the request stopped, and nothing was written back.',
    { timeout: 15000 }
  );
  await expect(status).not.toHaveText(/Running|Thinking/, { timeout: 15000 });
  await expect(panel.locator('.jp-ci-Error')).toHaveCount(1);
  await page.waitForTimeout(2000);
  expect(await page.contents.fileExists(`${tmpPath}/deleted-here.ipynb`)).toBe(
    false
  );
});

test('the user’s save and the panel’s at the same moment raise no File Changed dialog', async ({
  page,
  ci
}) => {
  const { status } = await ci.start('both-save.ipynb', [
    runCell('value = 6 * 7'),
    { text: 'It is 42.', delay: 3 }
  ]);
  const path = await pathOf(page, 'both-save.ipynb');
  // The server is slow to answer the panel's first save: the file is
  // written, but its context does not know it yet when the user saves.
  let held = 0;
  await page.route(
    url => decodeURIComponent(url.pathname).endsWith(`/api/contents/${path}`),
    async route => {
      if (route.request().method() !== 'PUT' || held > 0) {
        return route.fallback();
      }
      held += 1;
      const answer = await route.fetch();
      await new Promise(resolve => setTimeout(resolve, 1500));
      await route.fulfill({ response: answer });
    }
  );
  await ci.ask('Six times seven.');
  await expect.poll(() => held, { timeout: 60000 }).toBe(1);

  // The user saves (Ctrl+S) while the panel's save is on its way (not
  // awaited: a "File Changed" dialog would hold it).
  await page.evaluate(() => {
    void window.jupyterapp.commands.execute('docmanager:save');
  });

  await expect(status).toHaveText('Done', { timeout: 60000 });
  await expect(page.locator('.jp-Dialog')).toHaveCount(0);
  await expect(
    page.locator('.lm-TabBar-tab.jp-mod-dirty', { hasText: 'both-save.ipynb' })
  ).toHaveCount(0);
  await savedAs(page, 'both-save.ipynb', [
    { cell_type: 'code', source: 'value = 6 * 7' }
  ]);
});
