/**
 * Playwright configuration of the Galata UI tests.
 *
 * Playwright cannot download its browsers on our machines, so the tests run
 * Debian's Chromium (override with CHROMIUM_PATH), headless, without video
 * or trace (both need Playwright's own downloads). Two servers are started:
 * the scripted OpenAI-compatible LLM the tests drive over HTTP, and
 * JupyterLab configured to use it.
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

const reuseExistingServer = !process.env.CI;

module.exports = {
  ...baseConfig,
  // Only the Galata specs: deploy/ holds the deployment specs, which
  // playwright.deploy.config.js runs against servers that deploy-tests/ starts.
  testDir: './tests',
  // Needs jupyter-collaboration: playwright.collab.config.js runs it.
  testIgnore: ['**/second-window.spec.ts'],
  reporter: [['list'], ['html', { open: 'never' }]],
  timeout: 120000,
  retries: 0,
  workers: 1,
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
  webServer: [
    {
      command: 'python -m ci_jupyterlab.testing.scripted_llm --port 8765',
      url: 'http://127.0.0.1:8765/v1/models',
      timeout: 60000,
      reuseExistingServer
    },
    {
      command: 'jlpm start',
      url: 'http://localhost:8888/lab',
      timeout: 120000,
      reuseExistingServer
    }
  ]
};
