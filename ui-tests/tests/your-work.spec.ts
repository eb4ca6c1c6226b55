/**
 * The user's own work comes first: the assistant never interrupts a cell it
 * did not start, saves what it wrote, shows again everything after a reload,
 * survives huge outputs and offers to restore a lost kernel's state.
 */
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';

import { CodeInterpreter, expect, test } from './fixtures';
import {
  chat,
  modelRequests,
  notebookCells,
  openPanel,
  outputText,
  reloadLab,
  runCell,
  savedCells,
  savedNotebook,
  taggedCells,
  unmockedKernels,
  userNotebook
} from './utils';

test.use(unmockedKernels);

/**
 * A new notebook whose one cell the user runs (sleeping `seconds`), then a
 * request sent while it runs; returns once the status line says it waits.
 */
async function askWhileUsersCellRuns(
  page: IJupyterLabPageFixture,
  ci: CodeInterpreter,
  notebook: string,
  seconds: number
): Promise<ReturnType<typeof chat>> {
  await page.notebook.createNew(notebook);
  await page.notebook.setCell(
    0,
    'code',
    `import time\nprint("started", flush=True)\ntime.sleep(${seconds})\nprint("finished")`
  );
  // Run it without waiting for it, as a user does.
  await page.evaluate(() => {
    void window.jupyterapp.commands.execute('notebook:run-cell');
  });
  await expect(
    page.locator('.jp-OutputArea-output', { hasText: 'started' })
  ).toBeVisible({ timeout: 30000 });
  await openPanel(page);
  await ci.ask('Print something.');
  const controls = chat(page);
  await expect(controls.status).toHaveText(
    'Waiting for the kernel: your cell is running.',
    { timeout: 15000 }
  );
  return controls;
}

test('a request waits for the user’s running cell and never interrupts it', async ({
  page,
  ci
}) => {
  await ci.script([
    runCell('print("after yours")'),
    { text: 'Ran after your cell.' }
  ]);
  const { status, stop } = await askWhileUsersCellRuns(
    page,
    ci,
    'busy.ipynb',
    12
  );
  await expect(stop).toBeEnabled();
  await expect(status).toHaveText('Done', { timeout: 60000 });
  const cells = await notebookCells(page, 'busy.ipynb');
  expect(outputText(cells[0])).toContain('finished');
  expect(outputText(cells[0])).not.toContain('KeyboardInterrupt');
  expect(outputText(taggedCells(cells)[0])).toContain('after yours');
});

test('Stop while the assistant waits behind the user’s cell stops the request, not the user’s cell', async ({
  page,
  ci
}) => {
  await ci.script([runCell('print("never needed")'), { text: 'Not reached.' }]);
  const { status, stop } = await askWhileUsersCellRuns(
    page,
    ci,
    'busy-stop.ipynb',
    8
  );

  await stop.click();
  await expect(status).toHaveText('Stopped', { timeout: 15000 });
  // The user's cell runs to its end, untouched.
  await expect(
    page.locator('.jp-OutputArea-output', { hasText: 'finished' })
  ).toBeVisible({ timeout: 30000 });
  const cells = await notebookCells(page, 'busy-stop.ipynb');
  expect(outputText(cells[0])).not.toContain('KeyboardInterrupt');
});

test('the notebook is saved after each step and when the request ends', async ({
  page,
  ci
}) => {
  await ci.start('saved.ipynb', [
    runCell('value = 6 * 7\nprint(value)'),
    { text: 'It is 42.' }
  ]);
  await ci.askUntilDone('Compute six times seven.');

  await expect(
    page.locator('.lm-TabBar-tab.jp-mod-dirty', { hasText: 'saved.ipynb' })
  ).toHaveCount(0);
  // Read again if it was read mid-write (Jupyter writes the file in place).
  const saved = async () =>
    taggedCells(await savedCells(page, 'saved.ipynb').catch(() => []))[0];
  await expect
    .poll(async () => (await saved())?.source)
    .toContain('value = 6 * 7');
  expect(outputText((await saved())!)).toContain('42');
});

