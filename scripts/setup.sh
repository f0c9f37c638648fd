#!/usr/bin/env bash
# Idempotent set-up: Debian packages that are missing, a .venv with pinned deps,
# compiled translations. Fast when nothing changed (stamp files under .make/).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .make instance

packages=$(grep -vE '^\s*(#|$)' scripts/debian-packages.txt)
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "Installing Debian packages:$missing"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# npm for the browser suite's test-only JavaScript (Debian's nodejs has no npm; NodeSource's does).
if ! command -v npm >/dev/null; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
if [ ! -f .make/deps ] || [ requirements.txt -nt .make/deps ]; then
  # This machine's pip config lists local mirrors that may be absent: hide those warnings.
  if ! .venv/bin/pip install -q -r requirements.txt 2>.make/pip.log; then
    grep -v "is ignored: it is neither a file nor a directory" .make/pip.log >&2
    exit 1
  fi
  touch .make/deps
fi
if [ -d lms/translations ] && { [ ! -f .make/i18n ] || [ -n "$(find lms/translations -name '*.po' -newer .make/i18n)" ]; }; then
  .venv/bin/pybabel compile -d lms/translations >/dev/null
  touch .make/i18n
fi
# axe-core for the accessibility checks, pinned in tests/e2e/package-lock.json: npm ci installs
# exactly that version and refuses a tarball whose hash differs from the lock's integrity.
if [ ! -f .make/e2e-npm ] || [ tests/e2e/package-lock.json -nt .make/e2e-npm ] || [ ! -d tests/e2e/node_modules/axe-core ]; then
  (cd tests/e2e && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
  touch .make/e2e-npm
fi
