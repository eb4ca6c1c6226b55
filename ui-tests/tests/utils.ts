/**
 * Helpers shared by the specs: the scripted LLM's control endpoints, the
 * chat panel's elements and the notebook's content as nbformat. The set-up
 * most specs share is the `ci` fixture of fixtures.ts.
 */
import { expect, IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { APIRequestContext, Locator } from '@playwright/test';

const { ports } = require('../servers');

/**
 * The scripted LLM of this worker, which the configuration started
 * (servers.js), and the JupyterLab that talks to it.
 */
export const LLM_URL: string = ports().llmUrl;
export const LAB_URL: string = ports().labUrl;

/** One scripted model answer: text, or tool calls, optionally delayed. */
export type ScriptItem =
  | {
      text: string;
      delay?: number;
      /** Seconds between the streamed pieces of the text (as a real model streams). */
      chunk_delay?: number;
    }
  | {
      tool_calls: { name: string; arguments: Record<string, unknown> }[];
      /** Text streamed before the tool calls. */
      text?: string;
      delay?: number;
    };

/**
 * For `test.use()` in specs that interrupt or restart kernels: Galata's mock
 * of the kernels API reads every POST answer as JSON, but an interrupt
 * answers 204 without a body, so kernel requests must go through unmocked.
 */
export const unmockedKernels = {
  kernels: async ({}, use: (kernels: null) => Promise<void>) => use(null)
};

/** Forget earlier scripts and requests, then queue these answers. */
export async function scriptModel(
  request: APIRequestContext,
  responses: ScriptItem[]
): Promise<void> {
  expect((await request.post(`${LLM_URL}/_reset`)).ok()).toBe(true);
  const scripted = await request.post(`${LLM_URL}/_script`, {
    data: { responses }
  });
  expect(scripted.ok()).toBe(true);
}

/** A run_cell tool call with this code, after some text if given. */
export function runCell(code: string, text?: string): ScriptItem {
  return {
    tool_calls: [{ name: 'run_cell', arguments: { code } }],
    ...(text !== undefined && { text })
  };
}

/** An edit_cell tool call: the cell (a reference of the notebook view, e.g. #1) gets this code. */
export function editCell(cell: string, code: string): ScriptItem {
  return { tool_calls: [{ name: 'edit_cell', arguments: { cell, code } }] };
}

/**
 * Make a notebook of this name whose cells are the user's own, each with
 * this source, run in order: what a user has before asking.
 */
export async function userNotebook(
  page: IJupyterLabPageFixture,
  name: string,
  sources: string[]
): Promise<void> {
  await page.notebook.createNew(name);
  for (const [index, source] of sources.entries()) {
    if (index === 0) {
      await page.notebook.setCell(0, 'code', source);
    } else {
      await page.notebook.addCell('code', source);
    }
  }
  for (const index of sources.keys()) {
    await page.notebook.runCell(index, { inplace: true });
  }
}

/**
 * Create a notebook of this name and save it once with its kernel: Lab asks
 * for a kernel when it reopens (after a reload) a notebook that was never
 * saved with one (its session is no help: it kept the name Untitled.ipynb).
 * The kernelspec reaches the notebook's metadata a moment after the kernel
 * starts.
 */
export async function savedNotebook(
  page: IJupyterLabPageFixture,
  name: string
): Promise<void> {
  await page.notebook.createNew(name);
  await expect
    .poll(() =>
      page.evaluate(
        () =>
          (
            window.jupyterapp.shell.currentWidget as any
          )?.context?.model?.getMetadata('kernelspec')?.name ?? ''
      )
    )
    .toBe('python3');
  await page.notebook.save();
}

/** The type and source of each cell of an open notebook: what undo must give back. */
export async function cellSources(
  page: IJupyterLabPageFixture,
  name: string
): Promise<{ cell_type: string; source: string }[]> {
  return (await notebookCells(page, name)).map(({ cell_type, source }) => ({
    cell_type,
    source
  }));
}

/** The text of every message of a model request, joined. */
export function promptText(body: unknown): string {
  const { messages } = body as { messages: { content?: unknown }[] };
  return messages
    .map(message =>
      typeof message.content === 'string'
        ? message.content
        : JSON.stringify(message.content ?? '')
    )
    .join('\n');
}

/**
 * The user turns the mouse wheel up over the log until it is at its top, and
 * again if it moved meanwhile (content rendering above, Chromium's scroll
 * anchoring shifted it a few pixels in CI), as a user would.
 */
export async function wheelToTop(log: Locator): Promise<void> {
  await log.hover();
  await expect(async () => {
    await log.page().mouse.wheel(0, -100000);
    expect(await log.evaluate(node => node.scrollTop)).toBe(0);
  }).toPass();
}

/** Reload the page and wait for JupyterLab, with the panel open again. */
export async function reloadLab(
  page: IJupyterLabPageFixture,
  notebook: string
): Promise<void> {
  // The restored layout has no Launcher, which Galata waits for by default.
  await page.reload({ waitForIsReady: false });
  await expect(page.locator('#jupyterlab-splash')).toHaveCount(0);
  await expect(
    page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab', { hasText: notebook })
  ).toBeVisible();
  // Its content read from disk: until then the model is an empty notebook.
  await page.evaluate(async name => {
    for (const widget of window.jupyterapp.shell.widgets('main')) {
      const context = (widget as any).context;
      if (context?.path?.endsWith(name)) {
        await context.ready;
      }
    }
  }, notebook);
  await openPanel(page);
}

/**
 * Wait until the saved file of an open notebook has cells of these types and
 * sources. A save under load can take seconds (Lab saves, then the server
 * writes), hence the wait of `SAVE_TIMEOUT`.
 */
export async function savedAs(
  page: IJupyterLabPageFixture,
  name: string,
  cells: { cell_type: string; source: string }[]
): Promise<void> {
  await expect
    .poll(
      async () => {
        try {
          return (await savedCells(page, name)).map(
            ({ cell_type, source }) => ({ cell_type, source })
          );
        } catch (error) {
          // Read while a save wrote it: Jupyter writes the file in place (its
          // "atomic" writing keeps a backup), so a reader can see it empty.
          // Said, so that a wait that ends here shows why.
          return `not readable: ${error}`;
        }
      },
      { timeout: SAVE_TIMEOUT }
    )
    .toEqual(cells);
}

/** How long a save may take to reach the disk on a loaded machine. */
const SAVE_TIMEOUT = 20000;

/** An open notebook as saved on disk (through the contents API), as nbformat cells. */
export async function savedCells(
  page: IJupyterLabPageFixture,
  name: string
): Promise<ICellSnapshot[]> {
  return page.evaluate(async notebookName => {
    const app = window.jupyterapp;
    // The open notebook's path: Galata puts each test's files in a folder of its own.
    const path = [...app.shell.widgets('main')]
      .map(widget => (widget as any).context?.path as string | undefined)
      .find(open => open?.endsWith(notebookName));
    if (!path) {
      throw new Error(`${notebookName} is not open`);
    }
    const model = await app.serviceManager.contents.get(path, {
      content: true
    });
    return (model.content.cells as any[]).map(cell => ({
      ...cell,
      source: Array.isArray(cell.source) ? cell.source.join('') : cell.source
    }));
  }, name);
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

/**
 * Open the panel through the command palette, as a user would.
 *
 * Retried: the palette closes when it loses focus, and a notebook that just
 * opened may still take the focus once.
 */
export async function openPanelFromPalette(
  page: IJupyterLabPageFixture
): Promise<void> {
  const palette = page.locator('#modal-command-palette');
  await expect(async () => {
    await page.menu.clickMenuItem('View>Activate Command Palette');
    await palette
      .locator('.lm-CommandPalette-input')
      .fill('Open Code Interpreter', { timeout: 2000 });
    await palette
      .locator('.lm-CommandPalette-item', { hasText: 'Open Code Interpreter' })
      .click({ timeout: 2000 });
  }).toPass({ timeout: 30000 });
  await expect(page.locator('.jp-ci-ChatPanel')).toBeVisible();
}

/** Open the panel by running its command. */
export async function openPanel(page: IJupyterLabPageFixture): Promise<void> {
  await page.evaluate(() =>
    window.jupyterapp.commands.execute('ci-jupyterlab:open')
  );
  await expect(page.locator('.jp-ci-ChatPanel')).toBeVisible();
}

/** The panel's controls. */
export function chat(page: IJupyterLabPageFixture) {
  const panel = page.locator('.jp-ci-ChatPanel');
  return {
    panel,
    input: panel.getByLabel('Message to the code interpreter'),
    send: panel.getByRole('button', { name: 'Send', exact: true }),
    stop: panel.getByRole('button', { name: 'Stop', exact: true }),
    status: panel.locator('.jp-ci-Status'),
    target: panel.locator('.jp-ci-Target'),
    steps: panel.locator('.jp-ci-Step'),
    assistant: panel.locator('.jp-ci-Message-assistant'),
    user: panel.locator('.jp-ci-Message-user'),
    filePicker: panel.getByLabel('Files to attach'),
    chips: panel.locator('.jp-ci-Chip'),
    exportButton: panel.getByRole('button', {
      name: 'Export reproducible notebook'
    }),
    changes: panel.getByRole('group', { name: 'Notebook changes' })
  };
}

/**
 * Collect the messages the page sends on the chat websocket from now on.
 *
 * Only sockets opened after this call are seen: reload the page after it.
 */
export function recordChatMessages(
  page: IJupyterLabPageFixture
): Record<string, any>[] {
  const sent: Record<string, any>[] = [];
  page.on('websocket', socket => {
    if (socket.url().includes('ci-jupyterlab/chat')) {
      socket.on('framesent', frame => {
        if (typeof frame.payload === 'string') {
          sent.push(JSON.parse(frame.payload));
        }
      });
    }
  });
  return sent;
}

/** Wait until the panel's attached files are all uploaded. */
export async function uploadsDone(page: IJupyterLabPageFixture): Promise<void> {
  await expect(page.locator('.jp-ci-ChatPanel .jp-ci-Progress')).toHaveCount(0);
}

/** Type a request in the panel and send it with Enter. */
export async function ask(
  page: IJupyterLabPageFixture,
  text: string
): Promise<void> {
  const { input } = chat(page);
  await input.fill(text);
  await input.press('Enter');
}

export interface ICellSnapshot {
  cell_type: string;
  source: string;
  metadata: Record<string, any>;
  execution_count?: number | null;
  outputs?: Record<string, any>[];
}

/** The cells of an open notebook, as nbformat. */
export async function notebookCells(
  page: IJupyterLabPageFixture,
  name: string
): Promise<ICellSnapshot[]> {
  return page.evaluate(notebookName => {
    const app = window.jupyterapp;
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

/** The cells the extension tagged. */
export function taggedCells(cells: ICellSnapshot[]): ICellSnapshot[] {
  return cells.filter(cell => cell.metadata?.ci_jupyterlab);
}

/** The text of a cell's outputs, joined. */
export function outputText(cell: ICellSnapshot): string {
  return (cell.outputs ?? [])
    .map(output => {
      const text = output.text ?? output.data?.['text/plain'] ?? '';
      const value = Array.isArray(text) ? text.join('') : text;
      return output.output_type === 'error'
        ? `${output.ename}: ${output.evalue}`
        : value;
    })
    .join('');
}
