// A Docker Engine of the suite's own, for the differential tests: dockerd on a temporary data root, exec root
// and socket, with no iptables rules, no masquerading and no default bridge (so the host's firewall and links
// are left as they are), and a subnet pool of its own. stop() ends it and the containerd it started by their
// PIDs, unmounts whatever it left under its root and removes the directory.
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface PrivateDockerd {
  dir: string;
  socket: string;
  /** `unix://<socket>` for --host / DOCKER_HOST. */
  host: string;
  log(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Where dockerd is, or undefined when Docker Engine is not installed. BERTH_TEST_DOCKERD names another binary,
 * or `none` to leave Docker out.
 */
export function dockerdPath(): string | undefined {
  const chosen = process.env.BERTH_TEST_DOCKERD;
  if (chosen !== undefined && chosen !== '') return chosen === 'none' ? undefined : chosen;
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin').split(':').concat(['/usr/sbin', '/usr/bin'])) {
    const candidate = path.join(dir, 'dockerd');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function endByPid(pid: number, graceMs: number): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 50 && alive(pid); i++) await sleep(100);
}

async function mountsUnder(root: string): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  return text
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((mount) => mount === root || mount.startsWith(`${root}/`))
    .sort((a, b) => b.length - a.length);
}

async function api(socket: string, method: string, url: string): Promise<string> {
  const result = await execa('curl', ['-sf', '-X', method, '--unix-socket', socket, `http://d/v1.41${url}`], {
    reject: false,
    timeout: 60_000,
  });
  return result.stdout;
}

/** Removes every container and user network of the engine; the names of the bridges its networks had. */
async function clearEngine(socket: string): Promise<string[]> {
  const containers = JSON.parse((await api(socket, 'GET', '/containers/json?all=1')) || '[]') as Array<{
    Id: string;
  }>;
  for (const container of containers) await api(socket, 'DELETE', `/containers/${container.Id}?force=1&v=1`);
  const networks = JSON.parse((await api(socket, 'GET', '/networks')) || '[]') as Array<{
    Id: string;
    Name: string;
    Options?: Record<string, string>;
  }>;
  const bridges: string[] = [];
  for (const network of networks) {
    if (['bridge', 'host', 'none'].includes(network.Name)) continue;
    bridges.push(network.Options?.['com.docker.network.bridge.name'] ?? `br-${network.Id.slice(0, 12)}`);
    await api(socket, 'DELETE', `/networks/${network.Id}`);
  }
  const volumes = JSON.parse((await api(socket, 'GET', '/volumes')) || '{}') as {
    Volumes?: Array<{ Name: string }> | null;
  };
  for (const volume of volumes.Volumes ?? []) await api(socket, 'DELETE', `/volumes/${volume.Name}`);
  return bridges;
}

export async function startDockerd(pool = 'base=10.214.0.0/16,size=24'): Promise<PrivateDockerd> {
  const binary = dockerdPath();
  if (binary === undefined) throw new Error('dockerd is not installed');
  const hadDocker0 = existsSync('/sys/class/net/docker0');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'berth-dockerd-'));
  const socket = path.join(dir, 'docker.sock');
  const logFile = path.join(dir, 'dockerd.log');
  const log = await import('node:fs').then((fs) => fs.openSync(logFile, 'a'));
  const child = spawn(
    binary,
    [
      '--data-root',
      path.join(dir, 'data'),
      '--exec-root',
      path.join(dir, 'exec'),
      '--pidfile',
      path.join(dir, 'pid'),
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
    { stdio: ['ignore', log, log], env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' } },
  );
  const pid = child.pid as number;
  const containerdPid = async (): Promise<number | undefined> => {
    const text = await readFile(path.join(dir, 'exec', 'containerd', 'containerd.pid'), 'utf8').catch(
      () => '',
    );
    const value = Number(text.trim());
    return Number.isInteger(value) && value > 0 ? value : undefined;
  };
  const dockerd: PrivateDockerd = {
    dir,
    socket,
    host: `unix://${socket}`,
    log: () => readFile(logFile, 'utf8').catch(() => ''),
    async stop() {
      const containerd = await containerdPid();
      // dockerd keeps its networks' bridges when it ends: remove its containers and networks first, and any
      // bridge link of its networks that is still there afterwards.
      const bridges = alive(pid) ? await clearEngine(socket) : [];
      await endByPid(pid, 20_000);
      // dockerd 20.10 runs its own containerd; it normally ends with dockerd, but not always.
      if (containerd !== undefined) await endByPid(containerd, 10_000);
      for (const mount of await mountsUnder(dir)) await execa('umount', ['-l', mount], { reject: false });
      for (const bridge of bridges)
        if (existsSync(`/sys/class/net/${bridge}`))
          await execa('ip', ['link', 'del', bridge], { reject: false });
      // What must not be left: the processes, a docker0 bridge it should never have made, mounts under its root.
      const left = [
        ...(alive(pid) ? [`dockerd (pid ${pid})`] : []),
        ...(containerd !== undefined && alive(containerd) ? [`containerd (pid ${containerd})`] : []),
        ...(!hadDocker0 && existsSync('/sys/class/net/docker0') ? ['the docker0 bridge'] : []),
        ...(await mountsUnder(dir)).map((mount) => `mount ${mount}`),
      ];
      if (left.length === 0) await rm(dir, { recursive: true, force: true });
      else throw new Error(`the private dockerd left behind: ${left.join(', ')}`);
    },
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ping = existsSync(socket)
      ? await execa('curl', ['-sf', '--unix-socket', socket, 'http://d/_ping'], { reject: false })
      : undefined;
    if (ping?.exitCode === 0) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      const text = await dockerd.log();
      await dockerd.stop().catch(() => undefined);
      throw new Error(`dockerd did not start:\n${text.split('\n').slice(-20).join('\n')}`);
    }
    await sleep(200);
  }
  return dockerd;
}

/**
 * The examples' busybox image (as scripts/busybox-image.sh makes it for berth) imported into the engine behind
 * `host` with the docker CLI.
 */
export async function importBusybox(host: string, reference = 'berth.local/busybox:latest'): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'berth-busybox-'));
  try {
    const rootfs = path.join(work, 'rootfs');
    for (const sub of [
      'bin',
      'etc',
      'root',
      'proc',
      'sys',
      'dev',
      'tmp',
      'var/www',
      'usr/bin',
      'usr/sbin',
      'sbin',
    ])
      await mkdir(path.join(rootfs, sub), { recursive: true });
    await chmod(path.join(rootfs, 'tmp'), 0o1777);
    await copyFile('/bin/busybox', path.join(rootfs, 'bin', 'busybox'));
    const { stdout } = await execa('/bin/busybox', ['--list-full']);
    for (const applet of stdout.split('\n').filter((line) => line !== '')) {
      const target = path.join(rootfs, applet);
      if (!existsSync(target)) await symlink('/bin/busybox', target);
    }
    await writeFile(
      path.join(rootfs, 'etc', 'passwd'),
      'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
    );
    await writeFile(path.join(rootfs, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
    const tar = path.join(work, 'busybox.tar');
    await execa('tar', ['--numeric-owner', '-C', rootfs, '-cf', tar, '.']);
    await execa('docker', ['-H', host, 'import', tar, reference]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
