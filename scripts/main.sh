#!/usr/bin/env bash
# The main job from a fresh clone: set-up, then the example stack up on berth's embedded engine, shown working.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-host.sh
bash scripts/busybox-image.sh
cd examples/tiny
berth=(node -- ../../bin/berth.js)
"${berth[@]}" up -d --wait
"${berth[@]}" ps
echo "--- the page, through the published port:"
curl -fsS "http://127.0.0.1:${TINY_PORT:-8080}/"
echo "--- the worker, which reaches web by its service name:"
sleep 1
"${berth[@]}" logs --tail 2 worker
echo "The stack keeps running; stop it with: (cd examples/tiny && ../../bin/berth.js down -v)"
