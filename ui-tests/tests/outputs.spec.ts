import { expect, test } from './fixtures';
import { runCell } from './utils';

/** A 2×2 PNG, so no plotting library is needed in the kernel. */
const PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGOQL98CRAwQCgAh0gUpRKDcEgAAAABJRU5ErkJggg==';

const PLOT = `import base64
from IPython.display import Image, display
display(Image(data=base64.b64decode('${PNG_BASE64}'), width=80))`;

const TABLE = `from IPython.display import HTML, display
display(HTML('<table><tr><th>city</th></tr><tr><td>Oslo</td></tr></table><script>console.log(1)</script>'))`;

const LONG = "print('\\n'.join(f'line {i}' for i in range(200)))";

test('a step shows its image in the notebook and in the chat', async ({
  page,
  ci
}) => {
  const { steps } = await ci.start('plot.ipynb', [
    runCell(PLOT),
    { text: 'Here is the plot.' }
  ]);
  await ci.askUntilDone('Plot it.');

  await expect(
    page.locator('.jp-NotebookPanel .jp-OutputArea-output img')
  ).toBeVisible();
  await expect(steps.first().locator('.jp-ci-StepOutputs img')).toBeVisible();
});

test('HTML with scripts runs in a sandbox and long outputs are collapsed', async ({
  ci
}) => {
  const { panel, steps } = await ci.start('table.ipynb', [
    runCell(TABLE),
    runCell(LONG),
    { text: 'Done.' }
  ]);
  await ci.ask('A table, then many lines.');
  // In the notebook, the output's script runs in Lab's own page: the user
  // approves the cell first (the chat's copy runs in a sandbox, below).
  const approval = panel.getByRole('group', { name: 'Approval request' });
  await expect(approval).toContainText(
    'It runs JavaScript in your JupyterLab page'
  );
  await approval.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(ci.chat.status).toHaveText('Done', { timeout: 60000 });

  // HTML that has a script renders in a sandboxed frame (scripts, but no
  // access to Lab); none of it is in the chat's own page.
  const frame = steps.nth(0).locator('iframe.jp-ci-HtmlFrame');
  await expect(frame).toHaveAttribute('sandbox', 'allow-scripts');
  await expect(
    steps.nth(0).frameLocator('iframe.jp-ci-HtmlFrame').locator('td')
  ).toHaveText('Oslo');
  await expect(steps.nth(0).locator('.jp-ci-StepOutputs script')).toHaveCount(
    0
  );
  await expect(
    steps.nth(0).getByRole('button', { name: 'Show more' })
  ).toHaveCount(0);

  // 200 lines are cut until the user asks for more.
  const outputs = steps.nth(1).locator('.jp-ci-OutputsHost');
  const more = steps.nth(1).getByRole('button', { name: 'Show more' });
  await expect(more).toBeVisible();
  const collapsed = (await outputs.boundingBox())!.height;
  await more.click();
  await expect(
    steps.nth(1).getByRole('button', { name: 'Show less' })
  ).toHaveAttribute('aria-expanded', 'true');
  expect((await outputs.boundingBox())!.height).toBeGreaterThan(collapsed);
});
