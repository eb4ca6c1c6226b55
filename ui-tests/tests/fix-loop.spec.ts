import { expect, test } from './fixtures';
import {
  modelRequests,
  notebookCells,
  outputText,
  runCell,
  taggedCells
} from './utils';

const BROKEN = 'print(math.sqrt(16))';
const FIXED = 'import math\nprint(math.sqrt(16))';

test('writes a cell, runs it, reads the error and fixes the cell', async ({
  page,
  request,
  ci
}) => {
  const { steps, assistant } = await ci.start('fix.ipynb', [
    runCell(BROKEN),
    runCell(FIXED),
    { text: 'The square root of 16 is **4**.' }
  ]);

  await ci.askUntilDone('What is the square root of 16?');

  // The notebook keeps one cell for the step: the fix, run, with its output.
  const tagged = taggedCells(await notebookCells(page, 'fix.ipynb'));
  expect(tagged).toHaveLength(1);
  expect(tagged[0].source).toBe(FIXED);
  expect(tagged[0].execution_count).toEqual(expect.any(Number));
  expect(outputText(tagged[0])).toContain('4.0');
  await expect(
    page.locator('.jp-NotebookPanel .jp-OutputArea-output', {
      hasText: '4.0'
    })
  ).toBeVisible();

  // The chat keeps the failed attempt, then the fix.
  await expect(steps).toHaveCount(2);
  await expect(steps.nth(0)).toHaveClass(/jp-ci-Step-error/);
  await expect(steps.nth(0)).toContainText(
    "NameError: name 'math' is not defined"
  );
  await expect(steps.nth(1)).toContainText('Step 1 · attempt 2');
  await expect(steps.nth(1)).toHaveClass(/jp-ci-Step-ok/);

  // The answer is rendered markdown.
  await expect(assistant.last().locator('strong')).toHaveText('4');
  await expect(assistant.last()).toContainText('The square root of 16 is 4.');

  // The model saw the error before it wrote the fix.
  const bodies = await modelRequests(request);
  expect(bodies.length).toBeGreaterThanOrEqual(2);
  expect(JSON.stringify(bodies[1])).toContain('NameError');
});

test('"Go to cell" activates the cell that holds the step', async ({
  page,
  ci
}) => {
  const { steps } = await ci.start('goto.ipynb', [
    runCell(BROKEN),
    runCell(FIXED),
    { text: 'Done.' }
  ]);
  await ci.askUntilDone('Square root of 16, please.');

  // Move away: another cell of the notebook, then another tab.
  await page.notebook.selectCells(0);
  await page.evaluate(async () => {
    // Not the launcher widget itself: too deep a graph to return.
    await window.jupyterapp.commands.execute('launcher:create');
  });
  await expect(page.locator('.jp-NotebookPanel')).toBeHidden();

  // The first attempt's cell now holds the fix.
  await steps.nth(0).getByRole('button', { name: 'Go to cell' }).click();
  const active = page.locator('.jp-NotebookPanel .jp-Cell.jp-mod-active');
  await expect(active).toBeVisible();
  await expect(active).toContainText('import math');
});
