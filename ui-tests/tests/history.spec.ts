import { expect, test } from '@jupyterlab/galata';

import {
  ask,
  chat,
  modelRequests,
  openPanel,
  reloadLab,
  runCell,
  scriptModel
} from './utils';

test('the conversation is shown again after a reload, and continues', async ({
  page,
  request
}) => {
  await scriptModel(request, [
    runCell('print(6 * 7)'),
    { text: 'Six times seven is **42**.' }
  ]);
  await page.notebook.createNew('history.ipynb');
  await openPanel(page);
  await ask(page, 'What is six times seven?');
  await expect(chat(page).status).toHaveText('Done', { timeout: 60000 });

  await page.notebook.save();

  await reloadLab(page, 'history.ipynb');
  const { user, steps, assistant, status } = chat(page);
  await expect(user).toHaveText(['What is six times seven?']);
  await expect(steps).toHaveCount(1);
  await expect(steps.first()).toHaveClass(/jp-ci-Step-ok/);
  await expect(steps.first().locator('.jp-ci-StepOutputs')).toContainText('42');
  await expect(assistant.last()).toContainText('Six times seven is 42.');

  // The same session goes on: the model sees the first exchange.
  await scriptModel(request, [{ text: 'Seven times six is 42 too.' }]);
  await ask(page, 'And seven times six?');
  await expect(status).toHaveText('Done', { timeout: 60000 });
  await expect(user).toHaveCount(2);
  const [body] = await modelRequests(request);
  expect(JSON.stringify(body)).toContain('What is six times seven?');
});
