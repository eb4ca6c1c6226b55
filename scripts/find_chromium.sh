#!/usr/bin/env bash
# Print the path of the Chromium the browser tests run (ui-tests/playwright.config.js
# reads it from CHROMIUM_PATH), in this order:
#   1. CHROMIUM_PATH, if set (it must be an executable);
#   2. Debian's /usr/bin/chromium;
#   3. a Chromium that Playwright downloaded (~/.cache/ms-playwright, or
#      PLAYWRIGHT_BROWSERS_PATH), the newest;
#   4. Debian's, installed now with apt-get, when running as root where apt-get exists.
# Otherwise it stops at once, with one line saying what to run.
# Only the path goes to stdout; everything else goes to stderr.
set -euo pipefail

DEBIAN_CHROMIUM=/usr/bin/chromium
INSTALL_COMMAND="apt-get install -y --no-install-recommends chromium"

if [[ -n "${CHROMIUM_PATH:-}" ]]; then
  if [[ -x "$CHROMIUM_PATH" ]]; then
    echo "$CHROMIUM_PATH"
    exit 0
  fi
  echo "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable: point it at a Chromium, or unset it." >&2
  exit 1
fi

if [[ -x "$DEBIAN_CHROMIUM" ]]; then
  echo "$DEBIAN_CHROMIUM"
  exit 0
fi

browsers="${PLAYWRIGHT_BROWSERS_PATH:-${HOME:-}/.cache/ms-playwright}"
downloaded=$(
  ls -d "$browsers"/chromium-*/chrome-linux*/chrome 2>/dev/null | sort -V | tail -n 1
) || true
if [[ -n "$downloaded" && -x "$downloaded" ]]; then
  echo "$downloaded"
  exit 0
fi

if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
  echo "No Chromium found: installing Debian's ($INSTALL_COMMAND)" >&2
  # A failed install ends with the line below, not with apt's own words.
  if { apt-get update -qq && DEBIAN_FRONTEND=noninteractive $INSTALL_COMMAND -qq; } >&2 &&
    [[ -x "$DEBIAN_CHROMIUM" ]]; then
    echo "$DEBIAN_CHROMIUM"
    exit 0
  fi
fi

echo "No Chromium for the browser tests: run 'sudo $INSTALL_COMMAND' (or set CHROMIUM_PATH to a Chromium), then 'make test' again." >&2
exit 1
