#!/usr/bin/env bash
# CI: make sure PostgreSQL's server binaries (initdb, pg_ctl) are present for the history tests, which
# start a throwaway server themselves (tests/history/pgserver.py); also pdftoppm, with which the
# tests look at the PDF's trend chart as a picture. Installs with apt-get as root on Debian/Ubuntu;
# elsewhere it only says what is missing (VIOSAUDIT_REQUIRE_POSTGRES=1 then fails those tests).
set -euo pipefail

have_initdb() {
  command -v initdb >/dev/null 2>&1 && return 0
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || compgen -G "/usr/pgsql-*/bin/initdb" >/dev/null
}

missing=()
have_initdb || missing+=(postgresql)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} for the history tests..."
  apt-get update -qq
  # the package's own cluster is not needed: the tests run their own server on a free loopback port
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "warning: ${missing[*]} missing and cannot be installed here (not root on Debian)" >&2
fi
