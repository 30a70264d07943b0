#!/usr/bin/env bash
# CI: Debian's Chromium and its driver, for the HTML report's browser test (tests/render/test_html_browser.py).
# Installs them with apt-get when missing (as root); never downloads a browser from anywhere else.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium and chromium-driver are missing and cannot be installed here (needs root and apt-get)" >&2
  exit 2
fi
echo "installing chromium and chromium-driver with apt-get (HTML report browser test)..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
