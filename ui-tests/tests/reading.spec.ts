/**
 * Reading at 250 px (issue 17, item 12): in the panel at its default width,
 * code keeps its lines, a path or URL longer than the panel wraps, whatever
 * is wider than the panel (code, tables, a traceback) scrolls sideways with
 * a cue (its edge fades, a tooltip says so, the keyboard can scroll it), a
 * traceback's dashed rule is one line, "New activity" shows only for new
 * entries, and the model is not told of a chart's helper numbers. Chromium
 * at 1440×900.
 */
import type { Locator } from '@playwright/test';

import { expect, test } from './fixtures';
import { modelRequests, promptText, runCell, wheelToTop } from './utils';

test.use({ viewport: { width: 1440, height: 900 } });

const PATH =
  '/home/analyst/projects/quarterly_reporting/data/exports/sales_by_region_2024_final_v3.csv';
const URL =
  'https://example.com/a/very/long/path/without/any/break/at/all/in/it/to/see/clipping';

/** Helper numbers for a chart, and a table wider than the panel. */
const CHART_AND_TABLE = `import pandas as pd
w, h, pad = 8, 6, 0.1
sales = pd.DataFrame({"region_name": ["north", "south", "east"], "revenue_2023": [1200.5, 980.25, 1100.0], "revenue_2024": [1300.75, 1010.5, 1205.25], "customer_segment": ["enterprise", "retail", "public"]})
sales`;

/** A code line whose one break would be at its `=`. */
const PATH_LINE = `path = "${PATH}"`;

const ANSWER = `The table **sales** has three regions. The file is at ${PATH} and the report at ${URL}.

\`\`\`python
${PATH_LINE}
\`\`\`

| region_name | revenue_2023 | revenue_2024 | customer_segment |
| --- | --- | --- | --- |
| north | 1200.5 | 1300.75 | enterprise |`;

/** On how many lines the first occurrence of `text` (or of `pattern`) in `element` is drawn. */
function linesOf(element: Locator, pattern: RegExp): Promise<number> {
  return element.evaluate((node, source) => {
    const match = new RegExp(source).exec(node.textContent ?? '');
    if (!match) {
      return -1;
    }
    const start = match.index;
    const end = start + match[0].length;
    const range = document.createRange();
    const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
    let offset = 0;
    while (walker.nextNode()) {
      const text = walker.currentNode as Text;
      const length = text.data.length;
      if (start >= offset && start <= offset + length) {
        range.setStart(text, start - offset);
      }
      if (end >= offset && end <= offset + length) {
        range.setEnd(text, end - offset);
        break;
      }
      offset += length;
    }
    const tops = new Set(
      [...range.getClientRects()]
        .filter(rect => rect.width > 0)
        .map(rect => Math.round(rect.top))
    );
    return tops.size;
  }, pattern.source);
}

/** What hides part of its content sideways in the log, and how it says so. */
interface IClipped {
  what: string;
  cue: string | null;
  title: string;
  tabIndex: number;
  mask: string;
}

/** Every element of the log that cuts its content off at the side (ellipses aside). */
function clippedSideways(log: Locator): Promise<IClipped[]> {
  return log.evaluate(root =>
    [root, ...root.querySelectorAll<HTMLElement>('*')]
      .filter(element => {
        const style = getComputedStyle(element);
        return (
          style.overflowX !== 'visible' &&
          style.textOverflow !== 'ellipsis' &&
          element.clientWidth > 0 &&
          element.scrollWidth > element.clientWidth + 1
        );
      })
      .map(element => ({
        what: `${element.tagName}.${[...element.classList].join('.')}: ${(element.textContent ?? '').slice(0, 40)}`,
        cue: element.getAttribute('data-ci-more'),
        title: element.title,
        tabIndex: element.tabIndex,
        mask: getComputedStyle(element).maskImage
      }))
  );
}

