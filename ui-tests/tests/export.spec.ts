import { expect, test } from '@jupyterlab/galata';

import { ask, chat, openPanel, runCell, scriptModel } from './utils';

test('exports a reproducible notebook, opens it and shows its verification', async ({
  page,
  request,
  tmpPath
}) => {
  await scriptModel(request, [runCell('print(6 * 7)'), { text: '42.' }]);
  await page.notebook.createNew('report.ipynb');
  await openPanel(page);
  const { status, exportButton, panel } = chat(page);
  await ask(page, 'What is six times seven?');
  await expect(status).toHaveText('Done', { timeout: 60000 });

  await exportButton.click();
  const card = panel.locator('.jp-ci-Export');
  await expect(card).toContainText('Exporting and verifying…');
  await expect(card).toContainText(/1 of 1 cell reproduced/, {
    timeout: 90000
  });
  await expect(card).toContainText('report-export.ipynb');

  // The export opened beside the notebook, which stays the chat's notebook.
  await expect(chat(page).target).toHaveText('report.ipynb');
  await expect(
    page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab', {
      hasText: 'report-export.ipynb'
    })
  ).toBeVisible();
  expect(await page.contents.fileExists(`${tmpPath}/report-export.ipynb`)).toBe(
    true
  );
});

test('the export command is in the palette', async ({ page }) => {
  await page.notebook.createNew('palette.ipynb');
  await openPanel(page);
  const enabled = await page.evaluate(() =>
    window.jupyterapp.commands.isEnabled('ci-jupyterlab:export')
  );
  expect(enabled).toBe(true);
  await page.evaluate(() =>
    window.jupyterapp.commands.execute('ci-jupyterlab:export')
  );
  await expect(chat(page).panel.locator('.jp-ci-Export')).toContainText(
    /reproduced|Not verified/,
    { timeout: 90000 }
  );
});
