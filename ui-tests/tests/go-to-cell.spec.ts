/**
 * Go to cell (issue 17, item 8): the step's cell becomes the active cell in
 * command mode, with its top in view, even when it is taller than the
 * notebook's view and the user was typing in another cell. Chromium at
 * 1440×900.
 */
import { expect, test } from './fixtures';
import { runCell } from './utils';

test.use({ viewport: { width: 1440, height: 900 } });

/** Code taller than the notebook's view. */
const TALL = Array.from({ length: 70 }, (_, i) => `v${i} = ${i}`).join('\n');

test('Go to cell shows the top of the cell, in command mode, with the keyboard on the cells', async ({
  page,
  ci
}) => {
  const { steps } = await ci.start('go-to-tall.ipynb', [
    runCell(TALL),
    runCell('print("short")'),
    { text: 'Done.' }
  ]);
  await ci.askUntilDone('Define seventy values, then print.');

  // The user types in the last cell, scrolled to the end of the notebook.
  const cells = page.locator('.jp-NotebookPanel .jp-Cell');
  await cells.last().locator('.cm-content').click();
  await expect
    .poll(() =>
      page.evaluate(
        () => (window.jupyterapp.shell.currentWidget as any).content.mode
      )
    )
    .toBe('edit');

  await steps.nth(0).getByRole('button', { name: 'Go to cell' }).click();
  const state = () =>
    page.evaluate(() => {
      const notebook = (window.jupyterapp.shell.currentWidget as any).content;
      const cell = notebook.activeCell;
      const view = notebook.node.getBoundingClientRect();
      const top = cell.node.getBoundingClientRect().top;
      return {
        mode: notebook.mode as string,
        source: (cell.model.sharedModel.getSource() as string).slice(0, 6),
        topInView: top >= view.top && top < view.bottom,
        editorFocused: !!document.activeElement?.closest('.cm-editor'),
        cellFocused: cell.node.contains(document.activeElement)
      };
    });
  await expect.poll(state).toEqual({
    mode: 'command',
    source: 'v0 = 0',
    topInView: true,
    editorFocused: false,
    cellFocused: true
  });
  // The keyboard acts on cells: j moves to the next one.
  await page.keyboard.press('j');
  await expect.poll(async () => (await state()).source).toBe('print(');
});
