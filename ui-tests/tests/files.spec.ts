import { expect, test } from '@jupyterlab/galata';

import { ask, chat, openPanel, runCell, scriptModel } from './utils';

const WRITE_CSV = "open('out.csv', 'w').write('a,b\\n1,2\\n')";

test('files a step writes are linked under it', async ({
  page,
  request,
  tmpPath
}) => {
  await scriptModel(request, [runCell(WRITE_CSV), { text: 'Saved.' }]);
  await page.notebook.createNew('files.ipynb');
  await openPanel(page);
  const { status, steps } = chat(page);
  await ask(page, 'Save a small CSV.');
  await expect(status).toHaveText('Done', { timeout: 60000 });

  const files = steps.first().locator('.jp-ci-Files');
  await expect(files).toContainText('out.csv');
  await expect(files).toContainText('created');
  await expect(files.getByLabel('Download out.csv')).toHaveAttribute(
    'href',
    new RegExp(`/files/${tmpPath}/out\\.csv$`)
  );

  await files.getByRole('button', { name: 'out.csv' }).click();
  await expect(
    page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab', { hasText: 'out.csv' })
  ).toBeVisible();
});
