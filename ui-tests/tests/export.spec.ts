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

test('an export never moves the chat, however slowly the exported notebook opens', async ({
  page,
  ci
}) => {
  const long = (n: number) =>
    `Answer ${n}. ` + 'The numbers add up as the table shows. '.repeat(20);
  const { panel, exportButton, target } = await ci.start('long.ipynb', [
    runCell("print('\\n'.join(str(x) for x in range(30)))"),
    { text: long(1) }
  ]);
  await ci.askUntilDone('First.');
  for (const n of [2, 3]) {
    await ci.script([
      runCell(`print('\\n'.join(str(x * ${n}) for x in range(30)))`),
      { text: long(n) }
    ]);
    await ci.askUntilDone(`Request ${n}.`);
  }
  // The user scrolls up to read.
  const log = panel.getByRole('log', { name: 'Conversation' });
  await log.hover();
  await page.mouse.wheel(0, -500);
  await expect
    .poll(() => log.evaluate(node => node.scrollTop))
    .toBeGreaterThan(0);
  const reading = await log.evaluate(node => node.scrollTop);
  // The exported notebook is slow to load (a big notebook, a busy server).
  await page.route(/\/api\/contents\/.*long-export\.ipynb/, async route => {
    await new Promise(resolve => setTimeout(resolve, 1500));
    await route.fallback();
  });

  await exportButton.click();
  const seen = new Set<string>();
  const positions = new Set<number>();
  const card = panel.locator('.jp-ci-Export');
  while (!/reproduced|differ/.test((await card.textContent()) ?? '')) {
    seen.add((await target.textContent()) ?? '');
    positions.add(await log.evaluate(node => node.scrollTop));
    await page.waitForTimeout(50);
  }
  await expect(
    page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab', {
      hasText: 'long-export.ipynb'
    })
  ).toBeVisible();

  // The chat showed this notebook's conversation throughout, where it was.
  expect([...seen]).toEqual(['long.ipynb']);
  expect([...positions]).toEqual([reading]);
  expect(await log.evaluate(node => node.scrollTop)).toBe(reading);
});
