/**
 * An outside agent (an MCP client: the SDK's own, in a Python process) works
 * in the notebook open in Lab: its cell appears and runs without a reload,
 * the panel shows its request "from <client> (MCP)", a risky cell waits for
 * the user's approval in the panel, and Undo removes what it wrote.
 */
import { execFile } from 'child_process';
import { promisify } from 'util';

import { expect, test } from './fixtures';
import { cellSources, chat, openPanel, userNotebook } from './utils';

const run = promisify(execFile);

interface IToolResult {
  text: string;
  structured: Record<string, any> | null;
  is_error: boolean;
}

/** One tool call by the MCP client "galata-agent" (the test server needs no token). */
async function callTool(
  baseURL: string,
  tool: string,
  args: Record<string, unknown>
): Promise<IToolResult> {
  const { stdout } = await run(
    'python',
    [
      '-m',
      'ci_jupyterlab.testing.mcp_call',
      `${baseURL}/ci-jupyterlab/mcp`,
      tool,
      JSON.stringify(args),
      '--name',
      'galata-agent'
    ],
    { timeout: 90000 }
  );
  return JSON.parse(stdout);
}

test('an MCP client writes and runs cells in the notebook open in Lab; a risky one waits for approval; Undo removes it', async ({
  page,
  baseURL
}) => {
  await userNotebook(page, 'mcp.ipynb', ['base = 20']);
  await openPanel(page);
  const path: string = await page.evaluate(
    () => (window as any).jupyterapp.shell.currentWidget.context.path
  );
  // The window tells the server which notebooks it has open.
  await expect
    .poll(
      async () => {
        const listed = await callTool(baseURL!, 'list_notebooks', {});
        return listed.structured!.notebooks.find((n: any) => n.path === path);
      },
      { timeout: 30000 }
    )
    .toEqual({ path, open_in_lab: true });

  const first = await callTool(baseURL!, 'run_cell', {
    path,
    code: 'doubled = base * 2\nprint(doubled)'
  });
  expect(first.text).toContain('40');
  expect((await cellSources(page, 'mcp.ipynb')).map(c => c.source)).toEqual([
    'base = 20',
    'doubled = base * 2\nprint(doubled)'
  ]);
  await expect(
    page.locator('.jp-Cell').nth(1).locator('.jp-OutputArea-output')
  ).toContainText('40');
  const { panel, user, changes } = chat(page);
  await expect(user.first()).toContainText('from galata-agent (MCP)');

  // A shell command waits for the user in the panel; the call waits with it.
  const risky = callTool(baseURL!, 'run_cell', {
    path,
    code: '!echo approved-by-user'
  });
  const card = panel.getByRole('group', { name: 'Approval request' });
  await expect(card).toContainText('shell', { timeout: 60000 });
  await expect(card).toContainText(
    'galata-agent (MCP) wants to run code that needs your approval.'
  );
  await card.getByRole('button', { name: 'Run', exact: true }).click();
  const second = await risky;
  expect(second.text).toContain('approved-by-user');
  expect(await cellSources(page, 'mcp.ipynb')).toHaveLength(3);

  // Undo the first request: its cell goes.
  await changes.first().getByRole('button', { name: 'Undo request' }).click();
  await expect(changes.first()).toContainText('Undone: 1 cell removed.');
  expect((await cellSources(page, 'mcp.ipynb')).map(c => c.source)).toEqual([
    'base = 20',
    '!echo approved-by-user'
  ]);
});