test('a reload shows everything again: text between steps and a stopped request', async ({
  page,
  ci
}) => {
  const { status, steps, stop, assistant } = await ci.start('reload.ipynb', [
    runCell('x = 41', 'First, a value.'),
    runCell('print(x + 1)', 'Now the sum.'),
    { text: 'It is **42**.' }
  ]);
  await ci.askUntilDone('Add one to 41.');

  await ci.script([
    runCell('import time\ntime.sleep(120)', 'This takes a while.')
  ]);
  await ci.ask('Wait two minutes.');
  await expect(steps.nth(2)).toContainText('Running…', { timeout: 60000 });
  await stop.click();
  await expect(status).toHaveText('Stopped', { timeout: 30000 });

  await reloadLab(page, 'reload.ipynb');
  await expect(chat(page).user).toHaveText([
    'Add one to 41.',
    'Wait two minutes.'
  ]);
  await expect(assistant).toHaveText([
    'First, a value.',
    'Now the sum.',
    'It is 42.',
    'This takes a while.'
  ]);
  await expect(steps).toHaveCount(3);
  await expect(steps.nth(2)).toHaveClass(/jp-ci-Step-cancelled/);
  await expect(chat(page).panel.locator('.jp-ci-Notice').last()).toHaveText(
    'Stopped by you.'
  );
});

test('an install card waiting for an answer is still answerable after a reload', async ({
  page,
  ci
}) => {
  await ci.script([
    runCell('%pip install tinypkg'),
    { text: 'Done without tinypkg.' }
  ]);
  // Saved once, with its kernel: no cell runs before the reload.
  await savedNotebook(page, 'pending.ipynb');
  await openPanel(page);
  await ci.ask('Install tinypkg.');
  const card = () =>
    chat(page).panel.getByRole('group', { name: 'Install request' });
  await expect(card()).toBeVisible({ timeout: 60000 });

  await reloadLab(page, 'pending.ipynb');
  await expect(card()).toBeVisible();
  await card().getByRole('button', { name: "Don't install" }).click();
  await expect(card()).toContainText('Declined');
  await expect(chat(page).status).toHaveText('Done', { timeout: 60000 });
  await expect(chat(page).assistant.last()).toContainText(
    'Done without tinypkg.'
  );
});

test('a 12 MB output does not break the chat: the step ends and the request goes on', async ({
  request,
  ci
}) => {
  const big =
    'import base64, os\nfrom IPython.display import display\n' +
    "display({'image/png': base64.b64encode(os.urandom(9_000_000)).decode(), 'text/plain': 'a big image'}, raw=True)";
  const { steps } = await ci.start('big.ipynb', [
    runCell(big),
    { text: 'Shown.' }
  ]);
  await ci.askUntilDone('Show a big image.', { timeout: 90000 });
  await expect(steps.first()).toHaveClass(/jp-ci-Step-ok/);
  await expect(steps.first()).toContainText('not kept in the chat');
  const bodies = await modelRequests(request);
  expect(JSON.stringify(bodies[bodies.length - 1]).length).toBeLessThan(
    200_000
  );
});

/**
 * The "Kernel lost" card, once Lab's own dialog that says the kernel
 * is restarting is dismissed (as the user does first).
 */
async function kernelCard(
  page: IJupyterLabPageFixture,
  panel: Locator
): Promise<Locator> {
  const card = panel.getByRole('group', { name: 'Kernel lost' });
  await expect(card).toBeVisible({ timeout: 60000 });
  const labDialog = page.locator('.jp-Dialog', {
    hasText: 'Kernel Restarting'
  });
  await labDialog.locator('.jp-mod-accept').click();
  await expect(labDialog).toHaveCount(0);
  return card;
}

/**
 * Wait until the request the kernel's loss ended says so: its end may come
 * after the restore (on a loaded machine), and the panel sends no request
 * while one runs.
 */
async function crashedRequestEnded(
  page: IJupyterLabPageFixture
): Promise<void> {
  await expect(chat(page).status).toHaveText('Error', { timeout: 30000 });
}

