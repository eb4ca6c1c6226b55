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
const { webServers } = require('./servers');

const COLLAB_BIN = path.resolve(__dirname, '..', '.venv-collab', 'bin');

// The base ports of this run's servers (servers.js), which the specs read too.
process.env.CI_LAB_PORT = process.env.CI_COLLAB_LAB_PORT || '8889';
process.env.CI_LLM_PORT = process.env.CI_COLLAB_LLM_PORT || '8766';

module.exports = {
  ...baseConfig,
  testMatch: ['**/fix.spec.ts', '**/undo.spec.ts', '**/second-window.spec.ts'],
  testIgnore: [],
  outputDir: 'test-results-collab',
  reporter: [
    ['list'],
    ['html', { open: 'never', outputFolder: 'playwright-report-collab' }]
  ],
  webServer: webServers({
    llm: port =>
      `${COLLAB_BIN}/python -m ci_jupyterlab.testing.scripted_llm --port ${port}`,
    lab: port =>
      `${COLLAB_BIN}/jupyter lab --config jupyter_server_collab_config.py --port ${port}`,
    reuseExistingServer: !process.env.CI
  })
};
