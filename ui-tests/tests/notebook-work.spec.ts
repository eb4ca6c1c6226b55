/**
 * Working with the notebook the user already has: the model sees the
 * notebook, Explain runs nothing, a new notebook's empty cell is used, the
 * changes of a request are reviewed cell by cell, and what the user did
 * shows again after a reload.
 */
import { expect, test } from './fixtures';
import {
  cellSources,
  chat,
  editCell,
  modelRequests,
  notebookCells,
  openPanel,
  promptText,
  reloadLab,
  runCell,
  savedAs,
  taggedCells,
  userNotebook
} from './utils';

test('a request carries the notebook view, with the active cell marked', async ({
  page,
  request,
  ci
}) => {
  await ci.script([{ text: 'Cell 18 sets value_17.' }]);
  await page.notebook.createNew('thirty.ipynb');
  // Thirty cells of the user's, the 18th active.
  await page.evaluate(() => {
    const panel = window.jupyterapp.shell.currentWidget as any;
    const shared = panel.content.model.sharedModel;
    shared.transact(() => {
      shared.deleteCell(0);
      shared.insertCells(
        0,
        Array.from({ length: 30 }, (_, i) => ({
          cell_type: i % 10 === 9 ? 'markdown' : 'code',
          source: i % 10 === 9 ? `## Part ${i}` : `value_${i} = ${i}`
        }))
      );
    });
    panel.content.activeCellIndex = 17;
  });
  await openPanel(page);
  await ci.askUntilDone('What does the active cell do?');

  const [body] = await modelRequests(request);
  const prompt = promptText(body);
  for (let i = 0; i < 30; i++) {
    expect(prompt).toContain(
      i % 10 === 9 ? `## Part ${i}` : `value_${i} = ${i}`
    );
  }
  expect(prompt).toMatch(
    /#18 \(id [^)]+\) code[^\n]*active[^\n]*\nvalue_17 = 17/
  );
  expect(prompt).not.toMatch(/#17 \(id [^)]+\) code[^\n]*active/);
});

test('Explain with Code Interpreter, on an error restored from disk, answers in the chat and runs nothing', async ({
  page,
  request,
  ci
}) => {
  await ci.script([
    { text: "`prices` has no key `'total'`: the keys are `'a'` and `'b'`." }
  ]);
  await userNotebook(page, 'explain.ipynb', [
    "prices = {'a': 1, 'b': 2}\nprices['total']"
  ]);
  // The buttons are there for an error restored from the saved notebook too.
  await page.notebook.save();
  await reloadLab(page, 'explain.ipynb');
  const before = await notebookCells(page, 'explain.ipynb');

  await page
    .getByRole('button', { name: 'Explain with Code Interpreter' })
    .click();
  await expect(chat(page).status).toHaveText('Done', { timeout: 60000 });
  await expect(chat(page).user).toHaveText(['Explain the error in cell [1].']);
  await expect(chat(page).assistant).toContainText('has no key');

  const after = await notebookCells(page, 'explain.ipynb');
  expect(after).toHaveLength(before.length);
  expect(after[0].execution_count).toBe(before[0].execution_count);
  expect(after[0].source).toBe(before[0].source);
  await expect(chat(page).steps).toHaveCount(0);
  await expect(chat(page).changes).toHaveCount(0);
  const bodies = (await modelRequests(request)) as { tools?: unknown }[];
  expect(bodies).toHaveLength(1);
  expect(bodies[0].tools).toBeUndefined();
});

test("a new notebook's empty cell holds the assistant's first cell", async ({
  page,
  ci
}) => {
  await ci.start('clean.ipynb', [
    runCell('print("first")'),
    runCell('print("second")'),
    { text: 'Two cells.' }
  ]);
  await ci.askUntilDone('Print two things.');

  const cells = await notebookCells(page, 'clean.ipynb');
  expect(cells.map(cell => cell.source)).toEqual([
    'print("first")',
    'print("second")'
  ]);
  expect(taggedCells(cells)).toHaveLength(2);
  await expect(chat(page).changes).toContainText('2 cells added');
});

test('Ask about this cell puts a chip in the input; the request is about that cell', async ({
  page,
  request,
  ci
}) => {
  await ci.script([{ text: 'It squares seven.' }]);
  await userNotebook(page, 'ask.ipynb', ['squared = 7 ** 2', 'other = 1']);
  await page.notebook.selectCells(0);
  await page.evaluate(() =>
    window.jupyterapp.commands.execute('ci-jupyterlab:ask-about-cell')
  );
  const chip = chat(page).panel.getByRole('group', {
    name: 'The next request is about'
  });
  await expect(chip).toHaveText('Cell [1]');
  await ci.askUntilDone('What does it do?');
  await expect(chip).toHaveCount(0);

  const prompt = promptText((await modelRequests(request))[0]);
  expect(prompt).toMatch(
    /#1 \(id [^)]+\) code \[1\][^\n]*the request is about this cell/
  );
});

test('Review: one change accepted, one reverted; the cards and the revert show again after a reload', async ({
  page,
  ci
}) => {
  await ci.script([
    runCell('tripled = start * 3'),
    editCell('#1', 'start = 5'),
    { text: 'Added one cell and changed yours.' }
  ]);
  await userNotebook(page, 'review.ipynb', ['start = 4']);
  await page.notebook.save();
  await openPanel(page);
  await ci.askUntilDone('Triple the start.');

  const { changes } = chat(page);
  await expect(changes).toContainText('1 cell added, 1 changed');
  const marked = page.locator('.jp-NotebookPanel .jp-Cell.jp-ci-mod-changed');
  await expect(marked).toHaveCount(2);
  await expect(marked.first().locator('.jp-ci-ChangeMarker')).toHaveAttribute(
    'title',
    'Changed by Code Interpreter'
  );

  await changes.getByRole('button', { name: 'Review changes' }).click();
  const edited = changes.getByRole('group', { name: 'Step 2 · edited cell' });
  const added = changes.getByRole('group', { name: 'Step 1 · new cell' });
  await expect(edited.locator('.jp-ci-Diff-removed')).toHaveText(/start = 4/);
  await expect(edited.locator('.jp-ci-Diff-added')).toHaveText(/start = 5/);
  await expect(added.locator('.jp-ci-Diff-added')).toHaveText(
    /tripled = start \* 3/
  );

  await edited.getByRole('button', { name: 'Revert' }).click();
  await expect(edited).toContainText('Reverted: the cell has its source back.');
  await added.getByRole('button', { name: 'Accept' }).click();
  await expect(added).toContainText('Accepted');
  const reviewed = [
    { cell_type: 'code', source: 'start = 4' },
    { cell_type: 'code', source: 'tripled = start * 3' }
  ];
  expect(await cellSources(page, 'review.ipynb')).toEqual(reviewed);
  await expect(marked).toHaveCount(0);
  // Saved, as after the assistant's own steps.
  await savedAs(page, 'review.ipynb', reviewed);

  // The server kept both answers: a reloaded page shows them.
  await reloadLab(page, 'review.ipynb');
  await expect(chat(page).changes).toContainText('1 cell added, 1 changed');
  await chat(page)
    .changes.getByRole('button', { name: 'Review changes' })
    .click();
  await expect(
    chat(page).changes.getByRole('group', { name: 'Step 2 · edited cell' })
  ).toContainText('Reverted');
  await expect(
    chat(page).changes.getByRole('group', { name: 'Step 1 · new cell' })
  ).toContainText('Accepted');

  // Dismissed, the card stays gone after another reload (once Lab saved its state).
  const stateSaved = page.waitForRequest(
    r => r.url().includes('/api/workspaces') && r.method() === 'PUT'
  );
  await chat(page).changes.getByRole('button', { name: 'Dismiss' }).click();
  await expect(chat(page).changes).toHaveCount(0);
  await stateSaved;
  await reloadLab(page, 'review.ipynb');
  await expect(chat(page).assistant).toContainText('Added one cell');
  await expect(chat(page).changes).toHaveCount(0);
});

test('an undone request shows as undone after a reload, its cells unmarked', async ({
  page,
  ci
}) => {
  await ci.script([runCell('extra = 1'), { text: 'Added a cell.' }]);
  await userNotebook(page, 'undone.ipynb', ['mine = 0']);
  await page.notebook.save();
  await openPanel(page);
  await ci.askUntilDone('Add a cell.');
  await chat(page)
    .changes.getByRole('button', { name: 'Undo request' })
    .click();
  await expect(chat(page).changes).toContainText('Undone: 1 cell removed.');
  await savedAs(page, 'undone.ipynb', [
    { cell_type: 'code', source: 'mine = 0' }
  ]);

  await reloadLab(page, 'undone.ipynb');
  await expect(chat(page).changes).toContainText('Undone: 1 cell removed.');
  await expect(
    chat(page).changes.getByRole('button', { name: 'Undo request' })
  ).toHaveCount(0);
  await expect(page.locator('.jp-Cell.jp-ci-mod-changed')).toHaveCount(0);
  expect(await cellSources(page, 'undone.ipynb')).toEqual([
    { cell_type: 'code', source: 'mine = 0' }
  ]);
});

test('the cell context menu has the three commands, and Alt+Shift+F fixes the active cell', async ({
  page,
  ci
}) => {
  await ci.script([
    runCell('print(int("42"))'),
    { text: 'Converted the text first.' }
  ]);
  await userNotebook(page, 'keys.ipynb', ['print(int("forty-two"))']);

  await page.locator('.jp-Cell .jp-InputArea-editor').first().click({
    button: 'right'
  });
  const menu = page.locator('.lm-Menu');
  for (const label of [
    'Fix with Code Interpreter',
    'Explain with Code Interpreter',
    'Ask about this cell'
  ]) {
    await expect(
      menu.getByRole('menuitem', { name: new RegExp(`^${label}`) })
    ).toBeVisible();
  }
  await page.keyboard.press('Escape');

  // Command mode on that cell, then the shortcut.
  await page.notebook.selectCells(0);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Alt+Shift+F');
  await expect(chat(page).user).toHaveText(['Fix the error in cell [1].']);
  await expect(chat(page).status).toHaveText('Done', { timeout: 60000 });
  const cells = await notebookCells(page, 'keys.ipynb');
  expect(cells.map(cell => cell.source)).toEqual(['print(int("42"))']);
});

test('an approval for code that edits a cell shows the change as a diff', async ({
  page,
  ci
}) => {
  await ci.script([
    editCell('#1', '%pip install tinypkg\nimport tinypkg'),
    { text: 'Left tinypkg out.' }
  ]);
  await userNotebook(page, 'approve-edit.ipynb', ['import tinypkg']);
  await page.getByRole('button', { name: 'Fix with Code Interpreter' }).click();

  const card = chat(page).panel.getByRole('group', { name: 'Install request' });
  await expect(card).toBeVisible({ timeout: 60000 });
  await expect(card.locator('.jp-ci-Diff-added')).toHaveText(
    /%pip install tinypkg/
  );
  await expect(card.locator('.jp-ci-Diff-same')).toHaveText(/import tinypkg/);
  await card.getByRole('button', { name: "Don't install" }).click();
  await expect(chat(page).status).toHaveText('Done', { timeout: 60000 });
  const cells = await notebookCells(page, 'approve-edit.ipynb');
  expect(cells.map(cell => cell.source)).toEqual(['import tinypkg']);
});
