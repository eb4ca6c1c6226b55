/**
 * How the chat reads in a narrow sidebar: compact step cards, steps
 * numbered per request, SVG outputs, timers and cost, following new
 * activity, and the keyboard.
 */
import { expect, test } from './fixtures';
import {
  modelRequests,
  reloadLab,
  runCell,
  unmockedKernels,
  wheelToTop
} from './utils';

const SVG = `from IPython.display import SVG, display
display(SVG('<svg xmlns="http://www.w3.org/2000/svg" width="60" height="40"><rect width="60" height="40" fill="teal"/></svg>'))`;

const LONG_CODE = Array.from({ length: 12 }, (_, i) => `x${i} = ${i}`).join(
  '\n'
);

test.use(unmockedKernels);

test('step cards are compact: code and tracebacks folded, steps numbered per request, SVG shown, time and tokens in the footer', async ({
  page,
  ci
}) => {
  const { steps, panel } = await ci.start('compact.ipynb', [
    runCell(LONG_CODE),
    runCell('1 / 0'),
    runCell(SVG),
    { text: 'Done with the first.' }
  ]);
  await ci.askUntilDone('First request.');

  // Code past six lines is folded, with a way to see all of it.
  const first = steps.nth(0);
  await expect(first).toContainText('x5 = 5');
  await expect(first).not.toContainText('x11 = 11');
  await first.getByRole('button', { name: 'Show all 12 lines' }).click();
  await expect(first).toContainText('x11 = 11');

  // An error is one line; its traceback waits behind a button.
  const failed = steps.nth(1);
  await expect(failed).toContainText('ZeroDivisionError: division by zero');
  await expect(failed.locator('.jp-ci-StepOutputs')).toHaveCount(0);
  await failed.getByRole('button', { name: 'Show traceback' }).click();
  await expect(failed.locator('.jp-ci-StepOutputs')).toContainText('Traceback');

  // SVG renders as an image, not as "<IPython.core.display.SVG object>".
  const svg = steps.nth(2);
  await expect(svg.locator('.jp-ci-SvgImage img')).toBeVisible();
  await expect(svg).not.toContainText('IPython.core.display.SVG');

  // Each finished step says how long it ran; the footer the request's time and tokens.
  await expect(first.locator('.jp-ci-Elapsed')).toHaveText(/\d s$/);
  await expect(panel.locator('.jp-ci-Usage')).toHaveText(
    /^[\d.]+ s · [\d,]+ tokens in · [\d,]+ out · \$[\d.]+$/
  );

  // A second request numbers its steps from 1 again.
  await ci.script([runCell('print(2)'), { text: 'Second done.' }]);
  await ci.askUntilDone('Second request.');
  // Now the conversation's cost shows beside the request's.
  await expect(panel.locator('.jp-ci-Usage')).toHaveText(
    /· \$[\d.]+ · session \$[\d.]+$/
  );
  await expect(steps.nth(3).locator('.jp-ci-StepTitle')).toHaveText('Step 1');
  // Its change card numbers the same way.
  const changes = ci.chat.changes.last();
  await changes.getByRole('button', { name: 'Review' }).click();
  await expect(
    changes.getByRole('group', { name: 'Step 1 · new cell' })
  ).toBeVisible();
  // (The SVG was the failed step's second attempt.)
  await expect(steps.nth(2).locator('.jp-ci-StepTitle')).toHaveText(
    'Step 2 · attempt 2'
  );
});

