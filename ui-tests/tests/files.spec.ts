import { expect, test } from './fixtures';
import { runCell } from './utils';

const WRITE_CSV = "open('out.csv', 'w').write('a,b\\n1,2\\n')";

test('files a step writes are linked under it', async ({
  page,
  tmpPath,
  ci
}) => {
  const { steps } = await ci.start('files.ipynb', [
    runCell(WRITE_CSV),
    { text: 'Saved.' }
  ]);
  await ci.askUntilDone('Save a small CSV.');

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
