// Builds the OCI runtime spec (a bundle's config.json) of one container from plain data.
// Invariants: pure — no file system, no clock, no host look-ups (user, devices, init binary and netns
// paths arrive already resolved); the result is Docker's defaults unless the input asks otherwise.
import { BerthError } from '../../shared/errors.js';
import {
  ALL_CAPABILITIES,
  DEFAULT_CAPABILITIES,
  DEFAULT_MASKED_PATHS,
  DEFAULT_PATH,
  DEFAULT_READONLY_PATHS,
  DEFAULT_SHM_SIZE,
  INIT_PATH_IN_CONTAINER,
  defaultDeviceRules,
  standardMounts,
} from './defaults.js';
import type {
  OciDevice,
  OciDeviceCgroup,
  OciMount,
  OciNamespace,
  OciResources,
  OciRlimit,
  OciSeccomp,
  OciSpec,
} from './oci-types.js';
import { defaultSeccompProfile } from './seccomp.js';

export interface RuntimeSpecInput {
  /** Absolute host path of the container's root file system. */
  rootfs: string;
  readonlyRootfs?: boolean;
  process: ProcessInput;
  hostname?: string;
  domainname?: string;
  namespaces?: NamespacesInput;
  mounts?: MountInput[];
  privileged?: boolean;
  sysctls?: Record<string, string>;
  devices?: DeviceInput[];
  resources?: ResourcesInput;
  /** Size of the private /dev/shm (bytes), 64 MiB by default. */
  shmSize?: number;
  /** A host directory to bind at /dev/shm instead (IPC shared with another container). */
  shmSource?: string;
  /** A reaping PID 1 (tini-static, catatonit) on the host, bind-mounted and run in front of args. */
  init?: { hostPath: string };
  /** 'default' (berth's profile), 'unconfined', or a full profile. Ignored when privileged. */
  seccomp?: 'default' | 'unconfined' | OciSeccomp;
  /** Override of the masked and read-only paths (`[]` for `systempaths=unconfined`). */
  maskedPaths?: string[];
  readonlyPaths?: string[];
  cgroupsPath?: string;
  annotations?: Record<string, string>;
  /** Host architecture in Node's naming (seccomp needs it); defaults to x64. */
  arch?: string;
  /** Host kernel [major, minor] (seccomp allows ptrace from 4.8). */
  kernel?: [number, number];
}

export interface ProcessInput {
  args: string[];
  env?: string[];
  cwd?: string;
  terminal?: boolean;
  consoleSize?: { height: number; width: number };
  user?: { uid: number; gid: number; additionalGids?: number[]; umask?: number };
  /** `nofile` or `RLIMIT_NOFILE` style names. */
  rlimits?: { type: string; soft: number; hard: number }[];
  noNewPrivileges?: boolean;
  /** `NET_ADMIN`, `CAP_NET_ADMIN` or `ALL`, case-insensitive. */
  capAdd?: string[];
  capDrop?: string[];
  oomScoreAdj?: number;
}

export type NamespaceMode = 'private' | 'host' | { path: string };

export interface NamespacesInput {
  pid?: NamespaceMode;
  ipc?: NamespaceMode;
  uts?: 'private' | 'host';
  cgroup?: 'private' | 'host';
  /** A pre-made netns (`{path}`), the host's, or `none`: a fresh namespace with only loopback. */
  network?: 'none' | 'host' | { path: string };
}

export type Propagation = 'rprivate' | 'private' | 'rshared' | 'shared' | 'rslave' | 'slave';

export type MountInput =
  | {
      type: 'bind';
      source: string;
      destination: string;
      readonly?: boolean;
      /** rbind (default) or a plain bind that leaves submounts behind. */
      recursive?: boolean;
      propagation?: Propagation;
      options?: string[];
    }
  | {
      type: 'tmpfs';
      destination: string;
      readonly?: boolean;
      size?: number;
      mode?: number;
      options?: string[];
    };

