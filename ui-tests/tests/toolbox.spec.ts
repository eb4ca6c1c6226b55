import type { IJupyterLabPageFixture } from '@jupyterlab/galata';

import { expect, test } from './fixtures';
import { modelRequests, reloadLab, runCell } from './utils';

/** An animated GIF made with Pillow, shown with IPython's Image. */
const GIF = `from PIL import Image
from IPython.display import Image as Picture, display
frames = [Image.new('RGB', (32, 32), colour) for colour in ('red', 'green', 'blue')]
frames[0].save('spin.gif', save_all=True, append_images=frames[1:], duration=200, loop=0)
display(Picture(filename='spin.gif'))`;

/** A one-second video made with moviepy, shown as a file next to the notebook and embedded. */
const VIDEO = `from moviepy import ColorClip
from IPython.display import Video, display
ColorClip((64, 48), color=(200, 30, 30), duration=1).write_videofile('clip.mp4', fps=10, logger=None)
display(Video('clip.mp4'))
display(Video('clip.mp4', embed=True))`;

/** A folium map: its page loads Leaflet and friends from CDNs. */
const MAP = `import folium
m = folium.Map(location=[59.91, 10.75], zoom_start=5)
folium.Marker([59.91, 10.75], popup='Oslo').add_to(m)
m`;

/** A PDF written by the code. */
const PDF = `import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
plt.plot([1, 3, 2])
plt.savefig('report.pdf')`;

/** A request to another site, and whether a chat output's frame made it. */
interface IRemoteRequest {
  url: string;
  fromChat: boolean;
}

/** Requests to anywhere but this machine are answered here, empty, and listed. */
async function keepOffTheNetwork(
  page: IJupyterLabPageFixture
): Promise<IRemoteRequest[]> {
  const remote: IRemoteRequest[] = [];
  await page.context().route(
    url => !['localhost', '127.0.0.1'].includes(url.hostname),
    async route => {
      const element = await route
        .request()
        .frame()
        .frameElement()
        .catch(() => null);
      const fromChat = element
        ? await element.evaluate(node =>
            node.classList.contains('jp-ci-HtmlFrame')
          )
        : false;
      remote.push({ url: route.request().url(), fromChat });
      await route.fulfill({ status: 200, body: '' });
    }
  );
  return remote;
}

test('a GIF, a video, a folium map and a PDF are shown in the chat', async ({
  page,
  ci
}) => {
  const remote = await keepOffTheNetwork(page);
  const { steps } = await ci.start('toolbox.ipynb', [
    runCell(GIF),
    runCell(VIDEO),
    runCell(MAP),
    runCell(PDF),
    { text: 'Made a GIF, a video, a map and a report.' }
  ]);
  await ci.askUntilDone('Show me everything.', { timeout: 120000 });

  const gif = steps.nth(0).locator('.jp-ci-StepOutputs img');
  await expect(gif).toHaveAttribute('src', /^data:image\/gif;base64,/);
  await expect
    .poll(() => gif.evaluate((img: HTMLImageElement) => img.naturalWidth))
    .toBe(32);

  const videos = steps.nth(1).locator('.jp-ci-StepOutputs video');
  await expect(videos).toHaveCount(2);
  // The file next to the notebook, served by Jupyter; the embedded one as data.
  await expect(videos.nth(0)).toHaveAttribute('src', /\/files\/.*clip\.mp4$/);
  await expect(videos.nth(1)).toHaveAttribute(
    'src',
    /^data:video\/mp4;base64,/
  );
  const served = await page.evaluate(
    async src => {
      const response = await fetch(src);
      return [response.status, (await response.arrayBuffer()).byteLength];
    },
    (await videos.nth(0).getAttribute('src'))!
  );
  expect(served[0]).toBe(200);
  expect(served[1]).toBeGreaterThan(500);

  // The map's scripts come from other sites: named, and loaded only on a click.
  const map = steps.nth(2).locator('.jp-ci-StepOutputs');
  const gate = map.locator('.jp-ci-RemoteScripts');
  await expect(gate).toContainText(
    'This output runs scripts from other sites: cdn.jsdelivr.net'
  );
  await expect(map.locator('iframe')).toHaveCount(0);
  expect(remote.filter(r => r.fromChat)).toEqual([]);
  await gate
    .getByRole('button', { name: /^Load scripts from \d+ sites$/ })
    .click();
  const frame = map.locator('iframe.jp-ci-HtmlFrame');
  await expect(frame).toHaveAttribute('sandbox', 'allow-scripts');
  await expect(frame).toHaveAttribute('title', 'Interactive output');
  await expect
    .poll(() => remote.some(r => r.fromChat && r.url.includes('leaflet')))
    .toBe(true);
  // The page runs in the frame, not in Lab: its map container is there.
  await expect(
    map.frameLocator('iframe.jp-ci-HtmlFrame').locator('.folium-map')
  ).toHaveCount(1);

  const download = steps
    .nth(3)
    .getByRole('link', { name: 'Download report.pdf' });
  await expect(download).toHaveAttribute('href', /\/files\/.*report\.pdf$/);
});

