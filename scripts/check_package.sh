#!/usr/bin/env bash
# Build the wheel, install it into a brand-new virtualenv, and check that both
# the prebuilt lab extension and the server extension are installed, enabled and OK.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python -m pip wheel --quiet --no-deps --no-build-isolation . -w "$work/dist"
wheel=$(ls "$work"/dist/ci_jupyterlab-*.whl)
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet "$wheel"

strip_colours() { sed 's/\x1b\[[0-9;]*m//g'; }
labext=$("$work/venv/bin/jupyter" labextension list 2>&1 | strip_colours)
serverext=$("$work/venv/bin/jupyter" server extension list 2>&1 | strip_colours)
echo "$labext" | grep -E "ci-jupyterlab .*enabled +OK" \
  || { echo "lab extension not installed/enabled:"; echo "$labext"; exit 1; }
echo "$serverext" | grep -A2 -E "ci_jupyterlab enabled" | grep -qE "ci_jupyterlab .* OK" \
  || { echo "server extension not installed/enabled:"; echo "$serverext"; exit 1; }
echo "package check: the wheel installs both extensions, enabled and OK"
