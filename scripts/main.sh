#!/usr/bin/env bash
# The main job from a fresh clone: set-up, then the example stack through berth.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-host.sh
cd examples/tiny
../../bin/berth.js config
