import { expect, test } from './fixtures';
import { chat, runCell } from './utils';

test('exports a reproducible notebook, opens it and shows its verification', async ({
  page,
  tmpPath,
  ci
}) => {
  const { exportButton, panel } = await ci.start('report.ipynb', [
    runCell('print(6 * 7)'),
    { text: '42.' }
  ]);
  await ci.askUntilDone('What is six times seven?');

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

test('the export command is in the palette', async ({ page, ci }) => {
  await ci.start('palette.ipynb');
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
