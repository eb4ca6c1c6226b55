/**
 * The user's own work comes first: the assistant never interrupts a cell it
 * did not start, saves what it wrote, shows again everything after a reload,
 * survives huge outputs and offers to restore a lost kernel's state.
 */
import { expect, test } from '@jupyterlab/galata';

import {
  ask,
  chat,
  modelRequests,
  notebookCells,
  openPanel,
  outputText,
  reloadLab,
  runCell,
  savedCells,
  scriptModel,
  taggedCells,
  unmockedKernels
} from './utils';

test.use(unmockedKernels);

test('a request waits for the user’s running cell and never interrupts it', async ({
  page,
  request
}) => {
  await scriptModel(request, [
    runCell('print("after yours")'),
    { text: 'Ran after your cell.' }
  ]);
  await page.notebook.createNew('busy.ipynb');
  await page.notebook.setCell(
    0,
    'code',
    'import time\nprint("started", flush=True)\ntime.sleep(12)\nprint("finished")'
  );
  // Run it without waiting for it, as a user does.
  await page.evaluate(() => {
    void window.jupyterapp.commands.execute('notebook:run-cell');
  });
  await expect(
    page.locator('.jp-OutputArea-output', { hasText: 'started' })
  ).toBeVisible({ timeout: 30000 });
  await openPanel(page);
  const { status, stop } = chat(page);
  await ask(page, 'Print something.');

  await expect(status).toHaveText(
    'Waiting for the kernel: your cell is running.',
    { timeout: 15000 }
  );
  await expect(stop).toBeEnabled();
  await expect(status).toHaveText('Done', { timeout: 60000 });
  const cells = await notebookCells(page, 'busy.ipynb');
  expect(outputText(cells[0])).toContain('finished');
  expect(outputText(cells[0])).not.toContain('KeyboardInterrupt');
  expect(outputText(taggedCells(cells)[0])).toContain('after yours');
});

test('the notebook is saved after each step and when the request ends', async ({
  page,
  request
}) => {
  await scriptModel(request, [
    runCell('value = 6 * 7\nprint(value)'),
    { text: 'It is 42.' }
  ]);
  await page.notebook.createNew('saved.ipynb');
  await openPanel(page);
  await ask(page, 'Compute six times seven.');
  await expect(chat(page).status).toHaveText('Done', { timeout: 60000 });

  await expect(
    page.locator('.lm-TabBar-tab.jp-mod-dirty', { hasText: 'saved.ipynb' })
  ).toHaveCount(0);
  const [saved] = taggedCells(await savedCells(page, 'saved.ipynb'));
  expect(saved.source).toContain('value = 6 * 7');
  expect(outputText(saved)).toContain('42');
});

test('a reload shows everything again: text between steps and a stopped request', async ({
  page,
  request
}) => {
  await scriptModel(request, [
    runCell('x = 41', 'First, a value.'),
    runCell('print(x + 1)', 'Now the sum.'),
    { text: 'It is **42**.' }
  ]);
  await page.notebook.createNew('reload.ipynb');
  await openPanel(page);
  const { status, steps, stop, assistant } = chat(page);
  await ask(page, 'Add one to 41.');
  await expect(status).toHaveText('Done', { timeout: 60000 });

  await scriptModel(request, [
    runCell('import time\ntime.sleep(120)', 'This takes a while.')
  ]);
  await ask(page, 'Wait two minutes.');
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
  request
}) => {
  await scriptModel(request, [
    runCell('%pip install tinypkg'),
    { text: 'Done without tinypkg.' }
  ]);
  await page.notebook.createNew('pending.ipynb');
  // Saved once, with its kernel: no cell runs before the reload, and Lab asks
  // for a kernel when it reopens a notebook that was never saved with one.
  await page.notebook.save();
  await openPanel(page);
  await ask(page, 'Install tinypkg.');
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
  page,
  request
}) => {
  const big =
    'import base64, os\nfrom IPython.display import display\n' +
    "display({'image/png': base64.b64encode(os.urandom(9_000_000)).decode(), 'text/plain': 'a big image'}, raw=True)";
  await scriptModel(request, [runCell(big), { text: 'Shown.' }]);
  await page.notebook.createNew('big.ipynb');
  await openPanel(page);
  const { status, steps } = chat(page);
  await ask(page, 'Show a big image.');

  await expect(status).toHaveText('Done', { timeout: 90000 });
  await expect(steps.first()).toHaveClass(/jp-ci-Step-ok/);
  await expect(steps.first()).toContainText('not kept in the chat');
  const bodies = await modelRequests(request);
  expect(JSON.stringify(bodies[bodies.length - 1]).length).toBeLessThan(
    200_000
  );
});

test('after the kernel dies, Restore state runs the working cells again and the work goes on', async ({
  page,
  request
}) => {
  await scriptModel(request, [
    runCell('total = 41'),
    runCell('import os\nos.kill(os.getpid(), 9)')
  ]);
  await page.notebook.createNew('restore.ipynb');
  await openPanel(page);
  const { status, panel, steps } = chat(page);
  await ask(page, 'Set total, then crash.');

  const card = panel.getByRole('group', { name: 'Kernel restarted' });
  await expect(card).toBeVisible({ timeout: 60000 });
  // Lab's own dialog says the kernel is restarting; the user dismisses it first.
  const labDialog = page.locator('.jp-Dialog', {
    hasText: 'Kernel Restarting'
  });
  await labDialog.locator('.jp-mod-accept').click();
  await expect(labDialog).toHaveCount(0);
  await expect(steps.nth(1)).toContainText(/The kernel (died|restarted)/);
  await card.getByRole('button', { name: 'Restore state' }).click();
  await expect(card).toContainText('State restored: 1 of 1 cells run again.', {
    timeout: 60000
  });

  await scriptModel(request, [
    runCell('print(total + 1)'),
    { text: 'It is 42.' }
  ]);
  await ask(page, 'Continue: add one.');
  await expect(status).toHaveText('Done', { timeout: 60000 });
  const cells = taggedCells(await notebookCells(page, 'restore.ipynb'));
  expect(outputText(cells[cells.length - 1])).toContain('42');
});