test('at 250 px code keeps its lines, long words wrap, what is wider scrolls with a cue, the rule is one line, no pill without news', async ({
  page,
  request,
  ci
}) => {
  const { panel, steps, assistant } = await ci.start('reading.ipynb', [
    runCell(CHART_AND_TABLE),
    runCell(`${PATH_LINE}\nprint(path)`),
    runCell('1 / 0'),
    runCell('ratio = 1 / 1\nratio'),
    { text: ANSWER }
  ]);
  await ci.askUntilDone('Load the sales and show them.');
  const log = panel.getByRole('log', { name: 'Conversation' });
  expect(await panel.evaluate(node => node.getBoundingClientRect().width)).toBe(
    250
  );
  await expect(assistant.last().locator('table')).toBeVisible();

  // Code keeps its lines, as in the notebook: the path's line is one line,
  // in the step and in the answer.
  const stepCode = steps.nth(1).locator('.jp-ci-Markdown pre');
  expect(await linesOf(stepCode, /path = "[^"]+"/)).toBe(1);
  expect(
    await linesOf(steps.nth(0).locator('.jp-ci-Markdown pre'), /sales = .*/)
  ).toBe(1);
  expect(await linesOf(assistant.last().locator('pre'), /path = "[^"]+"/)).toBe(
    1
  );

  // A path or URL in the answer's text wraps inside the panel.
  const prose = assistant.last().locator('p').first();
  expect(await linesOf(prose, /https:\/\/\S+/)).toBeGreaterThan(1);
  expect(
    await prose.evaluate(node => node.scrollWidth <= node.clientWidth + 1)
  ).toBe(true);

  // The traceback, shown, keeps its lines: the dashed rule is one line.
  await steps.nth(2).getByRole('button', { name: 'Show traceback' }).click();
  const traceback = steps.nth(2).locator('.jp-ci-Traceback pre');
  await expect(traceback).toContainText('ZeroDivisionError');
  expect(await linesOf(traceback, /-{20,}/)).toBe(1);

  // Nothing spills out of the log, and all that is cut off at the side
  // (the code, the wide tables, the traceback) says so: its edge fades, a
  // tooltip tells, the keyboard can reach it.
  await expect
    .poll(async () =>
      (await clippedSideways(log)).filter(clipped => clipped.cue === null)
    )
    .toEqual([]);
  const clipped = await clippedSideways(log);
  expect(clipped.map(c => c.what).join('\n')).not.toContain('jp-ci-Messages');
  expect(clipped.length).toBeGreaterThanOrEqual(5);
  for (const each of clipped) {
    expect(each.cue, each.what).toBe('right');
    expect(each.title, each.what).toBe(
      'Wider than the panel: scroll sideways to see all'
    );
    expect(each.tabIndex, each.what).toBe(0);
    expect(each.mask, each.what).toContain('linear-gradient');
  }

  // Scrolled with the keyboard to its end, the table fades at the left.
  const table = steps.nth(0).locator('.jp-OutputArea-output[data-ci-more]');
  await table.focus();
  for (let i = 0; i < 20; i++) {
    await table.press('ArrowRight');
  }
  await expect(table).toHaveAttribute('data-ci-more', 'left');
  await expect(table.getByText('customer_segment')).toBeVisible();

  // No new entries, no pill: at the end, nor read further up with an
  // output unfolded.
  const pill = panel.getByRole('button', { name: 'Jump to new activity' });
  await wheelToTop(log);
  await steps.nth(2).getByRole('button', { name: 'Hide traceback' }).click();
  await expect(steps.nth(2).locator('.jp-ci-Traceback')).toHaveCount(0);
  await page.evaluate(
    () =>
      new Promise(done => requestAnimationFrame(() => setTimeout(done, 100)))
  );
  await expect(pill).toHaveCount(0);

  // The model is told of the user's table, not of the chart's helper numbers.
  await ci.script([{ text: 'The kernel has the sales table.' }]);
  await ci.askUntilDone('What is in the kernel?');
  const [told] = await modelRequests(request);
  const variables = promptText(told).split('Variables in the kernel:')[1];
  expect(variables).toContain('- sales: DataFrame 3 rows × 4 columns');
  expect(variables).not.toMatch(/^- (w|h|pad):/m);
});
