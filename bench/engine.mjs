// Engine benchmarks: create+start+wait of a trivial container and exec latency through the API (medians of 20),
// and the engine's idle memory. Runs the built CLI's `engine run` on a temporary root with its own socket, imports
// a busybox image first, and removes everything it made (containers, engine, directory) before returning.
import { Buffer } from 'node:buffer';
import { spawn, execFileSync } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { summarise } from './startup.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// BERTH_BENCH_CLI: another build of the CLI to measure (default: the one `npm run build` makes).
const berth = process.env.BERTH_BENCH_CLI ?? path.join(root, 'bin', 'berth.js');
const IMAGE = 'berth-bench/busybox:latest';

/** One HTTP exchange with the engine; resolves with status and body text. */
function api(socket, method, urlPath, body) {
  return new Promise((resolve, reject) => {
    const payload =
      body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    const req = http.request(
      {
        socketPath: socket,
        method,
        path: urlPath,
        headers:
          payload === undefined
            ? {}
            : {
                'Content-Type': Buffer.isBuffer(body) ? 'application/x-tar' : 'application/json',
                'Content-Length': payload.length,
              },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 0) >= 400)
            reject(new Error(`${method} ${urlPath}: ${res.statusCode} ${text}`));
          else resolve({ status: res.statusCode, text });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function busyboxTar(dir) {
  const rootfs = path.join(dir, 'rootfs');
  await mkdir(path.join(rootfs, 'bin'), { recursive: true });
  await mkdir(path.join(rootfs, 'etc'), { recursive: true });
  await mkdir(path.join(rootfs, 'tmp'), { recursive: true });
  await copyFile('/bin/busybox', path.join(rootfs, 'bin', 'busybox'));
  await chmod(path.join(rootfs, 'bin', 'busybox'), 0o755);
  for (const applet of ['sh', 'true', 'sleep', 'echo', 'cat'])
    await symlink('busybox', path.join(rootfs, 'bin', applet));
  await writeFile(path.join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  await writeFile(path.join(rootfs, 'etc', 'group'), 'root:x:0:\n');
  const tarPath = path.join(dir, 'busybox.tar');
  execFileSync('tar', ['--numeric-owner', '-C', rootfs, '-cf', tarPath, '.']);
  return tarPath;
}

async function startEngine(dir) {
  const env = {
    ...process.env,
    BERTH_ROOT: path.join(dir, 'root'),
    BERTH_RUN: path.join(dir, 'run'),
    BERTH_LOG_LEVEL: 'warn',
  };
  delete env.BERTH_HOST;
  const socket = path.join(dir, 'run', 'berth.sock');
  const child = spawn(process.execPath, [berth, 'engine', 'run'], {
    env,
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await api(socket, 'GET', '/_ping');
      break;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`engine did not start: ${error.message}`);
      await sleep(50);
    }
  }
  return {
    socket,
    pid: child.pid,
    async stop() {
      child.kill('SIGTERM');
      const grace = new globalThis.AbortController();
      const killed = await Promise.race([
        exited.then(() => false),
        sleep(15_000, true, { signal: grace.signal }).catch(() => false),
      ]);
      grace.abort();
      if (killed) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

async function rssBytes(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kb * 1024;
}

async function time(runs, once) {
  const samples = [];
  for (let i = 0; i < runs + 2; i++) {
    const start = process.hrtime.bigint();
    await once();
    const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    if (i >= 2) samples.push(elapsed); // two warm-up runs
  }
  return summarise(samples);
}

/** Create, start and wait for `true` to exit; the wait is registered before the start, as the docker CLI does. */
async function runTrivial(socket) {
  const created = JSON.parse(
    (await api(socket, 'POST', '/containers/create', { Image: IMAGE, Cmd: ['true'] })).text,
  );
  const waiting = api(socket, 'POST', `/containers/${created.Id}/wait?condition=next-exit`);
  await api(socket, 'POST', `/containers/${created.Id}/start`);
  const result = JSON.parse((await waiting).text);
  if (result.StatusCode !== 0) throw new Error(`trivial container exited ${result.StatusCode}`);
  return created.Id;
}

async function execOnce(socket, containerId) {
  const { Id } = JSON.parse(
    (
      await api(socket, 'POST', `/containers/${containerId}/exec`, {
        Cmd: ['true'],
        AttachStdout: true,
        AttachStderr: true,
      })
    ).text,
  );
  await api(socket, 'POST', `/exec/${Id}/start`, { Detach: false, Tty: false });
  for (let i = 0; i < 200; i++) {
    const state = JSON.parse((await api(socket, 'GET', `/exec/${Id}/json`)).text);
    if (!state.Running && state.ExitCode !== null) {
      if (state.ExitCode !== 0) throw new Error(`exec exited ${state.ExitCode}`);
      return;
    }
    await sleep(5);
  }
  throw new Error('exec did not finish');
}

export async function benchEngine({ runs = 20 } = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'berth-bench-'));
  let engine;
  const containers = [];
  try {
    const tar = await busyboxTar(dir);
    engine = await startEngine(dir);
    const { socket } = engine;
    // Idle: a fresh engine that has served only /_ping, after a moment to settle.
    await sleep(1000);
    const idleRss = await rssBytes(engine.pid);
    const [repo, tag] = IMAGE.split(':');
    await api(
      socket,
      'POST',
      `/images/create?fromSrc=-&repo=${encodeURIComponent(repo)}&tag=${tag}`,
      await readFile(tar),
    );

    const results = {};
    results['create+start+wait (true)'] = await time(runs, async () => {
      containers.push(await runTrivial(socket));
    });
    for (const id of containers.splice(0)) await api(socket, 'DELETE', `/containers/${id}?force=1`);

    const sleeper = JSON.parse(
      (await api(socket, 'POST', '/containers/create', { Image: IMAGE, Cmd: ['sleep', '3600'] })).text,
    ).Id;
    containers.push(sleeper);
    await api(socket, 'POST', `/containers/${sleeper}/start`);
    results['exec (true)'] = await time(runs, () => execOnce(socket, sleeper));

    const busyRss = await rssBytes(engine.pid);
    // Memory figures are bytes, not times: reported in MiB in the "median" column with one run.
    const mib = (bytes) => ({
      runs: 1,
      median: bytes / 2 ** 20,
      p95: bytes / 2 ** 20,
      min: bytes / 2 ** 20,
      max: bytes / 2 ** 20,
      unit: 'MiB',
    });
    results['idle RSS MiB (fresh engine)'] = mib(idleRss);
    results['RSS MiB (after the runs)'] = mib(busyRss);
    return results;
  } finally {
    if (engine) {
      for (const id of containers)
        await api(engine.socket, 'DELETE', `/containers/${id}?force=1`).catch(() => undefined);
      await engine.stop();
    }
    await rm(dir, { recursive: true, force: true });
  }
}

// `node bench/engine.mjs` runs this group alone.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await benchEngine(), null, 2));
}
