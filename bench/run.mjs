// `npm run bench`: runs each benchmark, prints a table of medians and spread, writes bench/results/.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchBuild } from './build.mjs';
import { benchEngine } from './engine.mjs';
import { benchNetwork } from './network.mjs';
import { benchRegistry } from './registry.mjs';
import { benchStartup } from './startup.mjs';
import { benchWatch } from './watch.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const results = {
  machine: {
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
  },
  date: new Date().toISOString(),
  groups: {},
};

results.groups.startup = await benchStartup();
results.groups.engine = await benchEngine();
results.groups.registry = await benchRegistry();
results.groups.network = await benchNetwork();
results.groups.build = await benchBuild();
results.groups.watch = await benchWatch();

const lines = ['| benchmark | median ms | p95 ms | min ms | max ms | runs |', '|---|---|---|---|---|---|'];
for (const [group, entries] of Object.entries(results.groups)) {
  for (const [name, s] of Object.entries(entries)) {
    lines.push(
      `| ${group}: ${name} | ${s.median.toFixed(1)} | ${s.p95.toFixed(1)} | ${s.min.toFixed(1)} | ${s.max.toFixed(1)} | ${s.runs} |`,
    );
  }
}
const table = lines.join('\n');
console.log(table);
const dir = path.join(root, 'bench', 'results');
await mkdir(dir, { recursive: true });
const stamp = results.date.replace(/[:.]/g, '-');
await writeFile(path.join(dir, `bench-${stamp}.json`), JSON.stringify(results, null, 2));
await writeFile(path.join(dir, `bench-${stamp}.md`), `# berth benchmark ${results.date}\n\n${table}\n`);
await writeFile(path.join(dir, 'latest.md'), `# berth benchmark ${results.date}\n\n${table}\n`);
