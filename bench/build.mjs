// Build benchmarks: the same Dockerfile and context built cold (no cache), rebuilt with nothing changed, and
// rebuilt after one source file changed, through `berth image build` (the built CLI, context packing included)
// on an engine of its own; and, when Docker Engine is installed, through `docker build` against a private
// dockerd started here (its own data root and socket, no iptables changes), side by side. Medians of a few runs,
// every run bounded in time.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { busyboxTar, startEngine } from './harness.mjs';
import { summarise } from './startup.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const berth = process.env.BERTH_BENCH_CLI ?? path.join(root, 'bin', 'berth.js');
const RUNS = 5;
const IMAGE = 'bench-build:latest';

const DOCKERFILE = `FROM busybox
WORKDIR /app
COPY deps.txt ./
RUN sha256sum deps.txt > deps.sum && dd if=/dev/zero of=/app/blob bs=1M count=8 2>/dev/null
COPY src/ ./src/
RUN find src -type f | sort | xargs cat | sha256sum > /app/src.sum
CMD ["cat", "/app/src.sum"]
`;

async function makeContext(dir) {
  await mkdir(path.join(dir, 'src', 'lib'), { recursive: true });
  await writeFile(path.join(dir, 'Dockerfile'), DOCKERFILE);
  await writeFile(path.join(dir, 'deps.txt'), 'dependency-a==1\ndependency-b==2\n');
  for (let i = 0; i < 200; i++) {
    await writeFile(path.join(dir, 'src', 'lib', `module${i}.txt`), `module ${i}\n`.repeat(50));
  }
  await writeFile(path.join(dir, 'src', 'main.txt'), 'main 0\n');
}

function timed(command, args, env) {
  const start = process.hrtime.bigint();
  execFileSync(command, args, { env, stdio: 'ignore', timeout: 300_000 });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** cold / no-change / one-file timings with `build(extraArgs)`. */
async function measure(contextDir, build) {
  const cold = [];
  const unchanged = [];
  const oneFile = [];
  for (let i = 0; i < RUNS; i++) {
    cold.push(build(['--no-cache']));
    unchanged.push(build([]));
    await writeFile(path.join(contextDir, 'src', 'main.txt'), `main ${i + 1}\n`);
    oneFile.push(build([]));
  }
  return { cold: summarise(cold), unchanged: summarise(unchanged), oneFile: summarise(oneFile) };
}

async function benchBerth(dir, tar, contextDir) {
  const engine = await startEngine(dir, {
    BERTH_BRIDGE_PREFIX: 'bbld',
    BERTH_SUBNET_POOL: '10.213.218.0/24',
  });
  const env = {
    ...process.env,
    BERTH_ROOT: path.join(dir, 'root'),
    BERTH_RUN: path.join(dir, 'run'),
    BERTH_HOST: `unix://${engine.socket}`,
  };
  try {
    execFileSync(process.execPath, [berth, 'image', 'import', '-c', 'CMD ["sh"]', tar, 'busybox:latest'], {
      env,
      stdio: 'ignore',
    });
    return await measure(contextDir, (extra) =>
      timed(
        process.execPath,
        [berth, 'image', 'build', '-q', '--network', 'none', '-t', IMAGE, ...extra, contextDir],
        env,
      ),
    );
  } finally {
    await engine.stop();
  }
}

/** A dockerd of our own, or undefined when Docker Engine is not installed. */
async function startDockerd(dir) {
  if (!existsSync('/usr/sbin/dockerd') && !existsSync('/usr/bin/dockerd')) return undefined;
  const socket = path.join(dir, 'docker.sock');
  const child = spawn(
    'dockerd',
    [
      '--data-root',
      path.join(dir, 'data'),
      '--exec-root',
      path.join(dir, 'exec'),
      '--pidfile',
      path.join(dir, 'dockerd.pid'),
      '-H',
      `unix://${socket}`,
      '--iptables=false',
      '--ip-masq=false',
      '--bridge=none',
      '--storage-driver',
      'overlay2',
    ],
    { stdio: 'ignore' },
  );
  const env = {
    ...process.env,
    DOCKER_HOST: `unix://${socket}`,
    DOCKER_BUILDKIT: '0',
    DOCKER_CONFIG: path.join(dir, 'config'),
  };
  for (let i = 0; i < 300; i++) {
    try {
      execFileSync('docker', ['version'], { env, stdio: 'ignore', timeout: 5000 });
      return { env, stop: () => stopChild(child) };
    } catch {
      if (child.exitCode !== null) return undefined;
      await sleep(100);
    }
  }
  await stopChild(child);
  return undefined;
}

async function stopChild(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const result = await Promise.race([exited.then(() => 'exited'), sleep(20_000, 'timeout')]);
  if (result === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

async function benchDocker(dir, tar, contextDir) {
  const dockerd = await startDockerd(dir);
  if (dockerd === undefined) return undefined;
  try {
    execFileSync('docker', ['import', '--change', 'CMD ["sh"]', tar, 'busybox:latest'], {
      env: dockerd.env,
      stdio: 'ignore',
    });
    // --network none: this private dockerd has no bridge, and the Dockerfile needs none.
    return await measure(contextDir, (extra) =>
      timed('docker', ['build', '-q', '--network', 'none', '-t', IMAGE, ...extra, contextDir], dockerd.env),
    );
  } finally {
    await dockerd.stop();
  }
}

export async function benchBuild() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'berth-bench-build-'));
  try {
    const tar = await busyboxTar(dir, ['sh', 'cat', 'dd', 'find', 'sort', 'xargs', 'sha256sum', 'mkdir']);
    const contextDir = path.join(dir, 'context');
    await makeContext(contextDir);
    const out = {};
    const berthResult = await benchBerth(path.join(dir, 'berth'), tar, contextDir);
    out['berth cold build'] = berthResult.cold;
    out['berth no-change rebuild'] = berthResult.unchanged;
    out['berth one-file rebuild'] = berthResult.oneFile;
    await makeContext(contextDir);
    const dockerResult = await benchDocker(path.join(dir, 'docker'), tar, contextDir);
    if (dockerResult === undefined) {
      console.log('build: Docker Engine (dockerd) is not installed here; berth measured alone');
    } else {
      out['docker cold build'] = dockerResult.cold;
      out['docker no-change rebuild'] = dockerResult.unchanged;
      out['docker one-file rebuild'] = dockerResult.oneFile;
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
