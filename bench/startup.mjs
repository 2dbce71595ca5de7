// CLI start-up: `berth --version` and `berth config -q` on a 10-service file, median of repeated runs.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const berth = path.join(root, 'bin', 'berth.js');

function timeRuns(args, cwd, runs) {
  const samples = [];
  for (let i = 0; i < runs + 2; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, ['--', berth, ...args], { cwd, stdio: 'ignore' });
    const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new Error(`berth ${args.join(' ')} exited ${result.status}`);
    if (i >= 2) samples.push(elapsed); // the first runs warm the page cache
  }
  return summarise(samples);
}

export function summarise(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return {
    runs: sorted.length,
    median: at(0.5),
    p95: at(0.95),
    min: sorted[0],
    max: sorted[sorted.length - 1],
  };
}

export async function benchStartup({ runs = 20 } = {}) {
  const fixture = path.join(root, 'bench', 'fixtures', 'ten-services');
  return {
    'berth --version': timeRuns(['--version'], root, runs),
    'berth config -q (10 services)': timeRuns(['config', '-q'], fixture, runs),
  };
}
