/**
 * Undo request: the notebook's cells are exactly as before the request
 * (cells it added removed, the cell it edited given its source back). Also
 * run with jupyter-collaboration (playwright.collab.config.js).
 */
import { expect, test } from './fixtures';
import {
  cellSources,
  chat,
  editCell,
  notebookCells,
  openPanel,
  outputText,
  runCell,
  savedAs,
  userNotebook
} from './utils';

test('Undo request gives the notebook back exactly as it was', async ({
  page,
  ci
}) => {
  await ci.script([
    runCell('doubled = base * 2'),
    runCell('print(doubled)'),
    editCell('#1', 'base = 21'),
    { text: 'Added two cells and changed your first one.' }
  ]);
  await userNotebook(page, 'undo.ipynb', ['base = 20', 'label = "mine"']);
  const before = await cellSources(page, 'undo.ipynb');
  await openPanel(page);
  await ci.askUntilDone('Double the base.');

  const { changes } = chat(page);
  await expect(changes).toContainText('2 cells added, 1 changed');
  expect(await cellSources(page, 'undo.ipynb')).toHaveLength(4);

  await changes.getByRole('button', { name: 'Undo request' }).click();
  await expect(changes).toContainText(
    'Undone: 1 cell restored, 2 cells removed.'
  );
  await expect(changes).toContainText('not the kernel');
  expect(await cellSources(page, 'undo.ipynb')).toEqual(before);
  await expect(page.locator('.jp-Cell.jp-ci-mod-changed')).toHaveCount(0);
  // On disk too: with jupyter-collaboration the server writes the file from
  // the shared document, so the undo went through it.
  await savedAs(page, 'undo.ipynb', before);

  // The restored cell has its own run back (its execution count); the kernel
  // still holds base = 21, and re-running it runs it anew.
  const counts = async () =>
    (await notebookCells(page, 'undo.ipynb')).map(cell => cell.execution_count);
  const [restoredCount] = await counts();
  expect(restoredCount).toBe(1);
  await changes.getByRole('button', { name: 'Re-run restored cells' }).click();
  await expect
    .poll(async () => (await counts())[0])
    .toBeGreaterThan(restoredCount!);
});

test('Undo of a Fix gives the cell back its error, its execution count and its Fix button', async ({
  page,
  ci
}) => {
  const broken = "prices = {'tea': 3}\nprint(prices['coffee'])";
  await ci.script([
    editCell('#2', "prices = {'tea': 3}\nprint(prices.get('coffee', 0))"),
    { text: 'There is no coffee price: 0 is used.' }
  ]);
  await userNotebook(page, 'undo-fix.ipynb', ['rate = 2', broken]);
  const before = await notebookCells(page, 'undo-fix.ipynb');
  expect(before[1].execution_count).toBe(2);
  const fix = page.getByRole('button', { name: 'Fix with Code Interpreter' });
  await fix.click();
  await expect(chat(page).status).toHaveText('Done', { timeout: 60000 });
  await expect(fix).toHaveCount(0);

  await chat(page)
    .changes.getByRole('button', { name: 'Undo request' })
    .click();

  await expect(chat(page).changes).toContainText('Undone: 1 cell restored');
  const after = await notebookCells(page, 'undo-fix.ipynb');
  expect(after[1].source).toBe(broken);
  expect(after[1].execution_count).toBe(2);
  expect(outputText(after[1])).toBe("KeyError: 'coffee'");
  expect(after.map(cell => cell.execution_count)).toEqual(
    before.map(cell => cell.execution_count)
  );
  // The error shows again with its buttons: the user can fix it another way.
  await expect(fix).toBeVisible();
  await expect(
    page.getByRole('button', { name: 'Explain with Code Interpreter' })
  ).toBeVisible();
});

test('Undo asks about a cell the user changed since, and keeps the user’s version when told to', async ({
  page,
  ci
}) => {
  await ci.script([
    runCell('total = 1 + 1'),
    runCell('print(total)'),
    { text: 'Added two cells.' }
  ]);
  await userNotebook(page, 'undo-conflict.ipynb', ['start = 0']);
  await openPanel(page);
  await ci.askUntilDone('Add things up.');
  const { changes } = chat(page);
  await expect(changes).toContainText('2 cells added');

  // The user rewrites the first cell the assistant added.
  await page.notebook.setCell(1, 'code', 'total = 40 + 2  # mine now');
  await changes.getByRole('button', { name: 'Undo request' }).click();
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog).toContainText('You changed this cell since');
  // The safe choice is the default: Enter keeps the user's version.
  await expect(dialog.getByRole('button', { name: 'Keep mine' })).toBeFocused();
  await page.keyboard.press('Enter');

  await expect(changes).toContainText(
    'Undone: 1 cell removed, 1 cell kept as you changed it.'
  );
  expect(
    (await cellSources(page, 'undo-conflict.ipynb')).map(cell => cell.source)
  ).toEqual(['start = 0', 'total = 40 + 2  # mine now']);
});
