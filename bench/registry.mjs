// Registry benchmark: pull of a ~100 MB, 3-layer image (random, incompressible content, made here) from
// Debian's docker-registry on 127.0.0.1 into every target (berth: POST /images/create; `docker pull`; `podman
// pull`), each pull starting from nothing (the image removed before it): download, verify and unpack. Reported as
// times and as MiB/s from the median. The registry is ended by PID and its data removed before it returns.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { which } from './peers.mjs';

const LAYER_MB = [40, 35, 25];
const TOTAL_MIB = LAYER_MB.reduce((a, b) => a + b, 0);

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
  const child = spawn(which('docker-registry'), ['serve', config], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    if (!(await Promise.race([exited.then(() => true), sleep(15_000, false)]))) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await (await globalThis.fetch(`http://${host}/v2/`)).body?.cancel();
      return { host, stop };
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw new Error(`docker-registry did not start: ${error.message}`);
      }
      await sleep(50);
    }
  }
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
    const digest = createHash('sha256').update(await readFile(path.join(staging, tarName)));
    diffIds.push(`sha256:${digest.digest('hex')}`);
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

/** POSTs to berth's engine with a streamed body; rejects on an HTTP error or an error in the stream. */
function post(socket, urlPath, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: socket, method: 'POST', path: urlPath }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () =>
        (res.statusCode ?? 0) >= 400 || /"error"/.test(text)
          ? reject(new Error(`POST ${urlPath}: ${res.statusCode} ${text.slice(-300)}`))
          : resolve(text),
      );
    });
    req.on('error', reject);
    if (body === undefined) req.end();
    else body.pipe(req);
  });
}

export async function benchRegistry(targets, dir, { runs = 3 } = {}) {
  if (which('docker-registry') === undefined) return [];
  const berth = targets.find((t) => t.name === 'berth');
  await mkdir(dir, { recursive: true });
  const registry = await startRegistry(dir);
  const time = { name: `pull ${TOTAL_MIB} MiB, 3 layers, from a local registry`, unit: 'ms', results: {} };
  const rate = { name: 'pull throughput (from the median)', unit: 'MiB/s', better: 'higher', results: {} };
  try {
    // berth loads the archive and pushes it: the registry then holds one image for every target to pull.
    await post(berth.socket, '/images/load', createReadStream(await makeArchive(dir)));
    const repo = `${registry.host}/bench/pull`;
    await post(berth.socket, `/images/bench/pull:src/tag?repo=${encodeURIComponent(repo)}&tag=v1`);
    await post(berth.socket, `/images/${repo}/push?tag=v1`);
    await berth.removeImage('bench/pull:src');
    const reference = `${repo}:v1`;
    for (const target of targets) {
      const samples = [];
      for (let i = 0; i < runs; i++) {
        await target.removeImage(reference);
        samples.push(await target.pull(reference));
      }
      await target.removeImage(reference);
      const sorted = [...samples].sort((a, b) => a - b);
      const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
      time.results[target.name] = {
        runs,
        median: at(0.5),
        p95: at(0.95),
        min: sorted[0],
        max: sorted.at(-1),
      };
      // A rate from the median only: the spread is in the row of times above.
      const mibs = TOTAL_MIB / (at(0.5) / 1000);
      rate.results[target.name] = { runs: 1, median: mibs, p95: mibs, min: mibs, max: mibs };
    }
    return [time, rate];
  } finally {
    await registry.stop();
    await rm(path.join(dir, 'registry-data'), { recursive: true, force: true });
  }
}
