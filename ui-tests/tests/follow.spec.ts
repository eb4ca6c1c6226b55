/**
 * The chat keeps up with the work (issue 17, item 2): from the moment the
 * user sends a request or answers a card, the log follows that request to
 * its end, with long outputs and tables, after an approval and after
 * switching notebooks, unless the user scrolls up during it. Chromium at
 * 1440×900, the panel at its default width.
 */
import type { Locator } from '@playwright/test';

import { expect, test } from './fixtures';
import { runCell, wheelToTop } from './utils';

test.use({ viewport: { width: 1440, height: 900 } });

/** A step with a 60-line output and a table. */
const SIXTY_AND_TABLE = `import pandas as pd
for i in range(60):
    print(f"row {i}: value {i * i}")
pd.DataFrame({"city": ["Oslo", "Lima", "Pune"], "population": [709000, 10000000, 3100000], "country": ["Norway", "Peru", "India"]})`;

/** A long answer about `topic` whose last line is `last`. */
function longAnswer(last: string, topic = 'the analysis'): string {
  return [
    ...Array.from({ length: 30 }, (_, i) => `Finding ${i} of ${topic}.`),
    last
  ].join('\n\n');
}

/** How far the log is from its end, in pixels. */
function distanceToEnd(log: Locator): Promise<number> {
  return log.evaluate(
    node => node.scrollHeight - node.scrollTop - node.clientHeight
  );
}

/** The log shows the end of the request: its last words, nothing hidden below. */
async function atTheEnd(
  panel: Locator,
  log: Locator,
  last: string
): Promise<void> {
  await expect(panel.getByText(last)).toBeInViewport();
  await expect.poll(() => distanceToEnd(log)).toBeLessThan(2);
  await expect(
    panel.getByRole('button', { name: 'Jump to new activity' })
  ).toHaveCount(0);
}

test('the log follows a request to its end: a 60-line output, a table, quick steps, a streamed answer', async ({
  ci
}) => {
  const { panel, steps } = await ci.start('follow-long.ipynb', [
    { text: longAnswer('End of the first answer.') }
  ]);
  const log = panel.getByRole('log', { name: 'Conversation' });
  await ci.askUntilDone('Tell me a lot.');
  await atTheEnd(panel, log, 'End of the first answer.');

  // Steps that come quickly one after the other grow the log between its
  // scrolls; so does an answer streamed as a real model streams.
  await ci.script([
    runCell(SIXTY_AND_TABLE),
    runCell('print("quick 1")'),
    runCell('print("quick 2")'),
    runCell('print("quick 3")'),
    { text: longAnswer('End of the second answer.'), chunk_delay: 0.01 }
  ]);
  await ci.askUntilDone('Print the rows and the table, then three more.');
  await expect(steps.nth(0).locator('td', { hasText: 'Oslo' })).toHaveCount(1);
  await atTheEnd(panel, log, 'End of the second answer.');

  // Sending follows again from wherever the user was.
  await wheelToTop(log);
  await ci.script([
    runCell(SIXTY_AND_TABLE),
    runCell('print("quick 4")'),
    { text: 'End of the third answer.' }
  ]);
  await ci.askUntilDone('Once more.');
  await atTheEnd(panel, log, 'End of the third answer.');
});

test('answering an approval card follows the request to its end, wherever the user had scrolled', async ({
  ci
}) => {
  const { panel, status } = await ci.start('follow-approval.ipynb', [
    { text: longAnswer('End of the first answer.') }
  ]);
  const log = panel.getByRole('log', { name: 'Conversation' });
  await ci.askUntilDone('Tell me a lot.');

  await ci.script([
    runCell(`!echo listing\n${SIXTY_AND_TABLE}`),
    { text: longAnswer('End of the answer after the approval.') }
  ]);
  await ci.ask('List the files, then the rows and the table.');
  const card = panel.getByRole('group', { name: 'Approval request' });
  await expect(card).toBeInViewport();
  // The user reads further up before answering.
  await wheelToTop(log);
  await card.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(status).toHaveText('Done', { timeout: 60000 });
  await atTheEnd(panel, log, 'End of the answer after the approval.');
});

test('after switching notebooks, the log follows the new request, and each notebook keeps its place', async ({
  page,
  ci
}) => {
  const { panel } = await ci.start('follow-a.ipynb', [
    { text: longAnswer('End of the answer in A.', 'notebook A') }
  ]);
  const log = panel.getByRole('log', { name: 'Conversation' });
  await ci.askUntilDone('Tell me a lot in A.');
  // The user scrolls up in A to read, then works in another notebook.
  await log.hover();
  await page.mouse.wheel(0, -300);
  await expect.poll(() => distanceToEnd(log)).toBeGreaterThan(250);
  const reading = await log.evaluate(node => node.scrollTop);

  // A second notebook (File > New > Notebook asks for no kernel then).
  await page.evaluate(() =>
    window.jupyterapp.commands.execute('notebook:create-new', {
      kernelName: 'python3'
    })
  );
  await expect(ci.chat.target).toHaveText(/^Untitled.*\.ipynb$/);
  const b = (await ci.chat.target.textContent())!;
  await ci.script([
    runCell(SIXTY_AND_TABLE),
    { text: longAnswer('End of the answer in B.') }
  ]);
  await ci.askUntilDone('Print the rows and the table in B.');
  await atTheEnd(panel, log, 'End of the answer in B.');

  // Back in A, the user is where they were reading; back in B, at its end.
  await page.notebook.activate('follow-a.ipynb');
  await expect(ci.chat.target).toHaveText('follow-a.ipynb');
  await expect(panel.getByText('End of the answer in A.')).toBeVisible();
  await expect
    .poll(() => log.evaluate(node => node.scrollTop))
    .toBeCloseTo(reading, -1);
  await page.notebook.activate(b);
  await expect(ci.chat.target).toHaveText(b);
  await atTheEnd(panel, log, 'End of the answer in B.');
});
