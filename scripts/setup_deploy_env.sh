#!/usr/bin/env bash
# The environment of the deployment tests (deploy-tests/, `make test-deploy`), apart from .venv so
# that the main environment and its tests stay as they are:
#   .venv-deploy            JupyterHub, Notebook 7, Jupyter Kernel Gateway and JupyterLab, pinned, with
#                           this package installed editable (its frontend as the main tree built it)
#   deploy-tests/node_modules   JupyterHub's configurable-http-proxy, pinned in deploy-tests/package.json
# pip and npm keep their caches, so a rerun takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-deploy
BIN="$PWD/$VENV/bin"
export PATH="$BIN:$PATH"  # the editable install runs jlpm (install:extension)

[ -x "$BIN/python" ] || python3 -m venv "$VENV"
"$BIN/python" -m pip install --quiet --upgrade pip
"$BIN/python" -m pip install --quiet \
  "jupyterlab==4.6.6" "notebook==7.6.5" "jupyterhub==6.1.1" "jupyter_kernel_gateway==3.0.1" \
  "hatchling" "hatch-jupyter-builder" "hatch-nodejs-version" "editables" "jupyter-builder==1.3.0" \
  "ipykernel" "pytest>=8" "pytest-asyncio>=1" "pytest-timeout"
# Built already by `make setup` (ci_jupyterlab/labextension): no build isolation, no second frontend build.
"$BIN/python" -m pip install --quiet --no-build-isolation -e .
"$BIN/jupyter" labextension develop . --overwrite >/dev/null
rm -f ci_jupyterlab/labextension/install.json  # see the Makefile's setup
"$BIN/jupyter" server extension enable --sys-prefix ci_jupyterlab >/dev/null

(cd deploy-tests && npm ci --no-audit --no-fund --loglevel=error)
echo "deploy environment: $("$BIN/jupyterhub" --version) hub, notebook $("$BIN/python" -c 'import notebook; print(notebook.__version__)'), kernel gateway $("$BIN/python" -c 'import kernel_gateway; print(kernel_gateway.__version__)'), configurable-http-proxy $(deploy-tests/node_modules/.bin/configurable-http-proxy --version)"
