/**
 * A request that fails keeps what the user typed, offers Retry, says the
 * error once, in the words of the settings form; the header names the model
 * even when the server's list chose it.
 */
import { expect, test } from './fixtures';
import { chat, LLM_URL, openPanel } from './utils';

test('a failed request gives its text back, says the error once and offers Retry', async ({
  page,
  request,
  ci
}) => {
  await ci.script([{ error: { status: 404 } } as any]);
  // The server lists another model: the check on opening warns about the
  // same problem the request then meets.
  expect(
    (
      await request.post(`${LLM_URL}/_config`, {
        data: { models: ['another-model'] }
      })
    ).ok()
  ).toBe(true);
  await page.notebook.createNew('failing.ipynb');
  await openPanel(page);
  const { panel, input, status, assistant } = chat(page);
  await expect(panel.locator('.jp-ci-ConnectionWarning')).toContainText(
    "does not list the model 'scripted-model'"
  );

  await ci.ask('Plot the sales by month.');

  await expect(status).toHaveText('Error', { timeout: 60000 });
  // Said once, in the chat: the opening check's warning gave way to it.
  await expect(panel.locator('.jp-ci-ConnectionWarning')).toHaveCount(0);
  const error = panel.locator('.jp-ci-Error');
  await expect(error).toHaveCount(1);
  await expect(error).toContainText("Model 'scripted-model' was not found at");
  // The form's words, not the config file's.
  await expect(error).toContainText("Model in the Code Interpreter's settings");
  await expect(error).not.toContainText('c.CodeInterpreter');
  // The text typed is back in the input.
  await expect(input).toHaveValue('Plot the sales by month.');

  // The model server is fixed; Retry sends the same request again.
  await ci.script([{ text: 'Here is the plot.' }]);
  await error.getByRole('button', { name: 'Retry the request' }).click();
  await expect(status).toHaveText('Done', { timeout: 60000 });
  await expect(assistant.last()).toHaveText('Here is the plot.');
  await expect(chat(page).user).toHaveText([
    'Plot the sales by month.',
    'Plot the sales by month.'
  ]);
  await expect(input).toHaveValue('');
});

test('the header names the model the server lists first when none is configured', async ({
  page
}) => {
  // A server configured without a model: requests use the first one its
  // model server lists (here the scripted server's, as the real check finds).
  const unnamed = { configured: true, model: null, problem: null };
  await page.route(/\/ci-jupyterlab\/config/, async route => {
    const answer = await route.fetch();
    route.fulfill({ json: { ...(await answer.json()), ...unnamed } });
  });
  await page.routeWebSocket(/\/ci-jupyterlab\/chat/, ws => {
    const server = ws.connectToServer();
    server.onMessage(message => {
      const parsed = JSON.parse(message as string);
      ws.send(
        JSON.stringify(
          parsed.type === 'hello' ? { ...parsed, ...unnamed } : parsed
        )
      );
    });
  });
  await page.goto();
  await page.notebook.createNew('header.ipynb');
  await openPanel(page);

  await expect(chat(page).panel.locator('.jp-ci-ModelName')).toHaveText(
    'scripted-model'
  );
});
