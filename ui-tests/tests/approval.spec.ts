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

/** A step that makes a tiny wheel next to the notebook, so pip has something to install offline. */
const MAKE_WHEEL = `import zipfile
info = 'ci_demo_pkg-0.1.dist-info'
files = {'ci_demo_pkg/__init__.py': 'VALUE = 1\\n',
         info + '/METADATA': 'Metadata-Version: 2.1\\nName: ci_demo_pkg\\nVersion: 0.1\\n',
         info + '/WHEEL': 'Wheel-Version: 1.0\\nGenerator: t\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n'}
files[info + '/RECORD'] = ''.join(name + ',,\\n' for name in [*files, info + '/RECORD'])
with zipfile.ZipFile('ci_demo_pkg-0.1-py3-none-any.whl', 'w') as wheel:
    for name, text in files.items():
        wheel.writestr(name, text)`;

test('an install card says what pip will install and what is there already; the notebook gets no bookkeeping', async ({
  page,
  ci
}) => {
  const { panel, status } = await ci.start('plan.ipynb', [
    runCell(MAKE_WHEEL),
    runCell('%pip install ./ci_demo_pkg-0.1-py3-none-any.whl'),
    runCell('%pip install traitlets\nimport traitlets'),
    { text: 'traitlets was there already.' }
  ]);
  await ci.ask('Install what you need.');

  const card = panel.getByRole('group', { name: 'Install request' });
  const plan = card.getByRole('list', { name: 'What pip will install' });
  await expect(plan).toContainText(
    'ci_demo_pkg 0.1 (asked for, from a local file)',
    { timeout: 60000 }
  );
  await expect(card).toContainText('Package index: ');
  await card.getByRole('button', { name: "Don't install" }).click();

  const second = panel.getByRole('group', { name: 'Install request' }).last();
  await expect(second).toContainText(
    'pip has nothing to install: all of it is there.',
    { timeout: 60000 }
  );
  await expect(second).toContainText(/Already installed: traitlets \d/);
  await second.getByRole('button', { name: 'Install', exact: true }).click();
  await expect(status).toHaveText('Done', { timeout: 60000 });

  const sources = taggedCells(await notebookCells(page, 'plan.ipynb')).map(
    cell => cell.source
  );
  expect(sources[sources.length - 1]).toBe(
    '%pip install traitlets\nimport traitlets'
  );
  expect(sources.join('\n')).not.toContain('_exit_code');
});
