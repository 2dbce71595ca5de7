// Container benchmarks on every target: engine memory (idle, and per idle container: the engine's processes and
// per-container monitors with ten `sleep` containers, less idle, divided by ten; RSS and PSS), run-to-completion
// of a trivial container (`run --rm ... true`) and exec latency, through each target's container CLI and through
// its compose tool (`run --rm`, `exec -T` on a one-service project). Memory is taken first, on engines that have
// served nothing else yet. Every container it makes is removed before it returns.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { composeFile } from './compose.mjs';
import { processMemory } from './peers.mjs';
import { IMAGE } from './targets.mjs';
import { summarise } from './startup.mjs';

const IDLE_CONTAINERS = 10;
const MIB = 2 ** 20;
/** A figure measured once, in the table's shape. */
const single = (value) => ({ runs: 1, median: value, p95: value, min: value, max: value });

/** `runs` timed calls after one untimed warm-up. */
function repeat(runs, once) {
  once();
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(once());
  return summarise(samples);
}

async function memory(target) {
  const idle = processMemory(target.enginePids());
  const names = Array.from({ length: IDLE_CONTAINERS }, (_, i) => `bench-idle-${i}`);
  try {
    for (const name of names)
      target.container(['run', '-d', '--network', 'none', '--name', name, IMAGE, 'sleep', '3600']);
    await sleep(2000);
    const busy = processMemory(target.enginePids());
    return {
      idleRss: idle.rss / MIB,
      idlePss: idle.pss / MIB,
      perRss: (busy.rss - idle.rss) / IDLE_CONTAINERS / MIB,
      perPss: (busy.pss - idle.pss) / IDLE_CONTAINERS / MIB,
    };
  } finally {
    target.container(['rm', '-f', ...names]);
  }
}

export async function benchEngine(targets, dir, { runs = 10, composeRuns = 5 } = {}) {
  const rows = {
    idleRss: { name: 'engine idle memory, RSS', unit: 'MiB', results: {} },
    idlePss: { name: 'engine idle memory, PSS', unit: 'MiB', results: {} },
    perRss: { name: `memory per idle container (of ${IDLE_CONTAINERS}), RSS`, unit: 'MiB', results: {} },
    perPss: { name: `memory per idle container (of ${IDLE_CONTAINERS}), PSS`, unit: 'MiB', results: {} },
    run: { name: 'run --rm true (container CLI)', unit: 'ms', results: {} },
    exec: { name: 'exec true (container CLI)', unit: 'ms', results: {} },
    composeRun: { name: 'compose run --rm s1 true', unit: 'ms', results: {} },
    composeExec: { name: 'compose exec -T s1 true', unit: 'ms', results: {} },
  };
  const usable = targets.filter((t) => t.container !== undefined);
  for (const target of usable) {
    const figures = await memory(target);
    for (const key of ['idleRss', 'idlePss', 'perRss', 'perPss'])
      rows[key].results[target.name] = single(figures[key]);
  }
  for (const target of usable) {
    rows.run.results[target.name] = repeat(runs, () =>
      target.container(['run', '--rm', '--network', 'none', IMAGE, 'true']),
    );
    target.container(['run', '-d', '--network', 'none', '--name', 'bench-exec', IMAGE, 'sleep', '3600']);
    try {
      rows.exec.results[target.name] = repeat(runs, () => target.container(['exec', 'bench-exec', 'true']));
    } finally {
      target.container(['rm', '-f', 'bench-exec']);
    }
  }
  for (const target of targets) {
    const projectDir = path.join(dir, `${target.name}-one`);
    await mkdir(projectDir, { recursive: true });
    await writeFile(path.join(projectDir, 'compose.yaml'), composeFile(1));
    const project = 'benchone';
    target.compose(projectDir, project, ['up', '-d']);
    try {
      rows.composeRun.results[target.name] = repeat(composeRuns, () =>
        target.compose(projectDir, project, ['run', '--rm', '--no-deps', '-T', 's1', 'true']),
      );
      rows.composeExec.results[target.name] = repeat(composeRuns, () =>
        target.compose(projectDir, project, ['exec', '-T', 's1', 'true']),
      );
    } finally {
      target.compose(projectDir, project, ['down']);
    }
  }
  return Object.values(rows);
}
