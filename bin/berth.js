#!/usr/bin/env -S node --
// Thin launcher: the bundled CLI lives in dist/ (npm run build). The `--` matters: Node 20 would
// otherwise take berth's own `--env-file` flag as its own.
import '../dist/berth.js';
