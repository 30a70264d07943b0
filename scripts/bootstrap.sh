#!/usr/bin/env bash
# Create .venv and install viosaudit with its test extra, after checking the system libraries
# WeasyPrint needs (Pango, HarfBuzz, fonts). Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || {
  echo "viosaudit needs Python 3.11 or newer (found: $("$PY" --version 2>&1))." >&2
  exit 2
}

have_pango() {
  "$PY" - <<'PYEOF'
import ctypes.util, sys
sys.exit(0 if ctypes.util.find_library("pango-1.0") and ctypes.util.find_library("pangoft2-1.0") else 1)
PYEOF
}

if ! have_pango; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && [ "${VIOSAUDIT_NO_APT:-}" = "" ]; then
    echo "Pango not found: installing it with apt-get (WeasyPrint needs it to write PDF reports)..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core >/dev/null
  fi
fi
if ! have_pango; then
  cat >&2 <<'MSG'
WeasyPrint (the PDF writer) needs the Pango library, which this machine lacks.
  Debian/Ubuntu:  sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core
  RHEL/Rocky/Alma/Fedora:  sudo dnf install pango harfbuzz dejavu-sans-fonts
Then run this command again.
MSG
  exit 2
fi

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
