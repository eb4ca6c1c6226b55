import { expect, test } from './fixtures';
import { chat, notebookCells, outputText, runCell, taggedCells } from './utils';

test('a request sent with no notebook open runs in a new notebook', async ({
  page,
  ci
}) => {
  await ci.start(null, [runCell('print(6 * 7)'), { text: 'It is 42.' }]);
  await expect(chat(page).target).toContainText('No notebook open');

  await ci.askUntilDone('What is six times seven?');

  await expect(chat(page).target).toHaveText(/^Untitled\d*\.ipynb$/);
  const name = (await chat(page).target.textContent())!;
  const [cell] = taggedCells(await notebookCells(page, name));
  expect(outputText(cell)).toContain('42');
  // The focus is back in the chat, ready for the next request.
  await expect(chat(page).input).toBeFocused();
});
