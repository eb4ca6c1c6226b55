import { expect, test } from './fixtures';

import { chat, openPanelFromPalette } from './utils';

test.describe('the Code Interpreter panel', () => {
  test('loads, opens from the command palette and names the notebook', async ({
    page
  }) => {
    const activated = await page.evaluate(() =>
      window.jupyterapp.isPluginActivated('ci-jupyterlab:plugin')
    );
    expect(activated).toBe(true);

    await page.notebook.createNew('smoke.ipynb');
    // Opening the panel checks the model server (its model list: no tokens).
    const checked = page.waitForResponse(/ci-jupyterlab\/settings\/test/);
    await openPanelFromPalette(page);
    expect(await (await checked).json()).toMatchObject({
      ok: true,
      model: 'scripted-model'
    });

    const { target, input, send, stop } = chat(page);
    await expect(target).toHaveText('smoke.ipynb');
    await expect(input).toBeFocused();
    await expect(send).toBeDisabled();
    await expect(stop).toBeDisabled();
    await input.fill('Hello');
    await expect(send).toBeEnabled();
    await expect(page.locator('.jp-ci-ConnectionWarning')).toHaveCount(0);
  });

  test('opens with its keyboard shortcut', async ({ page }) => {
    await expect(page.locator('.jp-ci-ChatPanel')).toBeHidden();
    await page.keyboard.press('Control+Shift+Y');
    await expect(page.locator('.jp-ci-ChatPanel')).toBeVisible();
    await expect(chat(page).target).toContainText('No notebook open');
    await expect(chat(page).input).toBeFocused();
  });
});
