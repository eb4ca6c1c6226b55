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
  openPanel,
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

  // The kernel still holds base = 21; re-running the restored cell gives 20 back.
  await changes.getByRole('button', { name: 'Re-run restored cells' }).click();
  await expect
    .poll(async () => {
      const [first] = await page.evaluate(() => {
        const panel = window.jupyterapp.shell.currentWidget as any;
        return panel.content.model
          .toJSON()
          .cells.map((cell: any) => cell.execution_count);
      });
      return first;
    })
    .toEqual(expect.any(Number));
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
  await dialog.getByRole('button', { name: 'Keep mine' }).click();

  await expect(changes).toContainText(
    'Undone: 1 cell removed, 1 cell kept as you changed it.'
  );
  expect(
    (await cellSources(page, 'undo-conflict.ipynb')).map(cell => cell.source)
  ).toEqual(['start = 0', 'total = 40 + 2  # mine now']);
});
