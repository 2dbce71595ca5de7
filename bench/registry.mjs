// Registry benchmark: pull of a ~100 MB, 3-layer image (random, incompressible content, made here) from
// Debian's docker-registry on 127.0.0.1, through berth's engine (POST /images/create: download, verify and
// unpack) and with `skopeo copy` to a dir: (download and verify only), side by side, medians of a few runs.
// Everything it starts (registry, engine) is ended by PID and its temp directory removed before it returns.
import { Buffer } from 'node:buffer';
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { summarise } from './startup.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const berth = process.env.BERTH_BENCH_CLI ?? path.join(root, 'bin', 'berth.js');
const LAYER_MB = [40, 35, 25];

function api(socket, method, urlPath, { body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: socket, method, path: urlPath, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if ((res.statusCode ?? 0) >= 400 || /"error"/.test(text)) {
          reject(new Error(`${method} ${urlPath}: ${res.statusCode} ${text.slice(-500)}`));
        } else resolve(text);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body === undefined) req.end();
    else body.pipe(req);
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(check, child, what) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`${what} did not start: ${error.message}`);
      await sleep(50);
    }
  }
}

function stopper(child) {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    const done = await Promise.race([exited.then(() => true), sleep(15_000, false)]);
    if (!done) {
      child.kill('SIGKILL');
      await exited;
    }
  };
}

async function startRegistry(dir) {
  const port = await freePort();
  const config = path.join(dir, 'registry.yml');
  await writeFile(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${path.join(dir, 'registry-data')}`,
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  const child = spawn('/usr/bin/docker-registry', ['serve', config], { stdio: 'ignore' });
  const host = `127.0.0.1:${port}`;
  await waitFor(
    async () => (await globalThis.fetch(`http://${host}/v2/`)).body?.cancel(),
    child,
    'docker-registry',
  );
  return { host, stop: stopper(child) };
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
  const child = spawn(process.execPath, [berth, 'engine', 'run'], { env, stdio: 'ignore' });
  await waitFor(() => api(socket, 'GET', '/_ping'), child, 'engine');
  return { socket, stop: stopper(child) };
}

/** A docker-archive with three layers of random files, written with tar. */
async function makeArchive(dir) {
  const staging = path.join(dir, 'archive');
  await mkdir(staging, { recursive: true });
  const diffIds = [];
  const layers = [];
  for (const [i, mb] of LAYER_MB.entries()) {
    const content = path.join(dir, `layer${i}`);
    await mkdir(path.join(content, 'data'), { recursive: true });
    await writeFile(path.join(content, 'data', `random-${i}.bin`), randomBytes(mb * 1024 * 1024));
    const tarName = `layer${i}.tar`;
    execFileSync('tar', ['--numeric-owner', '-C', content, '-cf', path.join(staging, tarName), '.']);
    diffIds.push(
      `sha256:${createHash('sha256')
        .update(await readFile(path.join(staging, tarName)))
        .digest('hex')}`,
    );
    layers.push(tarName);
    await rm(content, { recursive: true, force: true });
  }
  const config = {
    architecture: 'amd64',
    os: 'linux',
    config: {},
    rootfs: { type: 'layers', diff_ids: diffIds },
  };
  await writeFile(path.join(staging, 'config.json'), JSON.stringify(config));
  await writeFile(
    path.join(staging, 'manifest.json'),
    JSON.stringify([{ Config: 'config.json', RepoTags: ['bench/pull:src'], Layers: layers }]),
  );
  const archive = path.join(dir, 'image.tar');
  execFileSync('tar', ['-C', staging, '-cf', archive, '.']);
  await rm(staging, { recursive: true, force: true });
  return archive;
}

export async function benchRegistry({ runs = 5 } = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'berth-bench-reg-'));
  let registry;
  let engine;
  try {
    registry = await startRegistry(dir);
    engine = await startEngine(dir);
    const { createReadStream } = await import('node:fs');
    await api(engine.socket, 'POST', '/images/load', { body: createReadStream(await makeArchive(dir)) });
    const repo = `${registry.host}/bench/pull`;
    await api(engine.socket, 'POST', `/images/bench/pull:src/tag?repo=${encodeURIComponent(repo)}&tag=v1`);
    await api(engine.socket, 'POST', `/images/${repo}/push?tag=v1`);
    await api(engine.socket, 'DELETE', `/images/bench/pull:src`);
    const berthSamples = [];
    const skopeoSamples = [];
    const target = path.join(dir, 'skopeo-out');
    for (let i = 0; i < runs; i++) {
      // Removing the last tag deletes the image's blobs and layers, so each pull starts from nothing.
      await api(engine.socket, 'DELETE', `/images/${repo}:v1`).catch(() => undefined);
      let start = performance.now();
      await api(engine.socket, 'POST', `/images/create?fromImage=${encodeURIComponent(repo)}&tag=v1`);
      berthSamples.push(performance.now() - start);

      await rm(target, { recursive: true, force: true });
      start = performance.now();
      execFileSync(
        'skopeo',
        ['copy', '--quiet', `docker://${repo}:v1`, `dir:${target}`, '--src-tls-verify=false'],
        {
          stdio: 'ignore',
          timeout: 120_000,
        },
      );
      skopeoSamples.push(performance.now() - start);
    }
    const totalMb = LAYER_MB.reduce((a, b) => a + b, 0);
    const berthStats = summarise(berthSamples);
    const skopeoStats = summarise(skopeoSamples);
    console.log(
      `registry pull of ${totalMb} MiB: berth ${(totalMb / (berthStats.median / 1000)).toFixed(0)} MiB/s (download+verify+unpack), ` +
        `skopeo copy ${(totalMb / (skopeoStats.median / 1000)).toFixed(0)} MiB/s (download+verify to dir:)`,
    );
    return {
      [`pull ${totalMb} MiB, 3 layers (berth engine)`]: berthStats,
      [`pull ${totalMb} MiB, 3 layers (skopeo copy to dir:)`]: skopeoStats,
    };
  } finally {
    await engine?.stop();
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await benchRegistry(), null, 2));
}
