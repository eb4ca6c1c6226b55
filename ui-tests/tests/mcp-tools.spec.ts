/**
 * The assistant calls a tool of a real MCP server (npm's filesystem server,
 * configured in jupyter_server_test_config.py): a step card shows the tool
 * and its arguments, the call waits for the user's approval, and its result
 * shows once approved.
 */
import { expect, test } from './fixtures';
import { modelRequests } from './utils';

test('a tool of an MCP server is called through the panel, after the user approves it', async ({
  request,
  ci
}) => {
  const { panel, status } = await ci.start('mcp-tools.ipynb', [
    {
      tool_calls: [{ name: 'files__list_allowed_directories', arguments: {} }]
    },
    { text: 'I can read one folder.' }
  ]);
  await ci.ask('Which folders can you read?');

  const card = panel.getByRole('group', { name: 'Approval request' });
  await expect(card).toContainText(
    'The assistant wants to call the MCP tool files/list_allowed_directories.',
    { timeout: 60000 }
  );
  const tool = panel.getByRole('group', {
    name: 'Tool call files/list_allowed_directories'
  });
  await expect(tool.getByRole('status')).toHaveText('Calling…');
  await card.getByRole('button', { name: 'Call', exact: true }).click();

  await expect(tool.getByRole('status')).toHaveText('Done');
  await expect(tool.getByLabel('Result')).toContainText('ci-mcp-files-');
  await expect(status).toHaveText('Done', { timeout: 60000 });
  const bodies = await modelRequests(request);
  expect(JSON.stringify(bodies[bodies.length - 1])).toContain('ci-mcp-files-');

  // The settings view shows the server, read-only: the administrator set it.
  await panel.getByRole('button', { name: 'Settings' }).click();
  const settings = panel.getByRole('form', {
    name: 'Code Interpreter settings'
  });
  const servers = settings.getByLabel('MCP servers');
  await expect(servers).toHaveValue(/mcp-server-filesystem/);
  await expect(servers).toHaveAttribute('readonly', '');
});
