// What the engine benchmarks share: HTTP to the engine's socket, a busybox image tar, an engine started from the
// built CLI on a temporary root, and timing with warm-up runs.
import { Buffer } from 'node:buffer';
import { spawn, execFileSync } from 'node:child_process';
import { chmod, copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { summarise } from './startup.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// BERTH_BENCH_CLI: another build of the CLI to measure (default: the one `npm run build` makes).
const berth = process.env.BERTH_BENCH_CLI ?? path.join(root, 'bin', 'berth.js');

/** One HTTP exchange with the engine; resolves with status and body text. */
export function api(socket, method, urlPath, body) {
  return new Promise((resolve, reject) => {
    const payload =
      body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    const headers =
      payload === undefined
        ? {}
        : {
            'Content-Type': Buffer.isBuffer(body) ? 'application/x-tar' : 'application/json',
            'Content-Length': payload.length,
          };
    const req = http.request({ socketPath: socket, method, path: urlPath, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if ((res.statusCode ?? 0) >= 400)
          reject(new Error(`${method} ${urlPath}: ${res.statusCode} ${text}`));
        else resolve({ status: res.statusCode, text });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export const apiJson = async (...args) => JSON.parse((await api(...args)).text);

/** A busybox root filesystem with these applets, as a tar to import. */
export async function busyboxTar(dir, applets) {
  const rootfs = path.join(dir, 'rootfs');
  for (const sub of ['bin', 'etc', 'tmp']) await mkdir(path.join(rootfs, sub), { recursive: true });
  await copyFile('/bin/busybox', path.join(rootfs, 'bin', 'busybox'));
  await chmod(path.join(rootfs, 'bin', 'busybox'), 0o755);
  for (const applet of applets) await symlink('busybox', path.join(rootfs, 'bin', applet));
  await writeFile(path.join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  await writeFile(path.join(rootfs, 'etc', 'group'), 'root:x:0:\n');
  const tarPath = path.join(dir, 'busybox.tar');
  execFileSync('tar', ['--numeric-owner', '-C', rootfs, '-cf', tarPath, '.']);
  return tarPath;
}

/** The built CLI's `engine run` on a root under `dir`, with `env` added (bridge prefix, subnet pool). */
export async function startEngine(dir, extraEnv = {}) {
  const env = {
    ...process.env,
    BERTH_ROOT: path.join(dir, 'root'),
    BERTH_RUN: path.join(dir, 'run'),
    BERTH_LOG_LEVEL: 'warn',
    ...extraEnv,
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
      if (child.exitCode !== null || Date.now() > deadline) {
        if (child.exitCode === null) child.kill('SIGKILL');
        throw new Error(`engine did not start: ${error.message}`);
      }
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

/** Median etc. of `runs` timed calls after two warm-up calls; `after` runs untimed after each call. */
export async function time(runs, once, after = () => undefined) {
  const samples = [];
  for (let i = 0; i < runs + 2; i++) {
    const start = process.hrtime.bigint();
    const value = await once();
    const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    if (i >= 2) samples.push(elapsed);
    await after(value);
  }
  return summarise(samples);
}