export interface DeviceInput {
  /** Path inside the container. */
  path: string;
  type: 'c' | 'b';
  major: number;
  minor: number;
  /** cgroup access, `rwm` by default. */
  permissions?: string;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

export interface ResourcesInput {
  /** Bytes. */
  memory?: number;
  /** Memory plus swap in bytes, Docker's meaning; -1 for unlimited swap. */
  memorySwap?: number;
  memoryReservation?: number;
  oomKillDisable?: boolean;
  /** Fractional CPUs (`1.5`), turned into CFS quota over a 100 ms period. */
  cpus?: number;
  cpuShares?: number;
  cpusetCpus?: string;
  /** Max number of processes; 0 or less means unlimited. */
  pidsLimit?: number;
}

const CFS_PERIOD = 100_000;

export function buildRuntimeSpec(input: RuntimeSpecInput): OciSpec {
  const privileged = input.privileged === true;
  const namespaces = input.namespaces ?? {};
  const capabilities = privileged
    ? [...ALL_CAPABILITIES]
    : resolveCapabilities(input.process.capAdd ?? [], input.process.capDrop ?? []);
  const terminal = input.process.terminal === true;

  const args =
    input.init === undefined ? input.process.args : [INIT_PATH_IN_CONTAINER, '--', ...input.process.args];
  if (args.length === 0) throw new BerthError('InvalidArgument', 'no command specified');

  const spec: OciSpec = {
    ociVersion: '1.0.2',
    process: {
      terminal,
      ...(terminal && input.process.consoleSize !== undefined
        ? { consoleSize: input.process.consoleSize }
        : {}),
      user: {
        uid: input.process.user?.uid ?? 0,
        gid: input.process.user?.gid ?? 0,
        ...(input.process.user?.umask === undefined ? {} : { umask: input.process.user.umask }),
        ...(input.process.user?.additionalGids?.length
          ? { additionalGids: input.process.user.additionalGids }
          : {}),
      },
      args,
      env: buildEnv(input.process.env ?? [], { terminal, hostname: input.hostname }),
      cwd: input.process.cwd === undefined || input.process.cwd === '' ? '/' : input.process.cwd,
      capabilities: { bounding: capabilities, effective: capabilities, permitted: capabilities },
      // Like Docker, no rlimits unless asked: the process inherits the engine's (raising a hard limit
      // past the engine's own may be refused by the host).
      ...(input.process.rlimits?.length ? { rlimits: buildRlimits(input.process.rlimits) } : {}),
      noNewPrivileges: input.process.noNewPrivileges === true,
      ...(input.process.oomScoreAdj === undefined ? {} : { oomScoreAdj: input.process.oomScoreAdj }),
    },
    root: { path: input.rootfs, readonly: input.readonlyRootfs === true },
    mounts: buildMounts(input, privileged),
    linux: {
      namespaces: buildNamespaces(namespaces),
      resources: buildResources(input.resources ?? {}, input.devices ?? [], privileged),
      ...(input.cgroupsPath === undefined ? {} : { cgroupsPath: input.cgroupsPath }),
    },
  };

  // The hostname needs a UTS namespace of its own: runc refuses it otherwise.
  if (namespaces.uts !== 'host') {
    if (input.hostname !== undefined) spec.hostname = input.hostname;
    if (input.domainname !== undefined) spec.domainname = input.domainname;
  }
  if (input.annotations !== undefined) spec.annotations = { ...input.annotations };
  if (input.devices !== undefined && input.devices.length > 0)
    spec.linux.devices = input.devices.map(toOciDevice);
  if (input.sysctls !== undefined && Object.keys(input.sysctls).length > 0)
    spec.linux.sysctl = { ...input.sysctls };

  if (!privileged) {
    spec.linux.maskedPaths = [...(input.maskedPaths ?? DEFAULT_MASKED_PATHS)];
    spec.linux.readonlyPaths = [...(input.readonlyPaths ?? DEFAULT_READONLY_PATHS)];
    const seccomp = input.seccomp ?? 'default';
    if (seccomp === 'default') {
      spec.linux.seccomp = defaultSeccompProfile({
        capabilities,
        arch: input.arch ?? 'x64',
        ...(input.kernel === undefined ? {} : { kernel: input.kernel }),
      });
    } else if (seccomp !== 'unconfined') {
      spec.linux.seccomp = seccomp;
    }
  }
  return spec;
}

/** Docker's rule: start from the defaults (or ALL), drop, then add; `ALL` in drop leaves only the adds. */
export function resolveCapabilities(add: readonly string[], drop: readonly string[]): string[] {
  const adds = add.map(normaliseCapability);
  const drops = drop.map(normaliseCapability);
  let base: string[];
  if (adds.includes('ALL')) base = [...ALL_CAPABILITIES];
  else if (drops.includes('ALL')) base = [];
  else base = [...DEFAULT_CAPABILITIES];
  const result = base.filter((cap) => !drops.includes(cap) || adds.includes(cap));
  for (const cap of adds) if (cap !== 'ALL' && !result.includes(cap)) result.push(cap);
  return result;
}

function normaliseCapability(name: string): string {
  const upper = name.trim().toUpperCase();
  if (upper === 'ALL') return upper;
  const full = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  if (!ALL_CAPABILITIES.includes(full))
    throw new BerthError('InvalidArgument', `unknown capability: "${name}"`);
  return full;
}

function buildEnv(
  env: readonly string[],
  options: { terminal: boolean; hostname: string | undefined },
): string[] {
  const result = [...env];
  const has = (name: string): boolean => result.some((entry) => entry.startsWith(`${name}=`));
  if (!has('PATH')) result.unshift(DEFAULT_PATH);
  if (options.hostname !== undefined && !has('HOSTNAME')) result.splice(1, 0, `HOSTNAME=${options.hostname}`);
  if (options.terminal && !has('TERM')) result.push('TERM=xterm');
  return result;
}

function buildRlimits(rlimits: readonly { type: string; soft: number; hard: number }[]): OciRlimit[] {
  const result = new Map<string, OciRlimit>();
  for (const limit of rlimits) {
    const upper = limit.type.toUpperCase();
    const type = upper.startsWith('RLIMIT_') ? upper : `RLIMIT_${upper}`;
    if (limit.soft > limit.hard) {
      throw new BerthError(
        'InvalidArgument',
        `ulimit soft limit must be less than or equal to hard limit: ${limit.soft} > ${limit.hard}`,
      );
    }
    result.set(type, { type, hard: limit.hard, soft: limit.soft });
  }
  return [...result.values()];
}

function buildNamespaces(input: NamespacesInput): OciNamespace[] {
  const namespaces: OciNamespace[] = [];
  const add = (type: OciNamespace['type'], mode: NamespaceMode | undefined): void => {
    if (mode === 'host') return;
    namespaces.push(typeof mode === 'object' ? { type, path: mode.path } : { type });
  };
  add('pid', input.pid);
  add('ipc', input.ipc);
  add('uts', input.uts);
  add('mount', 'private');
  add('cgroup', input.cgroup);
  const network = input.network ?? 'none';
  if (network !== 'host')
    namespaces.push(network === 'none' ? { type: 'network' } : { type: 'network', path: network.path });
  return namespaces;
}

function buildMounts(input: RuntimeSpecInput, privileged: boolean): OciMount[] {
  const user = (input.mounts ?? []).map(toOciMount);
  if (input.init !== undefined) {
    user.push({
      destination: INIT_PATH_IN_CONTAINER,
      type: 'bind',
      source: input.init.hostPath,
      options: ['bind', 'ro'],
    });
  }
  const userDestinations = new Set(user.map((mount) => cleanDestination(mount.destination)));
  const standard = standardMounts({
    privileged,
    shmSize: input.shmSize ?? DEFAULT_SHM_SIZE,
    ...(input.shmSource === undefined ? {} : { shmSource: input.shmSource }),
  }).filter((mount) => !userDestinations.has(mount.destination));
  // Parents before children, so a mount at /a/b is not hidden by a later one at /a; stable otherwise.
  const sortedUser = user
    .map((mount, index) => ({ mount, index, depth: cleanDestination(mount.destination).split('/').length }))
    .sort((a, b) => a.depth - b.depth || a.index - b.index)
    .map(({ mount }) => mount);
  return [...standard, ...sortedUser];
}

function toOciMount(mount: MountInput): OciMount {
  const destination = cleanDestination(mount.destination);
  if (!destination.startsWith('/')) {
    throw new BerthError(
      'InvalidArgument',
      `invalid mount destination ${mount.destination}: must be absolute`,
    );
  }
  if (mount.type === 'bind') {
    const options = [mount.recursive === false ? 'bind' : 'rbind', mount.propagation ?? 'rprivate'];
    if (mount.readonly === true) options.push('ro');
    return {
      destination,
      type: 'bind',
      source: mount.source,
      options: [...options, ...(mount.options ?? [])],
    };
  }
  const options = mount.options ?? ['nosuid', 'nodev', 'noexec'];
  const extra: string[] = [];
  if (mount.size !== undefined) extra.push(`size=${mount.size}`);
  if (mount.mode !== undefined) extra.push(`mode=${mount.mode.toString(8)}`);
  if (mount.readonly === true) extra.push('ro');
  return { destination, type: 'tmpfs', source: 'tmpfs', options: [...options, ...extra] };
}

function cleanDestination(path: string): string {
  const cleaned = path.replace(/\/+/g, '/');
  return cleaned.length > 1 && cleaned.endsWith('/') ? cleaned.slice(0, -1) : cleaned;
}

function toOciDevice(device: DeviceInput): OciDevice {
  return {
    type: device.type,
    path: device.path,
    major: device.major,
    minor: device.minor,
    fileMode: device.fileMode ?? 0o666,
    uid: device.uid ?? 0,
    gid: device.gid ?? 0,
  };
}

function buildResources(
  input: ResourcesInput,
  devices: readonly DeviceInput[],
  privileged: boolean,
): OciResources {
  const deviceRules: OciDeviceCgroup[] = privileged ? [{ allow: true, access: 'rwm' }] : defaultDeviceRules();
  if (!privileged) {
    for (const device of devices) {
      deviceRules.push({
        allow: true,
        type: device.type,
        major: device.major,
        minor: device.minor,
        access: device.permissions ?? 'rwm',
      });
    }
  }
  const resources: OciResources = { devices: deviceRules };

  const memory: NonNullable<OciResources['memory']> = {};
  if (input.memory !== undefined && input.memory > 0) memory.limit = input.memory;
  if (input.memorySwap !== undefined && input.memorySwap !== 0) {
    if (input.memorySwap > 0 && input.memory !== undefined && input.memorySwap < input.memory) {
      throw new BerthError('InvalidArgument', 'Minimum memoryswap limit should be larger than memory limit');
    }
    memory.swap = input.memorySwap;
  }
  if (input.memoryReservation !== undefined && input.memoryReservation > 0) {
    memory.reservation = input.memoryReservation;
  }
  if (input.oomKillDisable === true) memory.disableOOMKiller = true;
  if (Object.keys(memory).length > 0) resources.memory = memory;

  const cpu: NonNullable<OciResources['cpu']> = {};
  if (input.cpus !== undefined && input.cpus > 0) {
    cpu.period = CFS_PERIOD;
    cpu.quota = Math.round(input.cpus * CFS_PERIOD);
  }
  if (input.cpuShares !== undefined && input.cpuShares > 0) cpu.shares = input.cpuShares;
  if (input.cpusetCpus !== undefined && input.cpusetCpus !== '') cpu.cpus = input.cpusetCpus;
  if (Object.keys(cpu).length > 0) resources.cpu = cpu;

  if (input.pidsLimit !== undefined && input.pidsLimit > 0) resources.pids = { limit: input.pidsLimit };
  return resources;
}
