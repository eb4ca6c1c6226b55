import { expect, test } from './fixtures';

import { chat, openPanel } from './utils';

const PROBLEM = {
  message: 'No language model is configured.',
  hint: 'Set c.CodeInterpreter.model in jupyter_server_config.py.'
};

test.describe('when no model can be used', () => {
  test('the panel shows the configuration problem instead of the input', async ({
    page
  }) => {
    await page.route(/\/ci-jupyterlab\/config/, route =>
      route.fulfill({
        json: {
          protocol: 1,
          configured: false,
          model: null,
          endpoint: null,
          max_attempts: 3,
          cell_timeout: 120,
          problem: PROBLEM
        }
      })
    );
    await page.routeWebSocket(/\/ci-jupyterlab\/chat/, ws =>
      ws.send(
        JSON.stringify({
          type: 'hello',
          protocol: 1,
          configured: false,
          model: null,
          problem: PROBLEM
        })
      )
    );
    await page.goto();
    await openPanel(page);

    const problem = page.locator('.jp-ci-Problem');
    await expect(problem).toContainText(PROBLEM.message);
    await expect(problem).toContainText(PROBLEM.hint);
    await expect(chat(page).input).toHaveCount(0);
  });

  test('the panel says when the server extension is missing', async ({
    page
  }) => {
    await page.route(/\/ci-jupyterlab\/config/, route =>
      route.fulfill({ status: 404, json: { message: 'Not Found' } })
    );
    await page.goto();
    await openPanel(page);

    await expect(page.locator('.jp-ci-Problem')).toContainText(
      'The ci-jupyterlab server extension is not installed or not enabled'
    );
    await expect(chat(page).input).toHaveCount(0);
  });
});

test('a model server that does not answer the check on opening gets a warning that leads to the settings', async ({
  page
}) => {
  await page.route(/\/ci-jupyterlab\/settings\/test/, route =>
    route.fulfill({
      json: {
        ok: false,
        endpoint: '127.0.0.1:9',
        models: [],
        model: null,
        tools: null,
        error: {
          message: 'The model server at 127.0.0.1:9 did not answer.',
          hint: 'Check c.CodeInterpreter.base_url.'
        }
      }
    })
  );
  await page.goto();
  await openPanel(page);

  const warning = page.locator('.jp-ci-ConnectionWarning');
  await expect(warning).toContainText(
    'The model server at 127.0.0.1:9 did not answer.'
  );
  // A warning, not a block: the input is still there.
  await expect(chat(page).input).toBeVisible();
  await warning.getByRole('button', { name: 'Open settings' }).click();
  await expect(
    page.getByRole('form', { name: 'Code Interpreter settings' })
  ).toBeVisible();
});
