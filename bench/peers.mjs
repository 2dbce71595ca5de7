// The engines berth is measured against, each a private instance that shares nothing with the host's own:
// Docker Engine (dockerd on its own data root, exec root, socket and pidfile, with no iptables rules, no
// masquerading and no default bridge) and Podman (its own root, runroot, tmp dir, network config dir and file
// locks, through a temporary containers.conf and storage.conf; runc, cgroupfs and a file events log as this
// kind of host needs). Every stop() removes what its engine made, ends the processes under its directory by PID,
// unmounts what is left there and removes the directory; it never touches iptables or links it did not make.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { api } from './harness.mjs';

/** Where `name` is installed, or undefined. */
export function which(name) {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin', '/sbin'])) {
    const candidate = path.join(dir, name);
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; waits (bounded) for the process to go. */
export async function endByPid(pid, graceMs = 15_000) {
  if (!alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 50 && alive(pid); i++) await sleep(100);
}

/** The PIDs whose command line mentions `text` (a peer's private directory), this process excluded. */
export function pidsMentioning(text) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text)) pids.push(pid);
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Summed RSS and PSS (bytes) of these processes; PSS shares pages between them instead of counting them twice. */
export function processMemory(pids) {
  let rss = 0;
  let pss = 0;
  for (const pid of new Set(pids)) {
    try {
      const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      rss += Number(/^Rss:\s+(\d+) kB/m.exec(text)?.[1] ?? 0) * 1024;
      pss += Number(/^Pss:\s+(\d+) kB/m.exec(text)?.[1] ?? 0) * 1024;
    } catch {
      // gone meanwhile
    }
  }
  return { rss, pss, processes: new Set(pids).size };
}

async function mountsUnder(dir) {
  return (await readFile('/proc/self/mountinfo', 'utf8'))
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((mount) => mount === dir || mount.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** Ends what still runs from `dir`, unmounts what is mounted under it and removes it; what could not go. */
async function sweep(dir) {
  for (const pid of pidsMentioning(dir)) await endByPid(pid, 5000);
  for (const mount of await mountsUnder(dir)) spawnSync('umount', ['-l', mount]);
  const left = [
    ...pidsMentioning(dir).map((pid) => `process ${pid}`),
    ...(await mountsUnder(dir)).map((m) => `mount ${m}`),
  ];
  if (left.length === 0) await rm(dir, { recursive: true, force: true });
  return left;
}

/**
 * dockerd on `dir`, or undefined when Docker Engine or its CLI is not installed. Its user networks (compose's
 * default network) get bridges from `pool` with no iptables rules.
 */
export async function startPrivateDockerd(dir, { pool = 'base=10.214.0.0/16,size=24' } = {}) {
  const binary = which('dockerd');
  if (binary === undefined || which('docker') === undefined) return undefined;
  await mkdir(dir, { recursive: true });
  const socket = path.join(dir, 'docker.sock');
  const logFile = path.join(dir, 'dockerd.log');
  const log = openSync(logFile, 'a');
  const hadDocker0 = existsSync('/sys/class/net/docker0');
  const child = spawn(
    binary,
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
      '--ip6tables=false',
      '--ip-masq=false',
      '--bridge=none',
      '--default-address-pool',
      pool,
      '--storage-driver',
      'overlay2',
    ],
    { stdio: ['ignore', log, log] },
  );
  const host = `unix://${socket}`;
  const containerdPid = () =>
    Number(readFileSync(path.join(dir, 'exec', 'containerd', 'containerd.pid'), 'utf8').trim()) || undefined;
  const peer = {
    dir,
    socket,
    host,
    env: {
      ...process.env,
      DOCKER_HOST: host,
      DOCKER_BUILDKIT: '0',
      DOCKER_CONFIG: path.join(dir, 'config'),
      COMPOSE_INTERACTIVE_NO_CLI: '1',
    },
    /** dockerd, its containerd and the shims (the per-container monitors). */
    enginePids: () => [child.pid, ...pidsMentioning(dir)],
    async stop() {
      const containerd = (() => {
        try {
          return containerdPid();
        } catch {
          return undefined;
        }
      })();
      // dockerd keeps its networks' bridges when it ends: remove containers and networks while it answers.
      const bridges = [];
      const json = async (url) => JSON.parse((await api(socket, 'GET', url)).text);
      if (child.exitCode === null) {
        for (const c of await json('/containers/json?all=1').catch(() => []))
          await api(socket, 'DELETE', `/containers/${c.Id}?force=1&v=1`).catch(() => undefined);
        for (const n of await json('/networks').catch(() => [])) {
          if (['bridge', 'host', 'none'].includes(n.Name)) continue;
          bridges.push(n.Options?.['com.docker.network.bridge.name'] ?? `br-${n.Id.slice(0, 12)}`);
          await api(socket, 'DELETE', `/networks/${n.Id}`).catch(() => undefined);
        }
      }
      await endByPid(child.pid, 20_000);
      if (containerd !== undefined) await endByPid(containerd, 10_000);
      for (const bridge of bridges)
        if (existsSync(`/sys/class/net/${bridge}`)) spawnSync('ip', ['link', 'del', bridge]);
      const left = await sweep(dir);
      if (!hadDocker0 && existsSync('/sys/class/net/docker0')) left.push('the docker0 bridge');
      if (left.length > 0) throw new Error(`the private dockerd left behind: ${left.join(', ')}`);
    },
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await api(socket, 'GET', '/_ping');
      return peer;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await peer.stop().catch(() => undefined);
        const text = await readFile(logFile, 'utf8').catch(() => '');
        throw new Error(`dockerd did not start: ${error.message}\n${text.split('\n').slice(-10).join('\n')}`);
      }
      await sleep(200);
    }
  }
}

