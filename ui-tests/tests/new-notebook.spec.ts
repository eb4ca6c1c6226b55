import { expect, test } from '@jupyterlab/galata';

import {
  ask,
  chat,
  openPanel,
  outputText,
  runCell,
  scriptModel,
  taggedCells,
  notebookCells
} from './utils';

test('a request sent with no notebook open runs in a new notebook', async ({
  page,
  request
}) => {
  await scriptModel(request, [runCell('print(6 * 7)'), { text: 'It is 42.' }]);
  await openPanel(page);
  await expect(chat(page).target).toContainText('No notebook open');

  await ask(page, 'What is six times seven?');
  await expect(chat(page).status).toHaveText('Done', { timeout: 60000 });

  await expect(chat(page).target).toHaveText(/^Untitled\d*\.ipynb$/);
  const name = (await chat(page).target.textContent())!;
  const [cell] = taggedCells(await notebookCells(page, name));
  expect(outputText(cell)).toContain('42');
  // The focus is back in the chat, ready for the next request.
  await expect(chat(page).input).toBeFocused();
});
