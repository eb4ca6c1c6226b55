/**
 * First run: a JupyterLab with no model configured. The user sets the model
 * up from the panel's settings view (Test connection, Find local servers, a
 * key), saves, and sends a request at once, without a restart or a reload.
 * The key never comes back to the page. The server is started by
 * deploy-tests/test_settings_ui.py with settings.ipynb in its root and the
 * scripted model listed as its only local server. A second test shows what
 * an administrator's settings look like (the server's answers stubbed).
 */
import { expect, test, type Page, type Response } from '@playwright/test';

import {
  appReady,
  askUntilDone,
  chat,
  expectFixed,
  FIX_LOOP,
  LLM_URL,
  openWithShortcut,
  scriptModel
} from './helpers';

const LAB_URL = process.env.CI_LAB_URL ?? 'http://127.0.0.1:8888/';
const CANARY = process.env.CI_CANARY_KEY ?? 'sk-canary-settings-0123456789';

/** Open settings.ipynb in Lab, wait for its kernel, open the panel. */
async function openLabWithPanel(page: Page): Promise<void> {
  // Lab's question about its news covers the panel's footer: answer it.
  const news = page.locator('.Toastify__toast', {
    hasText: 'Would you like to get notified about official Jupyter news?'
  });
  await page.addLocatorHandler(news, async () => {
    await news.getByRole('button', { name: 'No', exact: true }).click();
  });
  await page.goto(`${LAB_URL}lab/tree/settings.ipynb`);
  await appReady(page);
  await page.waitForFunction(
    () =>
      (window as any).jupyterapp.shell.currentWidget?.context?.path ===
      'settings.ipynb',
    undefined,
    { timeout: 60000 }
  );
  await page.evaluate(async () => {
    const widget = (window as any).jupyterapp.shell.currentWidget;
    await widget.context.ready;
    await widget.sessionContext.ready;
  });
  await openWithShortcut(page);
}

test('set up the model from the panel, then ask at once', async ({
  page,
  request
}) => {
  // Everything the page receives, to show the key is never in it.
  const bodies: Promise<string>[] = [];
  page.on('response', response => bodies.push(bodyOf(response)));
  const frames: string[] = [];
  page.on('websocket', socket =>
    socket.on('framereceived', frame => frames.push(String(frame.payload)))
  );
  expect((await request.post(`${LLM_URL}/_reset`)).ok()).toBe(true);
  await openLabWithPanel(page);
  const { panel, input } = chat(page);

  // Nothing configured: the problem box instead of the input, with a way out.
  const problem = panel.locator('.jp-ci-Problem');
  await expect(problem).toContainText('No model is configured.');
  await expect(input).toHaveCount(0);
  await problem.getByRole('button', { name: 'Open settings' }).click();

  const gear = panel.getByRole('button', { name: 'Settings', exact: true });
  await expect(gear).toHaveAttribute('aria-pressed', 'true');
  const settings = panel.getByRole('form', {
    name: 'Code Interpreter settings'
  });
  await expect(settings.getByText('Not set', { exact: true })).toBeVisible();

  await settings.getByLabel('Base URL').fill(`${LLM_URL}/v1`);
  await settings.getByLabel('API key').fill(CANARY);

  await settings.getByRole('button', { name: 'Test connection' }).click();
  const result = settings.locator('.jp-ci-TestResult');
  await expect(result).toContainText('OK: scripted-model answered');
  await expect(result).toContainText('Takes tool calls.');
  await expect(result).toContainText(
    'Reads images: it sees the charts it draws.'
  );
  await expect(result).toContainText(/Round trip: \d+ ms/);

  // The scripted model is the server's one "local server": choosing it fills the model.
  await settings.getByRole('button', { name: 'Find local servers' }).click();
  await settings
    .getByRole('button', { name: `Use Scripted at ${LLM_URL}/v1` })
    .click();
  const modelField = settings.getByLabel('Model', { exact: true });
  await expect(modelField).toHaveValue('scripted-model');

  await settings.getByRole('button', { name: 'Save' }).click();
  await expect(
    settings.getByText('Saved. The next request uses these settings.')
  ).toBeVisible();
  await expect(settings.getByLabel('API key')).toHaveValue('');
  await expect(
    settings.getByText(`Set, ends in ${CANARY.slice(-4)}`)
  ).toBeVisible();
  await expect(settings.getByLabel('Base URL')).toHaveValue(`${LLM_URL}/v1`);
  // The header follows the saved settings without a reload.
  await expect(panel.locator('.jp-ci-ModelName')).toHaveText('scripted-model');

  await settings.getByRole('button', { name: 'Back to the chat' }).click();
  await expect(gear).toHaveAttribute('aria-pressed', 'false');
  await expect(problem).toHaveCount(0);

  await scriptModel(request, FIX_LOOP);
  await askUntilDone(page, 'What is the square root of 16?');
  await expectFixed(page, request, 'settings.ipynb');

  // The gear opens the view again; it still shows only the key's last four.
  await gear.click();
  await expect(
    settings.getByText(`Set, ends in ${CANARY.slice(-4)}`)
  ).toBeVisible();
  await gear.click();
  await expect(input).toBeVisible();

  const received = [...(await Promise.all(bodies)), ...frames];
  expect(received.length).toBeGreaterThan(20);
  expect(received.filter(text => text.includes(CANARY))).toEqual([]);
});

