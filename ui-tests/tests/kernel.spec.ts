/**
 * A kernel lost during a request: the step says how, one card says what
 * happened in the right words (a restart is not a death), the card outlives
 * a reload; a notebook closed while a cell runs is said as such.
 */
import { expect, test } from './fixtures';
import {
  chat,
  notebookCells,
  openPanel,
  reloadLab,
  runCell,
  taggedCells,
  unmockedKernels
} from './utils';

const SLOW = 'import time\ntime.sleep(60)';

test.use(unmockedKernels);

/** Nothing but the step and one kernel card says the request ended. */
async function saidOnce(panel: ReturnType<typeof chat>['panel']) {
  await expect(panel.locator('.jp-ci-KernelCard')).toHaveCount(1);
  await expect(panel.locator('.jp-ci-Messages .jp-ci-Error')).toHaveCount(0);
  await expect(panel.locator('.jp-ci-Messages .jp-ci-Notice')).toHaveCount(0);
}

test('a kernel restart during a step ends the request with one card that says so, kept after a reload', async ({
  page,
  ci
}) => {
  const { panel, steps, stop, send, input } = await ci.start('restart.ipynb', [
    runCell(SLOW)
  ]);

  await ci.ask('Sleep for a minute.');
  await expect(steps.first()).toContainText('Running…', { timeout: 60000 });
  await page.evaluate(async () => {
    const panel = window.jupyterapp.shell.currentWidget as any;
    await panel.sessionContext.restartKernel();
  });

  await expect(steps.first()).toHaveClass(/jp-ci-Step-kernel_restarted/, {
    timeout: 15000
  });
  await expect(steps.first()).toContainText('The kernel restarted');
  const card = panel.getByRole('group', { name: 'Kernel lost' });
  await expect(card).toContainText(
    "The kernel was restarted: this conversation's variables are gone."
  );
  await expect(card).not.toContainText('reopen');
  await saidOnce(panel);
  await expect(stop).toBeDisabled();
  await input.fill('Again?');
  await expect(send).toBeEnabled();

  await reloadLab(page, 'restart.ipynb');
  await expect(card).toContainText('The kernel was restarted');
  await expect(
    card.getByRole('button', { name: 'Restore state' })
  ).toBeVisible();
  await saidOnce(panel);
});

test('a restart the moment a step appears, before its cell is placed, ends it as a restart: nothing runs in the fresh kernel', async ({
  page,
  ci
}) => {
  const { panel, steps } = await ci.start('early.ipynb', [runCell(SLOW)]);
  // Restart in the same task the step shows up in: no polling delay, so the
  // panel is still asking the server whether the notebook exists.
  await page.evaluate(() => {
    const observer = new MutationObserver(() => {
      if (document.querySelector('.jp-ci-Step-running')) {
        observer.disconnect();
        const notebook = window.jupyterapp.shell.currentWidget as any;
        void notebook.sessionContext.restartKernel();
      }
    });
    observer.observe(document.body, {
      childList: true,
      subtree: true,
      attributes: true
    });
  });
  await ci.ask('Sleep for a minute.');

  await expect(steps.first()).toHaveClass(/jp-ci-Step-kernel_restarted/, {
    timeout: 15000
  });
  await expect(panel.getByRole('group', { name: 'Kernel lost' })).toContainText(
    'The kernel was restarted'
  );
  await saidOnce(panel);
  expect(taggedCells(await notebookCells(page, 'early.ipynb'))).toHaveLength(0);
});

test('a kernel killed during a request is said to have died, and its restored card stays restored after a reload', async ({
  page,
  ci
}) => {
  const { panel, steps } = await ci.start('killed.ipynb', [
    runCell('total = 41'),
    runCell('import os, signal\nos.kill(os.getpid(), signal.SIGKILL)')
  ]);
  await ci.ask('Set total, then crash.');

  const card = panel.getByRole('group', { name: 'Kernel lost' });
  await expect(card).toContainText(
    'The kernel died (it may have run out of memory) and was started again',
    { timeout: 60000 }
  );
  await expect(card).not.toContainText('restarted');
  // Lab's own dialog says the kernel is restarting; the user dismisses it.
  const labDialog = page.locator('.jp-Dialog', {
    hasText: 'Kernel Restarting'
  });
  await labDialog.locator('.jp-mod-accept').click();
  await expect(steps.nth(1)).toContainText('The kernel died');
  await expect(chat(page).status).not.toHaveText(/Running|Thinking/);
  await saidOnce(panel);

  await card.getByRole('button', { name: 'Restore state' }).click();
  await expect(card).toContainText('State restored: 1 of 1 cells run again.', {
    timeout: 60000
  });

  await reloadLab(page, 'killed.ipynb');
  await expect(card).toContainText('The kernel died');
  await expect(card).toContainText('State restored: 1 of 1 cells run again.');
  await saidOnce(panel);
});

test('closing the notebook while a cell runs says so, not that the kernel died; the kernel runs on', async ({
  page,
  tmpPath,
  ci
}) => {
  const { panel, steps, status } = await ci.start('closed.ipynb', [
    runCell('import time\ntime.sleep(20)\nprint("finished")')
  ]);
  await ci.ask('Take your time.');
  await expect(steps.first()).toContainText('Running…', { timeout: 60000 });
  const kernelId = await page.evaluate(() => {
    const widget = window.jupyterapp.shell.currentWidget as any;
    return widget.sessionContext.session.kernel.id as string;
  });

  await page.evaluate(() =>
    window.jupyterapp.commands.execute('application:close')
  );
  // With changes not saved yet (the running cell's), Lab asks first.
  const asked = page.locator('.jp-Dialog');
  if (
    await asked.waitFor({ timeout: 5000 }).then(
      () => true,
      () => false
    )
  ) {
    await asked.getByRole('button', { name: 'Save' }).click();
  }

  // Its conversation is no longer shown: a notification says what happened.
  await expect
    .poll(
      async () => (await page.notifications).map(notice => notice.message),
      { timeout: 15000 }
    )
    .toContainEqual(
      expect.stringMatching(
        /closed\.ipynb was closed while the assistant’s cell ran: the request stopped\. Its kernel was left running\./
      )
    );
  // The kernel was not shut down: it still runs the cell.
  const state = await page.evaluate(async id => {
    const { baseUrl } = window.jupyterapp.serviceManager.serverSettings;
    const answer = await fetch(`${baseUrl}api/kernels/${id}`);
    return answer.ok ? (await answer.json()).execution_state : null;
  }, kernelId);
  expect(state).toBe('busy');

  await page.filebrowser.open(`${tmpPath}/closed.ipynb`);
  await openPanel(page);
  await expect(steps.first()).toContainText('The notebook was closed');
  await expect(panel.locator('.jp-ci-Notice')).toContainText(
    'The notebook was closed while the assistant’s cell ran, so the request stopped.'
  );
  await expect(panel).not.toContainText('kernel died');
  await expect(panel.locator('.jp-ci-KernelCard')).toHaveCount(0);
  await expect(status).not.toHaveText(/Running/);
});