const QUESTION = {
  tool_calls: [
    {
      name: 'ask_user',
      arguments: {
        question: 'Which months should I plot?',
        options: ['All 12 months', 'Only the last quarter', 'Only December']
      }
    }
  ]
};

test('the assistant asks, the user picks an option, and the same request goes on', async ({
  page,
  request,
  ci
}) => {
  const { panel, status, steps } = await ci.start('ask.ipynb', [
    runCell('months = list(range(1, 13))'),
    QUESTION,
    runCell('print(months[-3:])'),
    { text: 'Plotted the last quarter.' }
  ]);
  await ci.ask('Plot revenue by month.');

  const card = panel.getByRole('group', {
    name: 'Question from the assistant'
  });
  await expect(card).toContainText('Which months should I plot?');
  await expect(status).toContainText('Waiting for your answer');
  await card.getByRole('button', { name: 'Only the last quarter' }).click();
  await expect(card).toContainText('You chose: Only the last quarter');
  await expect(card.getByRole('button')).toHaveCount(0);
  await expect(status).toHaveText('Done', { timeout: 60000 });
  await expect(steps).toHaveCount(2);
  await expect(steps.nth(1)).toContainText('[10, 11, 12]');

  const bodies = await modelRequests(request);
  expect(JSON.stringify(bodies[2])).toContain(
    'The user chose option 2: \\"Only the last quarter\\".'
  );
});

test("a question stays answerable after a reload, in the user's own words too", async ({
  page,
  request,
  ci
}) => {
  const { panel } = await ci.start('ask-reload.ipynb', [
    QUESTION,
    { text: 'Weekends it is.' }
  ]);
  await ci.ask('Plot revenue by month.');
  const card = () =>
    chatPanel(page).getByRole('group', { name: 'Question from the assistant' });
  await expect(card()).toContainText('Which months should I plot?');
  await expect(panel).toBeVisible();

  await page.notebook.save();
  await reloadLab(page, 'ask-reload.ipynb');
  await expect(card()).toContainText('Which months should I plot?');
  await card().getByLabel('Your own answer').fill('Only the weekends');
  await card().getByRole('button', { name: 'Send answer' }).click();
  await expect(card()).toContainText('You answered: Only the weekends');
  await expect(chatPanel(page).locator('.jp-ci-Status')).toHaveText('Done', {
    timeout: 60000
  });
  const bodies = await modelRequests(request);
  expect(JSON.stringify(bodies[1])).toContain(
    'The user answered in their own words: Only the weekends'
  );
});

function chatPanel(page: IJupyterLabPageFixture) {
  return page.locator('.jp-ci-ChatPanel');
}
