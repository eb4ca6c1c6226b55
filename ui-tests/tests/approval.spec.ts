import { expect, test } from './fixtures';
import { modelRequests, notebookCells, runCell, taggedCells } from './utils';

test('an install waits for the user, and nothing runs when declined', async ({
  page,
  request,
  ci
}) => {
  const { panel, status } = await ci.start('install.ipynb', [
    runCell('%pip install tinypkg\nimport tinypkg'),
    { text: 'I will do without tinypkg.' }
  ]);
  await ci.ask('Use tinypkg.');

  const card = panel.getByRole('group', { name: 'Install request' });
  await expect(card).toContainText(
    "The assistant wants to install tinypkg into this notebook's environment."
  );
  await card.getByRole('button', { name: "Don't install" }).click();
  await expect(card).toContainText('Declined: tinypkg will not be installed.');
  await expect(card.getByRole('button')).toHaveCount(0);
  await expect(status).toHaveText('Done', { timeout: 60000 });

  expect(taggedCells(await notebookCells(page, 'install.ipynb'))).toHaveLength(
    0
  );
  const bodies = await modelRequests(request);
  expect(JSON.stringify(bodies[bodies.length - 1])).toContain('tinypkg');
});
