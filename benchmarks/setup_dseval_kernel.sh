#!/usr/bin/env bash
# A kernel named "dseval" with the package versions DSEval's expected outputs
# were computed with (requirements.txt of the DSEval data: DSEVAL_DIR, or
# shared/benchmarks/dseval above this checkout), so that
# output text (dtype reprs, float formatting) is comparable.
set -euo pipefail
cd "$(dirname "$0")/.."
requirements="$(python3 benchmarks/dseval_data.py)/requirements.txt"
python3 -m venv .venv-dseval
.venv-dseval/bin/pip install --quiet -r "$requirements"
.venv-dseval/bin/python -m ipykernel install --prefix "$(pwd)/.venv" --name dseval --display-name "DSEval (pinned)"
echo "kernel 'dseval' installed into .venv"
