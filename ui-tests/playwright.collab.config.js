/**
 * The Galata UI tests that edit notebooks (Fix, Undo), run again with
 * jupyter-collaboration installed: every notebook is then a shared document
 * of the server, and the extension's edits must go through its shared model.
 *
 * Its servers come from the virtualenv `make test-ui-collab` builds
 * (.venv-collab: the same JupyterLab, jupyter-collaboration and this
 * package), on ports of their own, so this run never meets the other's.
 */
const path = require('path');

const baseConfig = require('./playwright.config');

const LAB_PORT = Number(process.env.CI_COLLAB_LAB_PORT || 8889);
const LLM_PORT = Number(process.env.CI_COLLAB_LLM_PORT || 8766);
const COLLAB_BIN = path.resolve(__dirname, '..', '.venv-collab', 'bin');

// The specs read it (tests/utils.ts), and so does the server configuration.
process.env.CI_LLM_URL = `http://127.0.0.1:${LLM_PORT}`;

module.exports = {
  ...baseConfig,
  testMatch: ['**/fix.spec.ts', '**/undo.spec.ts', '**/second-window.spec.ts'],
  testIgnore: [],
  outputDir: 'test-results-collab',
  reporter: [
    ['list'],
    ['html', { open: 'never', outputFolder: 'playwright-report-collab' }]
  ],
  use: {
    ...baseConfig.use,
    baseURL: `http://localhost:${LAB_PORT}`
  },
  webServer: [
    {
      ...baseConfig.webServer[0],
      command: `${COLLAB_BIN}/python -m ci_jupyterlab.testing.scripted_llm --port ${LLM_PORT}`,
      url: `http://127.0.0.1:${LLM_PORT}/v1/models`
    },
    {
      ...baseConfig.webServer[1],
      command: `${COLLAB_BIN}/jupyter lab --config jupyter_server_collab_config.py --port ${LAB_PORT}`,
      url: `http://localhost:${LAB_PORT}/lab`,
      env: { ...process.env, CI_LLM_URL: process.env.CI_LLM_URL }
    }
  ]
};
