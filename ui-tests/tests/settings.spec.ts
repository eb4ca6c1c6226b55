/**
 * The panel's preferences (schema/plugin.json) apply as soon as the user
 * changes them, without a reload.
 */
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';

import { expect, test } from './fixtures';
import { runCell, uploadsDone } from './utils';

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
  ci
}) => {
  const { steps } = await ci.start('tall.ipynb', [
    runCell("print('\\n'.join(f'line {i}' for i in range(200)))"),
    { text: 'Done.' }
  ]);
  await ci.askUntilDone('Many lines.');
  const step = steps.first();
  await expect(step.getByRole('button', { name: 'Show more' })).toBeVisible();

  await setSetting(page, 'collapsedOutputHeight', 100000);
  await expect(step.getByRole('button', { name: 'Show more' })).toHaveCount(0);
});

test('attached files are sent in chunks of the size the settings say', async ({
  page,
  tmpPath,
  ci
}) => {
  const { filePicker, chips } = await ci.start('chunks.ipynb');
  await setSetting(page, 'uploadChunkSize', 65536);
  const saves: string[] = [];
  page.on('request', sent => {
    if (sent.method() === 'PUT' && sent.url().includes('/api/contents/')) {
      saves.push(sent.url());
    }
  });

  await filePicker.setInputFiles({
    name: 'small.txt',
    mimeType: 'text/plain',
    buffer: Buffer.alloc(200 * 1024, 'x')
  });
  await expect(chips).toHaveText([/small\.txt/]);
  await uploadsDone(page);
  // 200 KiB in pieces of 64 KiB: four requests.
  expect(
    saves.filter(url => url.includes(`${tmpPath}/small.txt`))
  ).toHaveLength(4);
});
