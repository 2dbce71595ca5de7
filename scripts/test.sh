#!/usr/bin/env bash
# The whole test suite from a fresh clone: set-up, build, type-check, lint, unit and integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-host.sh
npm test
