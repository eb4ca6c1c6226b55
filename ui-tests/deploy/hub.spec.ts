/**
 * The fix loop in JupyterLab under a real JupyterHub, for each user: log in
 * on the hub's page, land on /user/NAME/lab, open the panel with its
 * shortcut, ask, and check the notebook and the chat. The chat's websocket
 * and REST calls must go to that user's server, under the hub's prefix.
 */
import { expect, test } from '@playwright/test';

import {
  appReady,
  askUntilDone,
  expectFixed,
  FIX_LOOP,
  openWithShortcut,
  scriptModel
} from './helpers';

const HUB_URL = process.env.CI_HUB_URL ?? 'http://127.0.0.1:8890/';
const USERS = (process.env.CI_HUB_USERS ?? 'alice,bob').split(',');

for (const user of USERS) {
  test(`the fix loop for ${user}, through the hub`, async ({
    browser,
    request
  }) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const sockets: string[] = [];
    page.on('websocket', socket => sockets.push(socket.url()));

    await page.goto(`${HUB_URL}hub/login`);
    await page.locator('#username_input').fill(user);
    await page.locator('#password_input').fill('any password');
    await page.locator('#login_submit').click();
    await page.waitForURL(`**/user/${user}/lab**`, { timeout: 60000 });
    await appReady(page);

    await scriptModel(request, FIX_LOOP);
    const path = await page.evaluate(async () => {
      const app = (window as any).jupyterapp;
      const panel = await app.commands.execute('notebook:create-new', {
        kernelName: 'python3'
      });
      await panel.context.ready;
      await panel.sessionContext.ready;
      return panel.context.path as string;
    });
    await openWithShortcut(page);
    await askUntilDone(page, 'What is the square root of 16?');
    await expectFixed(page, request, path);

    const chatSockets = sockets.filter(url =>
      url.includes('ci-jupyterlab/chat')
    );
    expect(chatSockets.length).toBeGreaterThan(0);
    for (const url of chatSockets) {
      expect(url).toContain(`/user/${user}/ci-jupyterlab/chat`);
    }
    // The conversation was saved by this user's server, and only there.
    const sessions = await page.evaluate(async () => {
      const app = (window as any).jupyterapp;
      const settings = app.serviceManager.serverSettings;
      const response = await fetch(
        `${settings.baseUrl}ci-jupyterlab/sessions`,
        {
          headers: {
            'X-XSRFToken':
              (document.cookie.match(/_xsrf=([^;]+)/) ?? [])[1] ?? ''
          }
        }
      );
      return (await response.json()).sessions as { notebook_path: string }[];
    });
    expect(sessions.map(s => s.notebook_path)).toContain(path);
    await context.close();
  });
}