test('after the kernel dies, Restore state runs the working cells again and the work goes on', async ({
  page,
  ci
}) => {
  const { panel, steps } = await ci.start('restore.ipynb', [
    runCell('total = 41'),
    runCell('import os\nos.kill(os.getpid(), 9)')
  ]);
  await ci.ask('Set total, then crash.');

  const card = await kernelCard(page, panel);
  await expect(steps.nth(1)).toContainText(/The kernel (died|restarted)/);
  await card.getByRole('button', { name: 'Restore state' }).click();
  await expect(card).toContainText('State restored: 1 of 1 cells run again.', {
    timeout: 60000
  });

  await crashedRequestEnded(page);
  await ci.script([runCell('print(total + 1)'), { text: 'It is 42.' }]);
  await ci.askUntilDone('Continue: add one.');
  const cells = taggedCells(await notebookCells(page, 'restore.ipynb'));
  expect(outputText(cells[cells.length - 1])).toContain('42');
});

test('a request’s end that arrives after Restore state adds no second Kernel lost card', async ({
  page,
  ci
}) => {
  // Under load the server's `done` can come after the user restored the
  // state: hold it back until then, as a loaded machine does.
  const held: string[] = [];
  let holding = true;
  let release = () => {};
  await page.routeWebSocket(/\/ci-jupyterlab\/chat/, ws => {
    const server = ws.connectToServer();
    server.onMessage(message => {
      if (holding && JSON.parse(message as string).type === 'done') {
        held.push(message as string);
      } else {
        ws.send(message);
      }
    });
    release = () => held.splice(0).forEach(message => ws.send(message));
  });
  await page.reload(); // the chat's socket opens again, through the route
  const { panel, status } = await ci.start('restore-late.ipynb', [
    runCell('total = 41'),
    runCell('import os\nos.kill(os.getpid(), 9)')
  ]);
  await ci.ask('Set total, then crash.');

  const card = await kernelCard(page, panel);
  await card.getByRole('button', { name: 'Restore state' }).click();
  await expect(card).toContainText('State restored: 1 of 1 cells run again.', {
    timeout: 60000
  });
  await expect.poll(() => held.length, { timeout: 30000 }).toBe(1);
  holding = false;
  release();

  await expect(status).toHaveText('Error');
  await expect(panel.getByRole('group', { name: 'Kernel lost' })).toHaveCount(
    1
  );
  await expect(card).toContainText('State restored: 1 of 1 cells run again.');
});

test('Restore state asks again before it re-runs a cell that needed approval', async ({
  page,
  ci
}) => {
  const { panel } = await ci.start('restore-approved.ipynb', [
    runCell('total = 41'),
    runCell('!echo approved-once > marker.txt\nshell_ran = True'),
    runCell('import os\nos.kill(os.getpid(), 9)')
  ]);
  await ci.ask('Set total, write a marker, then crash.');
  const approval = panel.getByRole('group', { name: 'Approval request' });
  await approval.getByRole('button', { name: 'Run', exact: true }).click();

  const card = await kernelCard(page, panel);

  // Cancel: nothing runs, the card still offers to restore.
  await card.getByRole('button', { name: 'Restore state' }).click();
  const ask = page.locator('.jp-Dialog', {
    hasText: 'Run approved cells again?'
  });
  await expect(ask).toContainText('Step 2');
  await expect(ask).toContainText('It runs shell commands: echo approved-once');
  await ask.getByRole('button', { name: 'Cancel restoring the state' }).click();
  await expect(
    card.getByRole('button', { name: 'Restore state' })
  ).toBeVisible();

  // Skip them: the other working cell runs, the approved one does not.
  await card.getByRole('button', { name: 'Restore state' }).click();
  await ask
    .getByRole('button', {
      name: 'Restore without the cells that needed approval'
    })
    .click();
  await expect(card).toContainText('State restored: 1 of 1 cells run again.', {
    timeout: 60000
  });
  await crashedRequestEnded(page);
  await ci.script([
    runCell("print(total + 1, 'shell_ran' in globals())"),
    { text: 'It is 42.' }
  ]);
  await ci.askUntilDone('Continue: add one.');
  const cells = taggedCells(
    await notebookCells(page, 'restore-approved.ipynb')
  );
  expect(outputText(cells[cells.length - 1])).toContain('42 False');
});

