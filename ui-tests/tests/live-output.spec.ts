/**
 * Live output (issue 17, item 9): while a cell runs, what it prints so far
 * shows in its step card (bounded as the final output is, the newest lines
 * in view when cut), and the notebook keeps the running cell's newest
 * output in view. Chromium at 1440×900.
 */
import { expect, test } from './fixtures';
import { runCell } from './utils';

test.use({ viewport: { width: 1440, height: 900 } });

/** Sixty lines, one every tenth of a second. */
const SLOW_LINES = `import time
for i in range(60):
    print(f"line {i}", flush=True)
    time.sleep(0.1)`;

test("a running cell's output streams into its card, newest lines in view, and the notebook follows the cell", async ({
  page,
  ci
}) => {
  const { steps } = await ci.start('live.ipynb', [
    runCell(SLOW_LINES),
    { text: 'Printed.' }
  ]);
  await ci.ask('Print sixty lines slowly.');
  const step = steps.first();
  const outputs = step.locator('.jp-ci-OutputsHost');

  // The first lines show while the cell still runs.
  await expect(outputs).toContainText('line 3', { timeout: 30000 });
  await expect(step).toHaveClass(/jp-ci-Step-running/);

  // Taller than the card's cut: the newest lines show, the first fade.
  await expect(outputs).toContainText('line 30', { timeout: 30000 });
  await expect(step).toHaveClass(/jp-ci-Step-running/);
  await expect(outputs).toHaveClass(/jp-mod-tail/);
  expect(await outputs.evaluate(node => node.scrollTop)).toBeGreaterThan(0);

  // The notebook shows the running cell's end, its newest output.
  const endInView = () =>
    page.evaluate(() => {
      const notebook = (window.jupyterapp.shell.currentWidget as any).content;
      const cell = notebook.widgets.find(
        (cell: any) => cell.model.getMetadata('ci_jupyterlab') !== undefined
      );
      const view = notebook.outerNode.getBoundingClientRect();
      const end = cell.node.getBoundingClientRect().bottom;
      return end <= view.bottom && end > view.top;
    });
  await expect.poll(endInView).toBe(true);
  await expect(outputs).toContainText('line 50', { timeout: 30000 });
  await expect.poll(endInView).toBe(true);

  // Done: the whole output, cut from the top as usual.
  await expect(ci.chat.status).toHaveText('Done', { timeout: 60000 });
  await expect(outputs).toContainText('line 59');
  await expect(outputs).not.toHaveClass(/jp-mod-tail/);
  await expect(step.getByRole('button', { name: 'Show more' })).toBeVisible();
});

test('the live output is bounded as the final one is', async ({ ci }) => {
  const { steps } = await ci.start('live-bounded.ipynb', [
    runCell(
      'import time\nprint("x" * 120_000, flush=True)\ntime.sleep(4)\nprint("end")'
    ),
    { text: 'Printed a lot.' }
  ]);
  await ci.ask('Print a lot, then wait.');
  const step = steps.first();
  await expect(step.locator('.jp-ci-OutputsHost')).toContainText(
    'characters cut',
    { timeout: 30000 }
  );
  await expect(step).toHaveClass(/jp-ci-Step-running/);
  await expect(ci.chat.status).toHaveText('Done', { timeout: 60000 });
  await expect(step.locator('.jp-ci-OutputsHost')).toContainText('end');
});
