// The engines a benchmark run measures, behind one shape so that every group runs the same scenario on each:
// berth (its embedded engine from the built CLI, on a temporary root), and, where installed, Docker Engine +
// Docker Compose and Podman + podman-compose as private instances (bench/peers.mjs). Every target holds the same
// busybox image under the same name (IMAGE). A target:
//   name                        'berth' | 'docker' | 'podman'; tools: what drives it, for the results
//   compose(cwd, project, args) runs the target's compose tool there; its duration in ms
//   container(args)             runs the target's container CLI (`docker` for berth and Docker, `podman`); ms
//   enginePids()                the engine's processes and per-container monitors, for memory figures
//   build(context, tag, extra), pull(reference) in ms; removeImage(reference); stop()
// and berth's also has its engine's socket.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { api, busyboxTar, startEngine } from './harness.mjs';
import { pidsMentioning, startPrivateDockerd, startPrivatePodman, which } from './peers.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const berthBin = process.env.BERTH_BENCH_CLI ?? path.join(root, 'bin', 'berth.js');
export const IMAGE = 'berth-bench/busybox:latest';
// What the busybox image holds: enough for the compose services, the builds and the trivial containers.
const APPLETS = ['sh', 'true', 'sleep', 'cat', 'dd', 'find', 'sort', 'xargs', 'sha256sum', 'mkdir'];

/** Runs a command, throwing with its stderr when it fails; its duration in ms. Bounded to 5 minutes. */
export function timed(command, args, options = {}) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 300_000, ...options });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0)
    throw new Error(
      `${path.basename(command)} ${args.join(' ')} exited ${result.status ?? result.signal}: ${(result.stderr ?? '').slice(-800)}`,
    );
  return elapsed;
}

async function berthTarget(dir, tar) {
  const net = { BERTH_BRIDGE_PREFIX: 'bbt', BERTH_SUBNET_POOL: '10.213.192.0/22', BERTH_SUBNET_SIZE: '24' };
  const engine = await startEngine(dir, net);
  const env = {
    ...process.env,
    BERTH_ROOT: path.join(dir, 'root'),
    BERTH_RUN: path.join(dir, 'run'),
    BERTH_HOST: `unix://${engine.socket}`,
    ...net,
  };
  delete env.DOCKER_HOST;
  const dockerEnv = {
    ...env,
    DOCKER_HOST: `unix://${engine.socket}`,
    DOCKER_CONFIG: path.join(dir, 'docker'),
  };
  const [repo, tag] = IMAGE.split(':');
  await api(engine.socket, 'POST', `/images/create?fromSrc=-&repo=${repo}&tag=${tag}`, await readFile(tar));
  const berth = (args) => timed(process.execPath, ['--', berthBin, ...args], { env });
  return {
    name: 'berth',
    socket: engine.socket,
    tools: 'berth CLI; docker CLI on its socket for single containers',
    compose: (cwd, project, args) =>
      timed(process.execPath, ['--', berthBin, '-p', project, '--progress', 'quiet', ...args], { cwd, env }),
    // berth has no `container run`: single containers go through the docker CLI, as a docker user would.
    container: which('docker') ? (args) => timed('docker', args, { env: dockerEnv }) : undefined,
    enginePids: () => [engine.pid, ...pidsMentioning(dir)],
    build: (context, imageTag, extra) =>
      berth(['image', 'build', '-q', '--network', 'none', '-t', imageTag, ...extra, context]),
    pull: async (reference) => {
      const start = process.hrtime.bigint();
      const colon = reference.lastIndexOf(':');
      const query = `fromImage=${encodeURIComponent(reference.slice(0, colon))}&tag=${reference.slice(colon + 1)}`;
      const { text } = await api(engine.socket, 'POST', `/images/create?${query}`);
      if (/"error"/.test(text)) throw new Error(`berth pull ${reference}: ${text.slice(-300)}`);
      return Number(process.hrtime.bigint() - start) / 1e6;
    },
    removeImage: (reference) =>
      api(engine.socket, 'DELETE', `/images/${reference}?force=1`).catch(() => undefined),
    async stop() {
      const left = JSON.parse(
        (await api(engine.socket, 'GET', '/containers/json?all=1').catch(() => ({ text: '[]' }))).text,
      );
      for (const c of left)
        await api(engine.socket, 'DELETE', `/containers/${c.Id}?force=1`).catch(() => undefined);
      await engine.stop();
    },
  };
}

