/**
 * Playwright configuration of the Galata UI tests.
 *
 * Playwright cannot download its browsers on our machines, so the tests run
 * Debian's Chromium (override with CHROMIUM_PATH), headless, without video
 * or trace (both need Playwright's own downloads). Each worker gets two
 * servers (servers.js): the scripted OpenAI-compatible LLM the tests drive
 * over HTTP, and JupyterLab configured to use it. Specs take `test` from
 * tests/fixtures.ts, which points each one at its worker's servers.
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

const { WORKERS, webServers } = require('./servers');

module.exports = {
  ...baseConfig,
  // Only the Galata specs: deploy/ holds the deployment specs, which
  // playwright.deploy.config.js runs against servers that deploy-tests/ starts.
  testDir: './tests',
  // Needs jupyter-collaboration: playwright.collab.config.js runs it.
  testIgnore: ['**/second-window.spec.ts'],
  reporter: [['list'], ['html', { open: 'never' }]],
  timeout: 120000,
  // What the panel shows waits on a kernel and a model server, under parallel
  // workers on two cores: allow seconds, not Playwright's default 5.
  expect: { timeout: 15000 },
  retries: 0,
  workers: WORKERS,
  use: {
    ...baseConfig.use,
    headless: true,
    trace: 'off',
    video: 'off',
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
  },
  webServer: webServers({
    llm: port => `python -m ci_jupyterlab.testing.scripted_llm --port ${port}`,
    lab: port =>
      `jupyter lab --config jupyter_server_test_config.py --port ${port}`,
    reuseExistingServer: !process.env.CI
  })
};
