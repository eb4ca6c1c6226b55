/**
 * Playwright configuration of the deployment specs (deploy/): the panel in
 * Chromium under a real JupyterHub and in Notebook 7.
 *
 * Plain Playwright, not Galata: the servers are not Galata's JupyterLab on
 * port 8888 but ones that deploy-tests/ (pytest, `make test-deploy`) starts
 * on free ports and passes here in the environment (CI_HUB_URL,
 * CI_NOTEBOOK_URL, CI_LLM_URL). Browser settings as in playwright.config.js.
 */
module.exports = {
  testDir: './deploy',
  reporter: [['list'], ['html', { open: 'never' }]],
  timeout: 120000,
  // What the panel shows waits on a kernel and a model server, under parallel
  // workers on two cores: allow seconds, not Playwright's default 5.
  expect: { timeout: 15000 },
  retries: 0,
  workers: 1,
  use: {
    headless: true,
    trace: 'off',
    video: 'off',
    viewport: { width: 1280, height: 800 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run'
      ]
    }
  }
};