async function dockerTarget(dir, tar) {
  const compose = which('docker-compose');
  if (compose === undefined) return undefined;
  const dockerd = await startPrivateDockerd(dir);
  if (dockerd === undefined) return undefined;
  const { env } = dockerd;
  execFileSync('docker', ['import', tar, IMAGE], { env, stdio: 'ignore', timeout: 120_000 });
  return {
    name: 'docker',
    tools: 'dockerd + docker CLI + docker-compose',
    compose: (cwd, project, args) => timed(compose, ['-p', project, ...args], { cwd, env }),
    container: (args) => timed('docker', args, { env }),
    enginePids: dockerd.enginePids,
    // --network none: this dockerd has no default bridge, and the Dockerfile needs none.
    build: (context, imageTag, extra) =>
      timed('docker', ['build', '-q', '--network', 'none', '-t', imageTag, ...extra, context], { env }),
    pull: async (reference) => timed('docker', ['pull', '-q', reference], { env }),
    removeImage: async (reference) => spawnSync('docker', ['rmi', '-f', reference], { env, stdio: 'ignore' }),
    stop: () => dockerd.stop(),
  };
}

async function podmanTarget(dir, tar) {
  const compose = which('podman-compose');
  const podman = await startPrivatePodman(dir);
  if (podman === undefined) return undefined;
  if (compose === undefined) {
    await podman.stop();
    return undefined;
  }
  const { env, args: global } = podman;
  podman.podman(['import', '-q', tar, IMAGE], { stdio: 'ignore' });
  // podman-compose 1.0.3 adds `--net <project>_default` to every container even with network_mode, which
  // would put it on a bridge with firewall rules; this wrapper drops that pair (and the alias that goes with it).
  const wrapper = path.join(dir, 'podman-for-compose');
  await writeFile(
    wrapper,
    [
      '#!/bin/sh',
      'skip=0',
      'for a do',
      '  shift',
      '  if [ "$skip" = 1 ]; then skip=0; continue; fi',
      '  case "$a" in --net|--network-alias) skip=1; continue;; esac',
      '  set -- "$@" "$a"',
      'done',
      `exec ${podman.binary} ${global.map((a) => `'${a}'`).join(' ')} "$@"`,
      '',
    ].join('\n'),
  );
  await chmod(wrapper, 0o755);
  return {
    name: 'podman',
    tools: 'podman CLI + podman-compose',
    compose: (cwd, project, args) =>
      timed(compose, ['--podman-path', wrapper, '-p', project, ...args], { cwd, env }),
    container: (args) => timed(podman.binary, [...global, ...args], { env }),
    enginePids: podman.enginePids,
    build: (context, imageTag, extra) =>
      timed(
        podman.binary,
        [...global, 'build', '-q', '--network', 'none', '-t', imageTag, ...extra, context],
        {
          env,
        },
      ),
    pull: async (reference) =>
      timed(podman.binary, [...global, 'pull', '-q', '--tls-verify=false', reference], { env }),
    removeImage: async (reference) =>
      spawnSync(podman.binary, [...global, 'rmi', '-f', reference], { env, stdio: 'ignore' }),
    stop: () => podman.stop(),
  };
}

/**
 * Starts berth and whichever peers are installed (BENCH_PEERS=none leaves them out; BENCH_PEERS=docker or
 * podman picks one); `notes` says which were left out and why. stopAll() ends all of them.
 */
export async function startTargets(dir) {
  await mkdir(dir, { recursive: true });
  const tar = await busyboxTar(dir, APPLETS);
  const wanted = (process.env.BENCH_PEERS ?? 'docker,podman').split(',');
  const targets = [];
  const notes = [];
  const stopAll = async () => {
    const errors = [];
    for (const target of targets.splice(0).reverse()) await target.stop().catch((e) => errors.push(e));
    if (errors.length > 0) throw new Error(errors.map((e) => e.message).join('\n'));
  };
  try {
    targets.push(await berthTarget(path.join(dir, 'berth'), tar));
    for (const [name, start, needs] of [
      ['docker', dockerTarget, 'dockerd, docker and docker-compose'],
      ['podman', podmanTarget, 'podman and podman-compose'],
    ]) {
      if (!wanted.includes(name)) notes.push(`${name}: left out (BENCH_PEERS)`);
      else {
        const target = await start(path.join(dir, name), tar);
        if (target === undefined) notes.push(`${name}: not measured (${needs} not installed)`);
        else targets.push(target);
      }
    }
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
  return { targets, notes, tar, stopAll };
}
