// `npm run bench`: berth and, where installed, Docker Engine + Docker Compose and Podman + podman-compose (as
// private instances, bench/peers.mjs), side by side on the same images and compose files. Prints one table of
// medians, spread and each peer's ratio to berth, and writes it as JSON and Markdown under bench/results/.
// BENCH_PEERS=none measures berth alone; BENCH_QUICK=1 takes fewer runs (a smoke test of the suite);
// BENCH_GROUPS=compose,build runs only those groups.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchBuild } from './build.mjs';
import { benchCompose } from './compose.mjs';
import { benchEngine } from './engine.mjs';
import { benchNetwork } from './network.mjs';
import { benchRegistry } from './registry.mjs';
import { benchStartup } from './startup.mjs';
import { startTargets } from './targets.mjs';
import { benchWatch } from './watch.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.env.BENCH_QUICK === '1';
const PEERS = ['docker', 'podman'];
const GROUPS = ['engine', 'compose', 'build', 'registry', 'startup', 'watch', 'network'];
const chosen = process.env.BENCH_GROUPS ? process.env.BENCH_GROUPS.split(',') : GROUPS;
const want = (group) => chosen.includes(group);

/** Rows of a berth-only group ({ name: stats }) in the shared row shape. */
const berthOnly = (entries) =>
  Object.entries(entries).map(([name, s]) => ({ name, unit: s.unit ?? 'ms', results: { berth: s } }));

const started = Date.now();
const log = (text) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0)} s] ${text}\n`);

const results = {
  date: new Date().toISOString(),
  machine: {
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
  },
  targets: {},
  notes: [],
  groups: {},
};

const dir = await mkdtemp(path.join(os.tmpdir(), 'berth-bench-'));
try {
  if (['engine', 'compose', 'build', 'registry'].some(want)) await sideBySide();
  log('berth alone: CLI start-up, watch, network');
  if (want('startup')) results.groups.startup = berthOnly(await benchStartup(quick ? { runs: 5 } : {}));
  if (want('watch')) results.groups.watch = berthOnly(await benchWatch());
  if (want('network'))
    results.groups.network = berthOnly(await benchNetwork(quick ? { attachRuns: 5, transferRuns: 2 } : {}));
  results.notes.push(
    'CLI start-up, watch and network: berth only (no peer has the same feature or scenario)',
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}

/** The groups measured on berth and every peer, with the engines started once for all of them. */
async function sideBySide() {
  log('starting berth and the peers');
  const { targets, notes, stopAll } = await startTargets(path.join(dir, 'targets'));
  results.notes.push(...notes);
  for (const t of targets) results.targets[t.name] = t.tools;
  try {
    if (want('engine')) {
      log('engine: memory, run --rm, exec');
      const runs = quick ? { runs: 3, composeRuns: 2 } : {};
      results.groups.engine = await benchEngine(targets, path.join(dir, 'engine'), runs);
    }
    if (want('compose')) {
      log('compose: up, no-change up, down');
      results.groups.compose = await benchCompose(
        targets,
        path.join(dir, 'compose'),
        quick ? { runs: 1 } : {},
      );
    }
    if (want('build')) {
      log('build');
      results.groups.build = await benchBuild(targets, path.join(dir, 'build'), quick ? { runs: 1 } : {});
    }
    if (want('registry')) {
      log('registry pull');
      const runs = quick ? { runs: 1 } : {};
      results.groups.registry = await benchRegistry(targets, path.join(dir, 'registry'), runs);
    }
  } finally {
    log('stopping berth and the peers');
    await stopAll();
  }
}

const fmt = (v) => (v === undefined ? '' : Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1));
const measured = ['berth', ...PEERS].filter((n) =>
  Object.values(results.groups)
    .flat()
    .some((r) => r.results[n]),
);
const peers = measured.filter((n) => n !== 'berth');
const header = [
  'benchmark',
  'unit',
  ...measured.flatMap((n) => [`${n} median`, `${n} p95 / min / max`]),
  ...peers.map((n) => `${n} ÷ berth`),
  'runs',
];
const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
for (const [group, rows] of Object.entries(results.groups)) {
  for (const row of rows) {
    const cells = [`${group}: ${row.name}`, row.unit];
    for (const n of measured) {
      const s = row.results[n];
      cells.push(
        s ? fmt(s.median) : '–',
        s ? (s.runs > 1 ? `${fmt(s.p95)} / ${fmt(s.min)} / ${fmt(s.max)}` : '') : '',
      );
    }
    const base = row.results.berth?.median;
    for (const n of peers) {
      const s = row.results[n];
      row.ratio ??= {};
      if (s && base) row.ratio[n] = s.median / base;
      cells.push(s && base ? `${row.ratio[n].toFixed(2)}×` : '–');
    }
    cells.push(String(Math.max(...Object.values(row.results).map((s) => s.runs))));
    lines.push(`| ${cells.join(' | ')} |`);
  }
}
const table = lines.join('\n');
const about = [
  `${results.date} · ${results.machine.cpus} × ${results.machine.cpu} · ${results.machine.memoryGiB} GiB · Linux ${results.machine.kernel} · Node ${results.machine.node}`,
  ...Object.entries(results.targets).map(([n, tools]) => `- ${n}: ${tools}`),
  ...results.notes.map((n) => `- ${n}`),
  "- ratio: the peer's median ÷ berth's; above 1 the peer takes longer or uses more (for MiB/s: above 1 the peer is faster)",
].join('\n');
console.log(`${table}\n\n${about}`);
const out = path.join(root, 'bench', 'results');
await mkdir(out, { recursive: true });
const stamp = results.date.replace(/[:.]/g, '-');
const markdown = `# berth benchmark, ${results.date}\n\n${about}\n\n${table}\n`;
await writeFile(path.join(out, `bench-${stamp}.json`), JSON.stringify(results, null, 2));
await writeFile(path.join(out, `bench-${stamp}.md`), markdown);
await writeFile(path.join(out, 'latest.md'), markdown);
await writeFile(path.join(out, 'latest.json'), JSON.stringify(results, null, 2));
log(`done; written to bench/results/bench-${stamp}.{json,md}`);
