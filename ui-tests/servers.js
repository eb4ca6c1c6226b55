/**
 * The servers of the Galata run: one scripted LLM and one JupyterLab for each
 * Playwright worker, so specs on different workers never share a script queue
 * (the scripted model has one) or a server's settings.
 *
 * Worker i uses the base ports (CI_LAB_PORT, CI_LLM_PORT: a checkout of its
 * own may pick others, so two working trees can run side by side) plus
 * 100 × i. The specs find theirs from Playwright's TEST_PARALLEL_INDEX
 * (tests/utils.ts: labUrl, llmUrl).
 */
const PORT_STRIDE = 100;

/** Workers: CI_UI_WORKERS, else 2 (the machines have 2 cores). */
const WORKERS = Number(process.env.CI_UI_WORKERS || 2);

function ports(worker = Number(process.env.TEST_PARALLEL_INDEX || 0)) {
  const lab = Number(process.env.CI_LAB_PORT || 8888) + PORT_STRIDE * worker;
  const llm = Number(process.env.CI_LLM_PORT || 8765) + PORT_STRIDE * worker;
  return {
    labUrl: `http://localhost:${lab}`,
    llmUrl: `http://127.0.0.1:${llm}`,
    lab,
    llm
  };
}

/** Playwright `webServer` entries: worker i's LLM, then a Lab that talks to it. */
function webServers({ workers = WORKERS, lab, llm, reuseExistingServer }) {
  return Array.from({ length: workers }, (_, worker) => {
    const own = ports(worker);
    return [
      {
        command: llm(own.llm),
        url: `${own.llmUrl}/v1/models`,
        timeout: 60000,
        reuseExistingServer
      },
      {
        command: lab(own.lab),
        url: `${own.labUrl}/lab`,
        timeout: 120000,
        reuseExistingServer,
        env: { ...process.env, CI_LLM_URL: own.llmUrl }
      }
    ];
  }).flat();
}

module.exports = { WORKERS, ports, webServers };
