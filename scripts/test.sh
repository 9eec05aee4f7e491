#!/usr/bin/env bash
# Runs every test on a fresh machine: installs the system tools the tests drive for real
# (clamd, qpdf, ghostscript, xmllint, zip, Chromium, …) from Debian's packages when missing,
# installs the npm dependencies (which bring Node 24), type-checks, and runs the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ci/system-packages.sh
[ -d node_modules/node ] && [ -z "${CI:-}" ] || npm ci --no-audit --no-fund
npx tsc --noEmit
npx vitest run "$@"