test('Undo’s kernel restore asks too before it re-runs a cell that needed approval', async ({
  page,
  ci
}) => {
  await ci.script([
    runCell('!echo approved-once >> marks.txt\nmarked = True'),
    { text: 'Marked.' }
  ]);
  await userNotebook(page, 'undo-approved.ipynb', ['base = 40']);
  await openPanel(page);
  const { panel, changes } = chat(page);
  await ci.ask('Write a mark.');
  await panel
    .getByRole('group', { name: 'Approval request' })
    .getByRole('button', { name: 'Run', exact: true })
    .click();
  await expect(chat(page).status).toHaveText('Done', { timeout: 60000 });

  await ci.script([runCell('total = base + 2'), { text: 'The total is 42.' }]);
  await ci.askUntilDone('Add two to base.');
  const second = changes.last();
  await second.getByRole('button', { name: 'Review changes' }).click();
  const restore = second.getByRole('checkbox', {
    name: 'Also restore the kernel (restart it, then run 2 cells)'
  });
  await restore.check();
  const ask = page.locator('.jp-Dialog', {
    hasText: 'Run approved cells again?'
  });

  // Cancel: nothing is undone, nothing runs.
  await second.getByRole('button', { name: 'Undo request' }).click();
  await expect(ask).toContainText('It runs shell commands: echo approved-once');
  await ask.getByRole('button', { name: 'Cancel restoring the state' }).click();
  await expect(
    second.getByRole('button', { name: 'Undo request' })
  ).toBeVisible();
  expect(
    (await notebookCells(page, 'undo-approved.ipynb')).map(cell => cell.source)
  ).toContain('total = base + 2');

  // Skip them: undone, the kernel restarted, the user's cell run again, the shell command not.
  await second.getByRole('button', { name: 'Undo request' }).click();
  await ask
    .getByRole('button', {
      name: 'Restore without the cells that needed approval'
    })
    .click();
  await expect(second).toContainText('Undone');
  await expect(page.getByRole('group', { name: 'Kernel lost' })).toContainText(
    'State restored: 1 of 1 cells run again.',
    { timeout: 60000 }
  );
  await page.notebook.addCell(
    'code',
    "print(base, 'marked' in globals(), open('marks.txt').read().count('approved-once'))"
  );
  const cells = await notebookCells(page, 'undo-approved.ipynb');
  await page.notebook.runCell(cells.length - 1, { inplace: true });
  await expect
    .poll(async () => {
      const now = await notebookCells(page, 'undo-approved.ipynb');
      return outputText(now[now.length - 1]);
    })
    .toBe('40 False 1\n');
});

test('Restore state can re-run the user’s own cells above the assistant’s too', async ({
  page,
  ci
}) => {
  await ci.script([
    runCell('total = base + 1'),
    runCell('import os\nos.kill(os.getpid(), 9)')
  ]);
  await userNotebook(page, 'restore-mine.ipynb', ['base = 40']);
  await openPanel(page);
  const { panel } = chat(page);
  await ci.ask('Add one to base, then crash.');

  const card = await kernelCard(page, panel);
  await card.getByLabel('Also re-run my own cells above them').check();
  await card.getByRole('button', { name: 'Restore state' }).click();
  await expect(card).toContainText('State restored: 2 of 2 cells run again.', {
    timeout: 60000
  });

  await crashedRequestEnded(page);
  await ci.script([runCell('print(total + 1)'), { text: 'It is 42.' }]);
  await ci.askUntilDone('Continue: add one.');
  const cells = taggedCells(await notebookCells(page, 'restore-mine.ipynb'));
  expect(outputText(cells[cells.length - 1])).toContain('42');
});
