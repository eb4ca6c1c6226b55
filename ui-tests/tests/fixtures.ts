/**
 * The specs' `test`: Galata's, with a `ci` fixture that does the set-up most
 * specs share (script the model, create a notebook, open the panel, ask and
 * wait for the answer), so that each spec says only what it tests.
 */
import {
  expect,
  IJupyterLabPageFixture,
  test as galataTest
} from '@jupyterlab/galata';
import type { APIRequestContext } from '@playwright/test';

import {
  ask,
  chat,
  LAB_URL,
  openPanel,
  scriptModel,
  ScriptItem
} from './utils';

/** How long a scripted request may take to be Done. */
const DONE_TIMEOUT = 60000;

/** The Code Interpreter as a spec drives it: through its panel, as a user. */
export class CodeInterpreter {
  constructor(
    readonly page: IJupyterLabPageFixture,
    readonly request: APIRequestContext
  ) {}

  /** The panel's controls. */
  get chat(): ReturnType<typeof chat> {
    return chat(this.page);
  }

  /** Forget the model's earlier script and requests, then queue these answers. */
  script(responses: ScriptItem[]): Promise<void> {
    return scriptModel(this.request, responses);
  }

  /**
   * Queue the model's answers, create a notebook of this name (null: none,
   * the panel shows that no notebook is open) and open the panel on it.
   * Returns the panel's controls.
   */
  async start(
    notebook: string | null,
    responses: ScriptItem[] = []
  ): Promise<ReturnType<typeof chat>> {
    await this.script(responses);
    if (notebook !== null) {
      await this.page.notebook.createNew(notebook);
    }
    await openPanel(this.page);
    return this.chat;
  }

  /** Type a request in the panel and send it with Enter. */
  ask(text: string): Promise<void> {
    return ask(this.page, text);
  }

  /** Send a request and wait until the status line says Done. */
  async askUntilDone(
    text: string,
    options: { timeout?: number } = {}
  ): Promise<void> {
    await this.ask(text);
    await expect(this.chat.status).toHaveText('Done', {
      timeout: options.timeout ?? DONE_TIMEOUT
    });
  }
}

/**
 * Galata's `test`, on this worker's own JupyterLab (playwright.config.js starts
 * one per worker), with the `ci` fixture. Every spec takes `test` from here.
 */
export const test = galataTest.extend<{ ci: CodeInterpreter }>({
  baseURL: async ({}, use) => use(LAB_URL),
  ci: async ({ page, request }, use) => {
    await use(new CodeInterpreter(page, request));
  }
});

export { expect };
