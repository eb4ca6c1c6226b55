/**
 * Right answers, not just running code: a cell that ran but is wrong shows
 * its check, the answer is held against the outputs, the project's rules
 * show, a fix that leaves the notebook failing from the top says so,
 * Restore state keeps outputs, an upstream edit re-runs what depends on it,
 * and Undo request can restore the kernel.
 */
import { expect, test } from './fixtures';
import {
  chat,
  editCell,
  notebookCells,
  openPanel,
  outputText,
  runCell,
  unmockedKernels,
  userNotebook
} from './utils';

test.use(unmockedKernels);

/** Restart the current notebook's kernel, as the toolbar's restart does (without its dialog). */
async function restartKernel(page: any): Promise<void> {
  await page.evaluate(async () => {
    const panel = window.jupyterapp.shell.currentWidget as any;
    await panel.sessionContext.restartKernel();
  });
}

test('A cell that ran but is wrong shows its check; an invented number is sent back, then marked; the rules show', async ({
  page,
  ci,
  tmpPath
}) => {
  await page.contents.uploadContent(
    'Answer in one sentence.',
    'text',
    `${tmpPath}/AGENTS.md`
  );
  const { steps, assistant, user } = await ci.start('checks.ipynb', [
    runCell(
      "import pandas as pd\nsales = pd.DataFrame({'r': [1, 2]})\nsales[sales['r'] > 5]"
    ),
    { text: 'Two sales are above 5, worth $1,234 in all.' },
    { text: 'No sale is above 5 (I estimate $1,234 would be needed).' }
  ]);
  await ci.askUntilDone('Which sales are above 5?');

  const checks = steps.first().getByRole('list', { name: 'Checks' });
  await expect(checks).toContainText(
    'The result is an empty DataFrame (0 rows)'
  );

  // The first answer stays, folded; the revised one marks what no output shows.
  const first = page.locator('.jp-ci-FirstAnswer');
  await expect(first.locator('summary')).toHaveText('First answer');
  await expect(first).not.toHaveAttribute('open', /.*/);
  const mark = assistant.last().locator('.jp-ci-Unsupported');
  await expect(mark).toHaveText('$1,234');
  await expect(mark).toHaveAttribute('title', 'Not found in any output');

  // The project's rules: named under the request, a link that opens them.
  const rules = user.first().locator('.jp-ci-Rules');
  await expect(rules).toContainText('Rules:');
  await rules.getByRole('button', { name: `${tmpPath}/AGENTS.md` }).click();
  await expect(
    page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab', {
      hasText: 'AGENTS.md'
    })
  ).toBeVisible();
});

test('A fix that relies on what only its failed attempt defined is said; Restore state keeps the outputs it cannot remake', async ({
  page,
  ci
}) => {
  const { steps } = await ci.start('rerun-warning.ipynb', [
    runCell('total = sum([10, 20])\nprint(total)\nundefined_name'),
    runCell('print(total * 2)'),
    { text: 'Twice the total is 60.' }
  ]);
  await ci.askUntilDone('Twice the total?');
  await expect(steps).toHaveCount(2);
  const warning = page.locator('.jp-ci-Warning');
  await expect(warning).toContainText(
    'The notebook would fail when run from the top'
  );
  await expect(warning).toContainText('`total`');

  const cells = await notebookCells(page, 'rerun-warning.ipynb');
  const fixed = cells.findIndex(cell => cell.source === 'print(total * 2)');
  expect(outputText(cells[fixed])).toBe('60\n');

  await restartKernel(page);
  const card = page.getByRole('group', { name: 'Kernel lost' });
  await card.getByRole('button', { name: 'Restore state' }).click();
  await expect(card.getByRole('alert')).toContainText(
    "NameError: name 'total' is not defined (its earlier outputs were kept)"
  );
  const after = await notebookCells(page, 'rerun-warning.ipynb');
  expect(outputText(after[fixed])).toBe('60\n');
});

test('An edit of an earlier cell re-runs the cells that depend on it; Undo can restore the kernel', async ({
  page,
  ci
}) => {
  await ci.script([
    editCell('#1', "rate = 3\nextra = 'made by the request'"),
    { text: 'The rate is now 3: the price is 30.' }
  ]);
  await userNotebook(page, 'upstream.ipynb', [
    'rate = 2',
    'price = 10 * rate',
    'print(price)'
  ]);
  await openPanel(page);
  await ci.askUntilDone('Use a rate of 3.');

  const { steps, changes } = chat(page);
  await expect(steps).toHaveCount(3);
  await expect(steps.nth(1)).toContainText('Step 2 · run again');
  await expect(steps.nth(2)).toContainText('Step 3 · run again');
  await expect(changes).toContainText('1 cell changed, 2 run again');
  expect(outputText((await notebookCells(page, 'upstream.ipynb'))[2])).toBe(
    '30\n'
  );

  await changes.getByRole('button', { name: 'Review changes' }).click();
  await expect(
    changes.getByRole('group', { name: 'Step 2 · cell run again' })
  ).toContainText('Its source is unchanged');

  const restore = changes.getByRole('checkbox', {
    name: 'Also restore the kernel (restart it, then run 3 cells)'
  });
  await restore.check();
  await changes.getByRole('button', { name: 'Undo request' }).click();
  // The edited cell and the two run again: sources and outputs as before the request.
  await expect(changes).toContainText('Undone: 3 cells restored.');
  await expect(page.getByRole('group', { name: 'Kernel lost' })).toContainText(
    'State restored: 3 of 3 cells run again.',
    {
      timeout: 30000
    }
  );
  const cells = await notebookCells(page, 'upstream.ipynb');
  expect(cells.map(cell => cell.source)).toEqual([
    'rate = 2',
    'price = 10 * rate',
    'print(price)'
  ]);
  expect(outputText(cells[2])).toBe('20\n');

  // What the request made is gone from the kernel, what it overwrote is back.
  await page.notebook.addCell('code', "print(rate, 'extra' in globals())");
  await page.notebook.runCell(3, { inplace: true });
  await expect
    .poll(async () =>
      outputText((await notebookCells(page, 'upstream.ipynb'))[3])
    )
    .toBe('2 False\n');
});

test('A request that changed no state is not offered a kernel restore', async ({
  ci
}) => {
  const { changes } = await ci.start('no-state.ipynb', [
    runCell("print('hello')"),
    { text: 'Printed.' }
  ]);
  await ci.askUntilDone('Say hello.');
  await expect(changes).toContainText('1 cell added');
  await expect(changes.getByRole('checkbox')).toHaveCount(0);
});
