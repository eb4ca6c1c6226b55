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

// Ports of their own per checkout (CI_LAB_PORT, CI_LLM_PORT), so two working
// trees can run their specs side by side; the specs read CI_LLM_URL (tests/utils.ts).
const LAB_PORT = Number(process.env.CI_LAB_PORT || 8888);
const LLM_PORT = Number(process.env.CI_LLM_PORT || 8765);
process.env.CI_LLM_URL =
  process.env.CI_LLM_URL || `http://127.0.0.1:${LLM_PORT}`;

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
    baseURL: `http://localhost:${LAB_PORT}`,
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
      command: `python -m ci_jupyterlab.testing.scripted_llm --port ${LLM_PORT}`,
      url: `http://127.0.0.1:${LLM_PORT}/v1/models`,
      timeout: 60000,
      reuseExistingServer
    },
    {
      command: `jupyter lab --config jupyter_server_test_config.py --port ${LAB_PORT}`,
      url: `http://localhost:${LAB_PORT}/lab`,
      timeout: 120000,
      reuseExistingServer
    }
  ]
};
