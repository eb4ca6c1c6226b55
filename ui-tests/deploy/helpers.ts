/**
 * What the deployment specs share: the scripted model's control endpoints,
 * the panel's controls, and the cells of an open notebook read through the
 * application (exposed in the page by the servers' expose_app_in_browser).
 */
import { expect, type APIRequestContext, type Page } from '@playwright/test';

/** The scripted model that the pytest side runs. */
export const LLM_URL = process.env.CI_LLM_URL ?? 'http://127.0.0.1:8766';

export const BROKEN = 'print(math.sqrt(16))';
export const FIXED = 'import math\nprint(math.sqrt(16))';

/** The fix loop's answers: a broken cell, its fix, the answer. */
export const FIX_LOOP = [
  { tool_calls: [{ name: 'run_cell', arguments: { code: BROKEN } }] },
  { tool_calls: [{ name: 'run_cell', arguments: { code: FIXED } }] },
  { text: 'The square root of 16 is **4**.' }
];

/** Forget earlier scripts and requests, then queue these answers. */
export async function scriptModel(
  request: APIRequestContext,
  responses: unknown[]
): Promise<void> {
  expect((await request.post(`${LLM_URL}/_reset`)).ok()).toBe(true);
  const scripted = await request.post(`${LLM_URL}/_script`, {
    data: { responses }
  });
  expect(scripted.ok()).toBe(true);
}

/** The bodies of the chat completion requests the model received. */
export async function modelRequests(
  request: APIRequestContext
): Promise<unknown[]> {
  const response = await request.get(`${LLM_URL}/_requests`);
  const { requests } = (await response.json()) as {
    requests: { path: string; body: unknown }[];
  };
  return requests
    .filter(r => r.path.includes('chat/completions'))
    .map(r => r.body);
}

/** The panel's controls. */
export function chat(page: Page) {
  const panel = page.locator('.jp-ci-ChatPanel');
  return {
    panel,
    input: panel.getByLabel('Message to the code interpreter'),
    status: panel.locator('.jp-ci-Status'),
    steps: panel.locator('.jp-ci-Step'),
    assistant: panel.locator('.jp-ci-Message-assistant'),
    exportButton: panel.getByRole('button', {
      name: 'Export reproducible notebook'
    })
  };
}

/** Wait until the application has started and exposed itself in the page. */
export async function appReady(page: Page): Promise<void> {
  await page.waitForFunction(
    () => (window as any).jupyterapp?.started !== undefined,
    undefined,
    { timeout: 60000 }
  );
  await page.evaluate(() => (window as any).jupyterapp.started);
}

/** Open the panel with its keyboard shortcut, as a user would. */
export async function openWithShortcut(page: Page): Promise<void> {
  await expect(async () => {
    await page.locator('.jp-Notebook').first().click();
    await page.keyboard.press('Control+Shift+Y');
    await expect(page.locator('.jp-ci-ChatPanel')).toBeVisible({
      timeout: 3000
    });
  }).toPass({ timeout: 30000 });
}

/** Send a request and wait for Done. */
export async function askUntilDone(page: Page, text: string): Promise<void> {
  const { input, status } = chat(page);
  await input.fill(text);
  await input.press('Enter');
  await expect(status).toHaveText('Done', { timeout: 60000 });
}

export interface ICell {
  source: string;
  metadata: Record<string, any>;
  execution_count?: number | null;
  outputs?: Record<string, any>[];
}

/** The cells of the open notebook whose path ends with `name`, as nbformat. */
export async function notebookCells(
  page: Page,
  name: string
): Promise<ICell[]> {
  return page.evaluate(notebookName => {
    const app = (window as any).jupyterapp;
    for (const widget of app.shell.widgets('main')) {
      const context = (widget as any).context;
      if (context?.path?.endsWith(notebookName)) {
        return context.model.toJSON().cells.map((cell: any) => ({
          ...cell,
          source: Array.isArray(cell.source)
            ? cell.source.join('')
            : cell.source
        }));
      }
    }
    throw new Error(`${notebookName} is not open`);
  }, name);
}

/** The text of a cell's outputs, joined. */
export function outputText(cell: ICell): string {
  return (cell.outputs ?? [])
    .map(output => {
      const text = output.text ?? output.data?.['text/plain'] ?? '';
      return Array.isArray(text) ? text.join('') : text;
    })
    .join('');
}

/** Check what the fix loop left: one tagged cell holding the fix, run, and a chat of two steps. */
export async function expectFixed(
  page: Page,
  request: APIRequestContext,
  notebook: string
): Promise<void> {
  const tagged = (await notebookCells(page, notebook)).filter(
    cell => cell.metadata?.ci_jupyterlab
  );
  expect(tagged).toHaveLength(1);
  expect(tagged[0].source).toBe(FIXED);
  expect(outputText(tagged[0])).toContain('4.0');
  const { steps, assistant } = chat(page);
  await expect(steps).toHaveCount(2);
  await expect(steps.nth(0)).toContainText(
    "NameError: name 'math' is not defined"
  );
  await expect(steps.nth(1)).toHaveClass(/jp-ci-Step-ok/);
  await expect(assistant.last()).toContainText('The square root of 16 is 4.');
  const bodies = await modelRequests(request);
  expect(JSON.stringify(bodies[1])).toContain('NameError');
}
