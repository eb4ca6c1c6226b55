#!/usr/bin/env bash
# The OS programs the analysis stack calls: Graphviz's `dot` (the graphviz package),
# Tesseract (pytesseract's OCR) and CJK fonts (Chinese, Japanese and Korean chart labels).
# Installed with apt-get when running as root where apt-get exists (as find_chromium.sh does
# for Chromium); otherwise one line says the command to run, and nothing stops: the kernel
# works without them, and the assistant is told which are missing.
set -euo pipefail

PACKAGES=(graphviz tesseract-ocr fonts-noto-cjk)
INSTALL_COMMAND="apt-get install -y --no-install-recommends ${PACKAGES[*]}"

have_all() {
  command -v dot >/dev/null && command -v tesseract >/dev/null &&
    { ! command -v fc-list >/dev/null || [[ -n "$(fc-list ':lang=zh' family 2>/dev/null | head -n 1)" ]]; } &&
    ls /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc >/dev/null 2>&1
}

if have_all; then
  exit 0
fi
if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
  echo "Installing the OS programs of the analysis stack: ${PACKAGES[*]}" >&2
  if { apt-get update -qq && DEBIAN_FRONTEND=noninteractive $INSTALL_COMMAND -qq; } >&2; then
    exit 0
  fi
  echo "Could not install ${PACKAGES[*]}; the kernel works without them (see README: What the kernel has)." >&2
  exit 0
fi
echo "For charts in Chinese/Japanese/Korean, Graphviz and OCR, run: sudo $INSTALL_COMMAND" >&2
