#!/usr/bin/env bash
# Check that the virtualenv given (default .venv-collab), where this package was installed as users
# install it (`pip install .`, which builds and installs the wheel), has both the prebuilt lab
# extension and the server extension installed, enabled and OK. `make test-package` runs it on
# the virtualenv the collaboration tests already built, rather than building a second one.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${1:-.venv-collab}

[[ -x "$venv/bin/jupyter" ]] || { echo "no virtualenv with Jupyter at $venv"; exit 1; }
files=$("$venv/bin/python" -m pip show --files ci_jupyterlab)
grep -q "share/jupyter/labextensions/ci-jupyterlab/package.json" <<<"$files" \
  || { echo "ci_jupyterlab in $venv is not installed from a wheel holding the lab extension"; exit 1; }

strip_colours() { sed 's/\x1b\[[0-9;]*m//g'; }
labext=$("$venv/bin/jupyter" labextension list 2>&1 | strip_colours)
serverext=$("$venv/bin/jupyter" server extension list 2>&1 | strip_colours)
echo "$labext" | grep -E "ci-jupyterlab .*enabled +OK" \
  || { echo "lab extension not installed/enabled:"; echo "$labext"; exit 1; }
echo "$serverext" | grep -A2 -E "ci_jupyterlab enabled" | grep -qE "ci_jupyterlab .* OK" \
  || { echo "server extension not installed/enabled:"; echo "$serverext"; exit 1; }
echo "package check: the wheel installed in $venv has both extensions, enabled and OK"
