/**
 * Fix with Code Interpreter on the user's own error: the same cell ends
 * fixed and run, no cell is added, and the model was shown that cell. Also
 * run with jupyter-collaboration (playwright.collab.config.js).
 */
import { expect, test } from './fixtures';
import {
  chat,
  editCell,
  modelRequests,
  notebookCells,
  outputText,
  promptText,
  savedAs,
  userNotebook
} from './utils';

const BROKEN = "sales = {'units': 12, 'price': 3}\nprint(sales['revenue'])";
const FIXED =
  "sales = {'units': 12, 'price': 3}\nprint(sales['units'] * sales['price'])";

test('Fix with Code Interpreter on an error fixes that very cell in place', async ({
  page,
  request,
  ci
}) => {
  await ci.script([
    editCell('#1', FIXED),
    { text: "There is no 'revenue' key: it is units times price." }
  ]);
  await userNotebook(page, 'fix-mine.ipynb', [BROKEN]);
  const output = page.locator('.jp-NotebookPanel .jp-OutputArea-output', {
    hasText: 'KeyError'
  });
  await expect(output).toBeVisible();

  // The panel is closed: the button opens it.
  await page.getByRole('button', { name: 'Fix with Code Interpreter' }).click();
  await expect(chat(page).panel).toBeVisible();
  await expect(chat(page).user).toHaveText(['Fix the error in cell [1].']);
  await expect(chat(page).status).toHaveText('Done', { timeout: 60000 });

  const cells = await notebookCells(page, 'fix-mine.ipynb');
  expect(cells.filter(cell => cell.cell_type === 'code')).toHaveLength(1);
  expect(cells[0].source).toBe(FIXED);
  expect(cells[0].execution_count).toEqual(expect.any(Number));
  expect(cells[0].execution_count).toBeGreaterThan(1);
  expect(outputText(cells[0])).toContain('36');
  expect(outputText(cells[0])).not.toContain('KeyError');
  await expect(
    page.getByRole('button', { name: 'Fix with Code Interpreter' })
  ).toHaveCount(0);
  // On disk too (with jupyter-collaboration, written from the shared document).
  await savedAs(page, 'fix-mine.ipynb', [{ cell_type: 'code', source: FIXED }]);

  // The model's first request showed it that cell's source and error.
  const [first] = await modelRequests(request);
  const prompt = promptText(first);
  expect(prompt).toContain("print(sales['revenue'])");
  expect(prompt).toContain("KeyError: 'revenue'");

  // The chat says what changed.
  await expect(chat(page).changes).toContainText('1 cell changed');
});
