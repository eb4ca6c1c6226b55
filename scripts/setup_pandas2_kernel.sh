#!/usr/bin/env bash
# A kernel named "python3-pandas2": pandas 2.x in its own virtualenv, so that the
# error hints are tested on the pandas users still run as well as on 3.x (whose
# error messages differ). Installed into .venv's kernels; quick when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-pandas2
spec=.venv/share/jupyter/kernels/python3-pandas2/kernel.json

ready() {
  [ -f "$spec" ] && grep -q "$(pwd)/$venv/bin/python" "$spec" \
    && "$venv/bin/python" -c 'import ipykernel, pandas; assert pandas.__version__.startswith("2.")' 2>/dev/null
}

if ready; then
  echo "kernel 'python3-pandas2' already installed into .venv"
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet "pandas>=2.2,<3" ipykernel
"$venv/bin/python" -m ipykernel install --prefix "$(pwd)/.venv" --name python3-pandas2 \
  --display-name "Python 3 (pandas 2)"
echo "kernel 'python3-pandas2' installed into .venv"
