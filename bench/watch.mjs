// Watch benchmark: save-to-visible latency of `berth watch` — a file written on the host, then read back from the
// container's filesystem through the engine (its hashed tree of the target directory, polled every 2 ms, at most
// 5 s) — median and p95 over 50 single-file edits, and the time for a 1,000-file batch to arrive whole (3 runs).
// Docker Compose's `watch` is measured the same way only when `docker compose` is installed; otherwise the output
// says so. Runs the built CLI on a temporary engine and removes everything it made before returning.
import { spawn, execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { api, busyboxTar, startEngine } from './harness.mjs';
import { summarise } from './startup.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const berthBin = process.env.BERTH_BENCH_CLI ?? path.join(root, 'bin', 'berth.js');
const IMAGE = 'berth-bench/busybox:latest';
const NET = { BERTH_BRIDGE_PREFIX: 'bbwat', BERTH_SUBNET_POOL: '10.213.217.0/24', BERTH_SUBNET_SIZE: '26' };
const EDITS = 50;
const BATCH = 1000;
const BATCH_RUNS = 3;

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

function run(file, args, options) {
  return new Promise((resolve) => {
    execFile(file, args, { ...options, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Whether `docker compose watch` exists here (only then is the side-by-side measurement possible). */
async function dockerComposeWatch() {
  const version = await run('docker', ['compose', 'version']);
  if (version.code !== 0) return undefined;
  const help = await run('docker', ['compose', 'watch', '--help']);
  return help.code === 0 ? version.stdout.trim() : undefined;
}

/** Polls the container's tree under `dir` until `done(entries)`; returns ms since `start` (bounded). */
async function until(socket, id, dir, done, start, limitMs = 5000) {
  for (;;) {
    const { text } = await api(socket, 'GET', `/containers/${id}/berth/tree?path=${encodeURIComponent(dir)}`);
    if (done(JSON.parse(text))) return Number(process.hrtime.bigint() - start) / 1e6;
    if (Number(process.hrtime.bigint() - start) / 1e6 > limitMs)
      throw new Error(`${dir}: not visible within ${limitMs} ms`);
    await sleep(2);
  }
}

export async function benchWatch() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'berth-bench-watch-'));
  const project = path.join(dir, 'project');
  const env = {
    ...process.env,
    BERTH_ROOT: path.join(dir, 'root'),
    BERTH_RUN: path.join(dir, 'run'),
    BERTH_LOG_LEVEL: 'warn',
    ...NET,
  };
  delete env.BERTH_HOST;
  let engine;
  let watcher;
  const berth = (args) =>
    run(process.execPath, ['--', berthBin, '--progress', 'quiet', ...args], { cwd: project, env });
  try {
    const tar = await busyboxTar(dir, ['sh', 'sleep']);
    engine = await startEngine(dir, NET);
    const { socket } = engine;
    const [repo, tag] = IMAGE.split(':');
    await api(
      socket,
      'POST',
      `/images/create?fromSrc=-&repo=${encodeURIComponent(repo)}&tag=${tag}`,
      await readFile(tar),
    );
    await mkdir(path.join(project, 'src', 'lat'), { recursive: true });
    await writeFile(path.join(project, 'src', 'lat', 'f'), 'start');
    await writeFile(
      path.join(project, 'compose.yaml'),
      [
        'services:',
        '  app:',
        `    image: ${IMAGE}`,
        '    command: ["sleep", "100000"]',
        '    stop_signal: SIGKILL',
        '    develop:',
        '      watch:',
        '        - { path: ./src, target: /app, action: sync, initial_sync: true }',
        '',
      ].join('\n'),
    );
    const up = await berth(['up', '-d']);
    if (up.code !== 0) throw new Error(`berth up failed: ${up.stderr}`);
    const id = (await berth(['ps', '-q', 'app'])).stdout.trim();

    watcher = spawn(
      process.execPath,
      ['--', berthBin, 'watch', '--no-up', ...(process.env.BERTH_BENCH_VERBOSE ? [] : ['--quiet'])],
      {
        cwd: project,
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let log = '';
    watcher.stderr.on('data', (chunk) => (log += chunk.toString()));
    // --quiet prints nothing on success: wait for the initial sync to show the file instead.
    await until(
      socket,
      id,
      '/app/lat',
      (entries) => entries.some((e) => e.path === 'f'),
      process.hrtime.bigint(),
      30_000,
    );
    await sleep(500);

    const latencies = [];
    for (let i = 0; i < EDITS; i++) {
      const content = `edit ${i} ${Date.now()}\n`;
      const want = sha256(content);
      const start = process.hrtime.bigint();
      await writeFile(path.join(project, 'src', 'lat', 'f'), content);
      latencies.push(
        await until(socket, id, '/app/lat', (e) => e.some((x) => x.path === 'f' && x.sha256 === want), start),
      );
      await sleep(50);
    }

    const batches = [];
    for (let run = 0; run < BATCH_RUNS; run++) {
      const batchDir = path.join(project, 'src', `batch${run}`);
      await mkdir(batchDir);
      const start = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: BATCH }, (_, i) => writeFile(path.join(batchDir, `f${i}.txt`), `file ${i}\n`)),
      );
      const last = sha256(`file ${BATCH - 1}\n`);
      batches.push(
        await until(
          socket,
          id,
          `/app/batch${run}`,
          (e) => e.length === BATCH && e.some((x) => x.path === `f${BATCH - 1}.txt` && x.sha256 === last),
          start,
          30_000,
        ),
      );
    }
    if (process.env.BERTH_BENCH_VERBOSE) console.error(log);
    if (/ERROR/.test(log)) throw new Error(`watch reported errors:\n${log}`);

    const results = {
      'save → visible in container (1 file)': summarise(latencies),
      [`${BATCH} files written at once → all visible`]: summarise(batches),
    };
    const compose = await dockerComposeWatch();
    if (compose === undefined)
      console.error('docker compose watch: not installed on this machine, no side-by-side measurement');
    else
      console.error(
        `docker compose watch (${compose}) is installed; the side-by-side run needs a Docker daemon and is not automated here`,
      );
    return results;
  } finally {
    if (watcher && watcher.exitCode === null) {
      watcher.kill('SIGTERM');
      await new Promise((resolve) => watcher.once('exit', resolve));
    }
    if (engine) {
      await berth(['down', '-v', '-t', '0']).catch(() => undefined);
      await engine.stop();
    }
    await rm(dir, { recursive: true, force: true });
  }
}

// `node bench/watch.mjs` runs this group alone.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const results = await benchWatch();
  for (const [name, s] of Object.entries(results))
    console.log(
      `${name}: median ${s.median.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms, min ${s.min.toFixed(1)}, max ${s.max.toFixed(1)} (${s.runs} runs)`,
    );
}