/**
 * Podman on `dir` (no daemon: `env` points every podman and podman-compose call here), or undefined when podman
 * is not installed. Containers should use network `none` or `host`: a bridge network would add firewall rules.
 */
export async function startPrivatePodman(dir) {
  const binary = which('podman');
  if (binary === undefined) return undefined;
  const root = path.join(dir, 'root');
  const runroot = path.join(dir, 'runroot');
  const tmp = path.join(dir, 'tmp');
  for (const sub of [root, runroot, tmp, path.join(dir, 'networks'), path.join(dir, 'volumes')])
    await mkdir(sub, { recursive: true });
  const conf = path.join(dir, 'containers.conf');
  const storage = path.join(dir, 'storage.conf');
  await writeFile(
    conf,
    [
      '[containers]',
      'netns = "none"',
      // Podman raises these limits past what a process without CAP_SYS_RESOURCE may set: keep this process's
      // open-files limit, and a process limit that runc may set under conmon here.
      `default_ulimits = ["nofile=${limit('Max open files')}", "nproc=4096:4096"]`,
      '[network]',
      `network_config_dir = "${path.join(dir, 'networks')}"`,
      '[engine]',
      'runtime = "runc"',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      `events_logfile_path = "${path.join(tmp, 'events.log')}"`,
      `tmp_dir = "${tmp}"`,
      `static_dir = "${path.join(root, 'libpod')}"`,
      `volume_path = "${path.join(dir, 'volumes')}"`,
      'lock_type = "file"',
      '',
    ].join('\n'),
  );
  await writeFile(
    storage,
    ['[storage]', 'driver = "overlay"', `graphroot = "${root}"`, `runroot = "${runroot}"`, ''].join('\n'),
  );
  const env = {
    ...process.env,
    CONTAINERS_CONF: conf,
    CONTAINERS_STORAGE_CONF: storage,
    CONTAINERS_REGISTRIES_CONF: path.join(dir, 'registries.conf'),
    REGISTRY_AUTH_FILE: path.join(dir, 'auth.json'),
  };
  await writeFile(env.CONTAINERS_REGISTRIES_CONF, 'unqualified-search-registries = []\n');
  await writeFile(env.REGISTRY_AUTH_FILE, '{}\n');
  // Podman as root keeps a blob cache in this fixed place; it goes afterwards if it was not there before.
  const blobCache = '/var/lib/containers';
  const hadBlobCache = existsSync(blobCache);
  // The same places again as flags, so that no default of this podman version can point elsewhere.
  const args = [
    '--root',
    root,
    '--runroot',
    runroot,
    '--tmpdir',
    tmp,
    '--runtime',
    'runc',
    '--cgroup-manager',
    'cgroupfs',
    '--events-backend',
    'file',
  ];
  const podman = (more, options = {}) =>
    execFileSync(binary, [...args, ...more], { env, encoding: 'utf8', timeout: 120_000, ...options });
  podman(['info'], { stdio: 'ignore' });
  return {
    dir,
    env,
    binary,
    args,
    podman,
    /** conmon for each container (Podman has no daemon). */
    enginePids: () => pidsMentioning(dir).filter((pid) => /conmon/.test(processName(pid))),
    async stop() {
      try {
        podman(['rm', '-af', '-t', '0'], { stdio: 'ignore' });
        podman(['pod', 'rm', '-af'], { stdio: 'ignore' });
      } catch {
        // the sweep below ends what is left
      }
      if (!hadBlobCache) await rm(blobCache, { recursive: true, force: true });
      const left = await sweep(dir);
      if (left.length > 0) throw new Error(`the private podman left behind: ${left.join(', ')}`);
    },
  };
}

/** `soft:hard` of this process's limit named `name` in /proc/self/limits. */
function limit(name) {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(name));
  const [soft, hard] = (line ?? '').slice(name.length).trim().split(/\s+/);
  return Number(hard) > 0 ? `${soft}:${hard}` : '1024:1024';
}

function processName(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}