test('scrolled up, new activity shows a pill that jumps down; Escape stops a request and gives the input the focus', async ({
  page,
  ci
}) => {
  const longAnswer = Array.from(
    { length: 60 },
    (_, i) => `Paragraph ${i} of a long answer.`
  ).join('\n\n');
  const { panel, status, input } = await ci.start('follow.ipynb', [
    { text: longAnswer }
  ]);
  await ci.askUntilDone('Write a lot.');
  const log = panel.getByRole('log', { name: 'Conversation' });
  // The chat followed the answer to its end.
  await expect(
    panel.getByText('Paragraph 59 of a long answer.')
  ).toBeInViewport();

  // The user scrolls up to read; new activity arrives below.
  await ci.script([
    runCell('import time\ntime.sleep(2)\nprint("slept")'),
    { text: 'Slept.' }
  ]);
  await ci.ask('Sleep a little.');
  // The request is shown (sending scrolls to it); then the user scrolls up.
  await expect(panel.getByText('Sleep a little.')).toBeInViewport();
  await wheelToTop(log);
  const pill = panel.getByRole('button', { name: 'Jump to new activity' });
  await expect(pill).toBeVisible({ timeout: 20000 });
  await expect(status).toHaveText('Done', { timeout: 30000 });
  expect(await log.evaluate(node => node.scrollTop)).toBeLessThan(50);
  await pill.click();
  await expect(pill).toHaveCount(0);
  await expect(panel.getByText('Slept.')).toBeInViewport();

  // An export, started while the user reads further up, leaves the view there.
  await wheelToTop(log);
  await ci.chat.exportButton.click();
  await expect(panel.locator('.jp-ci-Export')).toContainText(/reproduced/, {
    timeout: 90000
  });
  await expect(ci.chat.target).toHaveText('follow.ipynb');
  expect(await log.evaluate(node => node.scrollTop)).toBeLessThan(50);
  await ci.chat.panel
    .getByRole('button', { name: 'Jump to new activity' })
    .click();

  // Escape stops the running request; the input has the focus after.
  await ci.script([
    runCell('import time\nfor i in range(600):\n    time.sleep(0.1)'),
    { text: 'Finished.' }
  ]);
  await ci.ask('Wait for a minute.');
  await expect(panel.locator('.jp-ci-Step').last()).toContainText('Running…', {
    timeout: 30000
  });
  await log.press('Escape');
  await expect(status).toHaveText('Stopped', { timeout: 15000 });
  await expect(input).toBeFocused();

  // A reload shows all of it again: the export's card among the rest.
  await reloadLab(page, 'follow.ipynb');
  await expect(panel.locator('.jp-ci-Export')).toContainText(/reproduced/);
  await expect(panel.getByText('Slept.')).toBeVisible();
});

test('the export and attach buttons are not a floppy disk and an upload arrow', async ({
  ci
}) => {
  const { panel, exportButton } = await ci.start('icons.ipynb');
  await expect(exportButton.locator('svg')).toHaveCount(1);
  // Lab's save icon (a floppy disk) is no longer the export's.
  await expect(panel.locator('[data-icon="ui-components:save"]')).toHaveCount(
    0
  );
  await expect(
    panel
      .getByRole('button', { name: 'Attach files' })
      .locator('[data-icon="ci-jupyterlab:paperclip"]')
  ).toHaveCount(1);
});

/** A 2×2 PNG, so no plotting library is needed in the kernel. */
const PNG = `import base64
from IPython.display import Image, display
display(Image(data=base64.b64decode('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGOQL98CRAwQCgAh0gUpRKDcEgAAAABJRU5ErkJggg==')))`;

test('after a reload the chat is at its newest entry; with images on, a chart reaches the model', async ({
  page,
  request,
  ci
}) => {
  // The user turns images on (the model's name alone would leave them off).
  const setImages = (value: string | null) =>
    page.evaluate(async value => {
      const settings = window.jupyterapp.serviceManager.serverSettings;
      const response = await fetch(
        `${settings.baseUrl}ci-jupyterlab/settings`,
        {
          method: 'PUT',
          body: JSON.stringify({ values: { send_images: value } }),
          headers: {
            'X-XSRFToken':
              (document.cookie.match(/_xsrf=([^;]+)/) ?? [])[1] ?? ''
          }
        }
      );
      return response.status;
    }, value);
  await ci.start('images.ipynb', [
    runCell(PNG),
    {
      text: Array.from(
        { length: 40 },
        (_, i) => `Line ${i} about the chart.`
      ).join('\n\n')
    }
  ]);
  expect(await setImages('on')).toBe(200);
  try {
    await ci.askUntilDone('Draw it and check it.');
    const [, afterCell] = await modelRequests(request);
    expect(JSON.stringify(afterCell)).toContain('data:image/png;base64,');
  } finally {
    expect(await setImages(null)).toBe(200);
  }

  await reloadLab(page, 'images.ipynb');
  await expect(
    ci.chat.panel.getByText('Line 39 about the chart.')
  ).toBeInViewport({
    timeout: 15000
  });
});
