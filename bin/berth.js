#!/usr/bin/env node
// Thin launcher: the bundled CLI lives in dist/ (npm run build).
import '../dist/berth.js';
