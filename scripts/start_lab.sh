#!/usr/bin/env bash
# `make lab`'s start command: JupyterLab with the extension, wherever `make test` runs.
# - As root (containers, CI-like machines) Jupyter refuses to start unless told
#   --allow-root: pass it, and say so in one line.
# - With no browser to open, start without one.
# Either way the last line printed is the URL to open, with its token.
# Arguments go to `jupyter lab` (e.g. --port=8899).
set -euo pipefail

args=()
if [[ "$(id -u)" == 0 ]]; then
  echo "Running as root: starting JupyterLab with --allow-root." >&2
  args+=(--allow-root)
fi
if ! python -c 'import webbrowser; webbrowser.get()' >/dev/null 2>&1; then
  args+=(--no-browser)
fi

jupyter lab "${args[@]}" "$@" &
lab=$!
trap 'kill -TERM "$lab" 2>/dev/null; wait "$lab"' INT TERM

# Jupyter logs its URL among other lines; once it answers, say it last.
for _ in $(seq 600); do
  url=$(python - "$lab" <<'PY'
import json, subprocess, sys
listed = subprocess.run(["jupyter", "server", "list", "--json"], capture_output=True, text=True).stdout
for line in listed.splitlines():
    server = json.loads(line)
    if server.get("pid") == int(sys.argv[1]):
        token = f"?token={server['token']}" if server.get("token") else ""
        print(f"{server['url'].rstrip('/')}/lab{token}")
PY
  ) || true
  if [[ -n "$url" ]]; then
    echo "JupyterLab is running; open: $url"
    break
  fi
  kill -0 "$lab" 2>/dev/null || break
  sleep 0.5
done
wait "$lab"