/** The settings as a server whose administrator set the base URL, approval and key shows them. */
/**
 * The server's own settings view (whatever settings it has now), as an
 * administrator who set the base URL, the approval mode and the key, and
 * allows one model, would have it seen.
 */
function lockedView(view: any) {
  const admin = (value: string) => ({ value, source: 'admin', locked: true });
  return {
    ...view,
    values: {
      ...view.values,
      base_url: admin('http://models.example/v1'),
      model: { value: 'scripted-model', source: 'user', locked: false },
      approval: admin('always')
    },
    key: {
      ...view.key,
      set: true,
      last4: 'wxyz',
      source: 'admin',
      locked: true
    },
    allowed_models: ['scripted-model'],
    allowed_base_urls: [],
    allow_user_settings: true
  };
}

test("an administrator's values are read-only, and a refusal says why", async ({
  page
}) => {
  const sent: unknown[] = [];
  await page.route(/\/ci-jupyterlab\/settings(\?[^/]*)?$/, async route => {
    if (route.request().method() === 'GET') {
      const real = await route.fetch();
      return route.fulfill({ json: lockedView(await real.json()) });
    }
    sent.push(route.request().postDataJSON());
    return route.fulfill({
      status: 403,
      json: {
        message: "The model 'other-model' is not allowed on this server.",
        hint: 'Choose one of: scripted-model (set by the administrator).'
      }
    });
  });
  await openLabWithPanel(page);
  const { panel } = chat(page);
  await panel.getByRole('button', { name: 'Settings', exact: true }).click();
  const settings = panel.getByRole('form', {
    name: 'Code Interpreter settings'
  });

  const baseUrl = settings.getByLabel('Base URL');
  await expect(baseUrl).toHaveValue('http://models.example/v1');
  await expect(baseUrl).not.toBeEditable();
  await expect(settings.getByLabel('Approval')).toBeDisabled();
  await expect(settings.getByText('Set by the administrator')).toHaveCount(3);
  await expect(settings.getByText('Your setting')).toHaveCount(1);
  await expect(settings.getByText('Set, ends in wxyz')).toBeVisible();
  await expect(settings.getByLabel('API key')).not.toBeEditable();
  await expect(
    settings.getByRole('button', { name: 'Forget key' })
  ).toHaveCount(0);

  await settings.getByLabel('Model', { exact: true }).fill('other-model');
  await settings.getByRole('button', { name: 'Save' }).click();
  const refusal = settings.getByRole('alert');
  await expect(refusal).toContainText(
    "The model 'other-model' is not allowed on this server."
  );
  await expect(refusal).toContainText('Choose one of: scripted-model');
  // Only what changed, and nothing locked, was sent.
  expect(sent).toEqual([{ values: { model: 'other-model' } }]);
});

/** A response's text; '' for one without a body, or still streaming after 10 s. */
function bodyOf(response: Response): Promise<string> {
  const late = new Promise<string>(resolve =>
    setTimeout(() => resolve(''), 10000)
  );
  return Promise.race([response.text().catch(() => ''), late]);
}
