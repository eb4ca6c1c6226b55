/**
 * The panel's preferences (schema/plugin.json) apply as soon as the user
 * changes them, without a reload.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import { ask, chat, openPanel, runCell, scriptModel } from './utils';

/** Change one of the extension's settings, as the Settings Editor does. */
async function setSetting(
  page: IJupyterLabPageFixture,
  key: string,
  value: number
): Promise<void> {
  await page.evaluate(
    async ([key, value]) => {
      const registry = await window.galata.getPlugin(
        '@jupyterlab/apputils-extension:settings'
      );
      await registry!.set('ci-jupyterlab:plugin', key as string, value);
    },
    [key, value] as const
  );
}

test('the height above which outputs collapse follows the settings', async ({
  page,
  request
}) => {
  await scriptModel(request, [
    runCell("print('\\n'.join(f'line {i}' for i in range(200)))"),
    { text: 'Done.' }
  ]);
  await page.notebook.createNew('tall.ipynb');
  await openPanel(page);
  await ask(page, 'Many lines.');
  await expect(chat(page).status).toHaveText('Done', { timeout: 60000 });
  const step = chat(page).steps.first();
  await expect(step.getByRole('button', { name: 'Show more' })).toBeVisible();

  await setSetting(page, 'collapsedOutputHeight', 100000);
  await expect(step.getByRole('button', { name: 'Show more' })).toHaveCount(0);
});

test('attached files are sent in chunks of the size the settings say', async ({
  page,
  tmpPath
}) => {
  await page.notebook.createNew('chunks.ipynb');
  await openPanel(page);
  await setSetting(page, 'uploadChunkSize', 65536);
  const saves: string[] = [];
  page.on('request', sent => {
    if (sent.method() === 'PUT' && sent.url().includes('/api/contents/')) {
      saves.push(sent.url());
    }
  });

  await chat(page).filePicker.setInputFiles({
    name: 'small.txt',
    mimeType: 'text/plain',
    buffer: Buffer.alloc(200 * 1024, 'x')
  });
  await expect(chat(page).chips).toHaveText([/small\.txt/]);
  await expect(page.locator('.jp-ci-ChatPanel .jp-ci-Progress')).toHaveCount(0);
  // 200 KiB in pieces of 64 KiB: four requests.
  expect(
    saves.filter(url => url.includes(`${tmpPath}/small.txt`))
  ).toHaveLength(4);
});
