#!/usr/bin/env bash
# A kernel named "python3-pandas2-plots": pandas 2.x and matplotlib in a virtualenv of their own, for
# benchmarks/silent_failures.py on pandas 2 (its chart checks need matplotlib). The tests' own pandas 2
# kernel (scripts/setup_pandas2_kernel.sh) stays without matplotlib: a test needs a kernel that lacks it.
# Installed into .venv's kernels; quick when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-pandas2-plots
spec=.venv/share/jupyter/kernels/python3-pandas2-plots/kernel.json

ready() {
  [ -f "$spec" ] && "$venv/bin/python" -c 'import ipykernel, matplotlib, pandas; assert pandas.__version__.startswith("2.")' 2>/dev/null
}

if ready; then
  echo "kernel 'python3-pandas2-plots' already installed into .venv"
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet "pandas>=2.2,<3" ipykernel matplotlib
"$venv/bin/python" -m ipykernel install --prefix "$(pwd)/.venv" --name python3-pandas2-plots \
  --display-name "Python 3 (pandas 2, matplotlib)"
echo "kernel 'python3-pandas2-plots' installed into .venv"
