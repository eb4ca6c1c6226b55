import { expect, test } from './fixtures';
import { chat, modelRequests, reloadLab, runCell } from './utils';

test('the conversation is shown again after a reload, and continues', async ({
  page,
  request,
  ci
}) => {
  await ci.start('history.ipynb', [
    runCell('print(6 * 7)'),
    { text: 'Six times seven is **42**.' }
  ]);
  await ci.askUntilDone('What is six times seven?');

  // The panel saves the notebook when the request ends; a save of our own at
  // the same moment could race it (see the session note), so wait for it.
  await expect(
    page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab.jp-mod-dirty')
  ).toHaveCount(0);

  await reloadLab(page, 'history.ipynb');
  const { user, steps, assistant } = chat(page);
  await expect(user).toHaveText(['What is six times seven?']);
  await expect(steps).toHaveCount(1);
  await expect(steps.first()).toHaveClass(/jp-ci-Step-ok/);
  await expect(steps.first().locator('.jp-ci-StepOutputs')).toContainText('42');
  await expect(assistant.last()).toContainText('Six times seven is 42.');

  // The same session goes on: the model sees the first exchange.
  await ci.script([{ text: 'Seven times six is 42 too.' }]);
  await ci.askUntilDone('And seven times six?');
  await expect(user).toHaveCount(2);
  const [body] = await modelRequests(request);
  expect(JSON.stringify(body)).toContain('What is six times seven?');
});
