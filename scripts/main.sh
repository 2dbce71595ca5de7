#!/usr/bin/env bash
# The main job from a fresh clone: set-up, a Debian base image made from Debian's mirror (no registry needed),
# then examples/quickstart built and brought up on berth's embedded engine, and shown working.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-host.sh
berth=(node -- "$PWD/bin/berth.js")
if ! "${berth[@]}" image inspect debian:bookworm >/dev/null 2>&1; then
  echo "--- making the base image debian:bookworm from Debian's mirror (mmdebstrap):"
  "${berth[@]}" image bootstrap debian:bookworm
fi
cd examples/quickstart
echo "--- building the images and starting the stack:"
"${berth[@]}" up -d --build --wait
"${berth[@]}" ps
port=${QUICKSTART_PORT:-8000}
echo "--- the page, through the published port 127.0.0.1:$port:"
curl -fsS "http://127.0.0.1:$port/"
echo
echo "--- its JSON API:"
curl -fsS "http://127.0.0.1:$port/api/status"
echo
echo "The stack keeps running. Edit it live with: (cd examples/quickstart && ../../bin/berth.js up --watch)"
echo "Stop it with: (cd examples/quickstart && ../../bin/berth.js down -v); then the engine: bin/berth.js engine stop"
