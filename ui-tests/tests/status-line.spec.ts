/**
 * The status line's timers (issue 17, item 7): never negative, restarted
 * with each phase (two cells in a row are two phases), and at the panel's
 * default width the request's time and tokens go under the status, never
 * over it. Chromium at 1440×900.
 */
import { expect, test } from './fixtures';

test.use({ viewport: { width: 1440, height: 900 } });

const SLEEP = 'import time\ntime.sleep(1.5)';

/** What the footer showed at one moment. */
interface ISample {
  label: string;
  phase: string;
  usage: string;
  steps: string[];
  stepCount: number;
  overlap: boolean;
}

/** Seconds of a duration label: "0.4 s", "12 s", "2 min 5 s"; negative ones too. */
function seconds(label: string): number {
  const minutes = /(-?\d+) min (\d+) s/.exec(label);
  if (minutes) {
    return Number(minutes[1]) * 60 + Number(minutes[2]);
  }
  return Number(/(-?[\d.]+) s/.exec(label)?.[1] ?? NaN);
}

test('timers never go negative, restart with each phase, and never overlap the usage line', async ({
  page,
  ci
}) => {
  const { panel, status } = await ci.start('timers.ipynb', [
    // The model thinks a while, then asks for two cells at once.
    {
      tool_calls: [
        { name: 'run_cell', arguments: { code: SLEEP } },
        { name: 'run_cell', arguments: { code: SLEEP } }
      ],
      delay: 1.5
    },
    { text: 'Slept twice.', delay: 1.5 }
  ]);
  // Every change of the footer and the step cards is recorded as it happens.
  await page.evaluate(() => {
    const samples: ISample[] = [];
    (window as any).ciSamples = samples;
    const panel = document.querySelector('.jp-ci-ChatPanel')!;
    const text = (selector: string) =>
      panel.querySelector(selector)?.textContent ?? '';
    const record = () => {
      const group = panel.querySelector('.jp-ci-StatusGroup');
      const usage = panel.querySelector('.jp-ci-Usage');
      let overlap = false;
      if (group && usage) {
        const a = group.getBoundingClientRect();
        const b = usage.getBoundingClientRect();
        overlap =
          a.left < b.right &&
          b.left < a.right &&
          a.top < b.bottom &&
          b.top < a.bottom;
      }
      samples.push({
        label: text('.jp-ci-Status'),
        phase: text('.jp-ci-StatusGroup .jp-ci-Elapsed'),
        usage: text('.jp-ci-Usage'),
        steps: Array.from(
          panel.querySelectorAll('.jp-ci-Step .jp-ci-Elapsed'),
          node => node.textContent ?? ''
        ),
        stepCount: panel.querySelectorAll('.jp-ci-Step').length,
        overlap
      });
    };
    new MutationObserver(record).observe(panel, {
      subtree: true,
      childList: true,
      characterData: true
    });
  });
  await ci.ask('Sleep twice.');
  await expect(status).toHaveText('Running cell…', { timeout: 30000 });
  await expect(status).toHaveText('Done', { timeout: 60000 });
  const samples: ISample[] = await page.evaluate(
    () => (window as any).ciSamples
  );
  const busy = samples.filter(sample => sample.phase !== '');
  expect(busy.length).toBeGreaterThan(5);

  // Never negative: not the phase, not the request, not a step.
  for (const sample of samples) {
    for (const time of [sample.phase, sample.usage, ...sample.steps]) {
      expect(time, JSON.stringify(sample)).not.toMatch(/-\d/);
    }
  }
  // The second cell's phase starts from zero, not from the first cell's start.
  const secondCell = busy.filter(
    sample => sample.stepCount === 2 && sample.label === 'Running cell…'
  );
  expect(secondCell.length).toBeGreaterThan(0);
  expect(
    Math.min(...secondCell.map(sample => seconds(sample.phase)))
  ).toBeLessThan(1);
  // The request's time and tokens never lie over the status.
  expect(samples.filter(sample => sample.overlap)).toEqual([]);

  // Done: the whole line can be read, on two lines if it must.
  const usage = panel.locator('.jp-ci-Usage');
  await expect(usage).toHaveText(
    /^[\d.]+ s · [\d,]+ tokens in · [\d,]+ out · \$[\d.]+$/
  );
  expect(
    await usage.evaluate(node => node.scrollWidth <= node.clientWidth)
  ).toBe(true);
});
