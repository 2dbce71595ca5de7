// HostConfig → the runtime's view: bind and tmpfs mounts (from Binds, Mounts and Tmpfs), cgroup resources,
// rlimits, capabilities and security options. Checked once at create (so a bad request fails there, with
// Docker's status), turned into spec input at every start. Invariant: pure — existence of bind sources is
// checked by the caller; named volumes are refused until the volume subsystem exists.
import { posix } from 'node:path';
import { BerthError } from '../../shared/errors.js';
import type { HostConfig } from '../api/containers.js';
import { NotImplementedError } from '../api/errors.js';
import type { MountInput, Propagation, ResourcesInput } from '../runtime/spec.js';

export interface HostMounts {
  mounts: MountInput[];
  /** Bind sources that must exist before start ({create: true} for legacy Binds, which Docker creates). */
  bindSources: Array<{ source: string; create: boolean }>;
}

const PROPAGATIONS: readonly string[] = ['rprivate', 'private', 'rshared', 'shared', 'rslave', 'slave'];

/** Parses Binds, Mounts and Tmpfs into mounts; throws InvalidArgument or NotImplemented (named volumes). */
export function hostMounts(hostConfig: HostConfig): HostMounts {
  const mounts: MountInput[] = [];
  const bindSources: HostMounts['bindSources'] = [];
  const destinations = new Set<string>();
  const claim = (destination: string): string => {
    if (!posix.isAbsolute(destination)) {
      throw new BerthError(
        'InvalidArgument',
        `invalid mount config: mount path must be absolute: ${destination}`,
      );
    }
    const clean = posix.normalize(destination).replace(/(.)\/$/, '$1');
    if (destinations.has(clean)) throw new BerthError('InvalidArgument', `Duplicate mount point: ${clean}`);
    destinations.add(clean);
    return clean;
  };

  for (const bind of hostConfig.Binds ?? []) {
    const parts = bind.split(':');
    if (parts.length < 2 || parts.length > 3) {
      throw new BerthError('InvalidArgument', `invalid volume specification: '${bind}'`);
    }
    const [source = '', target = '', modeText = ''] = parts;
    if (!posix.isAbsolute(source)) throw new NotImplementedError(`named volume '${source}' (${bind})`);
    const modes = modeText === '' ? [] : modeText.split(',');
    let readonly = false;
    let propagation: Propagation | undefined;
    for (const mode of modes) {
      if (mode === 'ro') readonly = true;
      else if (
        mode === 'rw' ||
        mode === 'z' ||
        mode === 'Z' ||
        mode === 'nocopy' ||
        mode === 'consistent' ||
        mode === 'cached' ||
        mode === 'delegated'
      )
        continue;
      else if (PROPAGATIONS.includes(mode)) propagation = mode as Propagation;
      else throw new BerthError('InvalidArgument', `invalid mode: ${mode}`);
    }
    mounts.push({
      type: 'bind',
      source: posix.normalize(source),
      destination: claim(target),
      readonly,
      ...(propagation === undefined ? {} : { propagation }),
    });
    bindSources.push({ source: posix.normalize(source), create: true });
  }

  for (const mount of hostConfig.Mounts ?? []) {
    if (mount.Type === 'bind') {
      const source = mount.Source ?? '';
      if (!posix.isAbsolute(source)) {
        throw new BerthError(
          'InvalidArgument',
          `invalid mount config for type "bind": invalid mount path: '${source}' mount path must be absolute`,
        );
      }
      const propagation = mount.BindOptions?.Propagation;
      if (propagation !== undefined && propagation !== '' && !PROPAGATIONS.includes(propagation)) {
        throw new BerthError('InvalidArgument', `invalid propagation mode: ${propagation}`);
      }
      mounts.push({
        type: 'bind',
        source: posix.normalize(source),
        destination: claim(mount.Target),
        readonly: mount.ReadOnly === true,
        recursive: mount.BindOptions?.NonRecursive !== true,
        ...(propagation ? { propagation: propagation as Propagation } : {}),
      });
      bindSources.push({
        source: posix.normalize(source),
        create: mount.BindOptions?.CreateMountpoint === true,
      });
    } else if (mount.Type === 'tmpfs') {
      mounts.push({
        type: 'tmpfs',
        destination: claim(mount.Target),
        readonly: mount.ReadOnly === true,
        ...(mount.TmpfsOptions?.SizeBytes ? { size: mount.TmpfsOptions.SizeBytes } : {}),
        ...(mount.TmpfsOptions?.Mode ? { mode: mount.TmpfsOptions.Mode } : {}),
      });
    } else if (mount.Type === 'volume') {
      throw new NotImplementedError(
        `mounts of type "volume" (${mount.Source ?? 'anonymous'} at ${mount.Target})`,
      );
    } else {
      throw new BerthError('InvalidArgument', `mount type "${mount.Type}" is not supported`);
    }
  }

  for (const [target, optionText] of Object.entries(hostConfig.Tmpfs ?? {})) {
    mounts.push({ type: 'tmpfs', destination: claim(target), ...parseTmpfsOptions(optionText) });
  }
  return { mounts, bindSources };
}

/** `rw,size=64m,mode=1777,noexec` → size in bytes, mode, read-only flag and the remaining mount options. */
export function parseTmpfsOptions(text: string): {
  size?: number;
  mode?: number;
  readonly?: boolean;
  options: string[];
} {
  const result: { size?: number; mode?: number; readonly?: boolean; options: string[] } = {
    options: ['nosuid', 'nodev', 'noexec'],
  };
  for (const option of text.split(',').filter((o) => o !== '')) {
    const [key = '', value = ''] = option.split('=', 2);
    if (key === 'size') result.size = parseSize(value);
    else if (key === 'mode') {
      if (!/^[0-7]{1,4}$/.test(value))
        throw new BerthError('InvalidArgument', `invalid tmpfs mode: ${value}`);
      result.mode = parseInt(value, 8);
    } else if (key === 'ro') result.readonly = true;
    else if (key === 'rw') continue;
    else if (key === 'exec') result.options = result.options.filter((o) => o !== 'noexec');
    else if (key === 'suid') result.options = result.options.filter((o) => o !== 'nosuid');
    else if (key === 'dev') result.options = result.options.filter((o) => o !== 'nodev');
    else if (!result.options.includes(option)) result.options.push(option);
  }
  return result;
}

/** Docker's RAMInBytes: `64m`, `1g`, `512k`, `100` (1024-based, case-insensitive, optional trailing b). */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)b?$/i.exec(text.trim());
  if (match === null) throw new BerthError('InvalidArgument', `invalid size: '${text}'`);
  const power = ' kmgtp'.indexOf((match[2] ?? '').toLowerCase() || ' ');
  return Math.round(Number(match[1]) * 1024 ** power);
}

/** Memory, swap, CPU and pids limits of HostConfig in the runtime's terms. */
export function hostResources(hostConfig: HostConfig): ResourcesInput {
  const resources: ResourcesInput = {};
  if (hostConfig.Memory) resources.memory = hostConfig.Memory;
  if (hostConfig.MemorySwap) resources.memorySwap = hostConfig.MemorySwap;
  if (hostConfig.MemoryReservation) resources.memoryReservation = hostConfig.MemoryReservation;
  if (hostConfig.OomKillDisable === true) resources.oomKillDisable = true;
  if (hostConfig.NanoCpus && hostConfig.CpuQuota) {
    throw new BerthError(
      'InvalidArgument',
      'Conflicting options: Nano CPUs and CPU Period cannot both be set',
    );
  }
  if (hostConfig.NanoCpus) resources.cpus = hostConfig.NanoCpus / 1e9;
  else if (hostConfig.CpuQuota && hostConfig.CpuQuota > 0)
    resources.cpus = hostConfig.CpuQuota / (hostConfig.CpuPeriod || 100_000);
  if (hostConfig.CpuShares) resources.cpuShares = hostConfig.CpuShares;
  if (hostConfig.CpusetCpus) resources.cpusetCpus = hostConfig.CpusetCpus;
  if (hostConfig.PidsLimit !== undefined && hostConfig.PidsLimit !== null && hostConfig.PidsLimit > 0)
    resources.pidsLimit = hostConfig.PidsLimit;
  return resources;
}

export interface SecuritySettings {
  noNewPrivileges: boolean;
  seccomp: 'default' | 'unconfined';
}

/** SecurityOpt: `no-new-privileges[:true|false]`, `seccomp=unconfined`; `label=...` and `apparmor=...` accepted and ignored. */
export function securitySettings(options: readonly string[]): SecuritySettings {
  const result: SecuritySettings = { noNewPrivileges: false, seccomp: 'default' };
  for (const option of options) {
    const [key = '', value] = option.includes('=') ? option.split('=', 2) : option.split(':', 2);
    if (key === 'no-new-privileges') {
      if (value !== undefined && value !== 'true' && value !== 'false') {
        throw new BerthError('InvalidArgument', `invalid --security-opt 2: "${option}"`);
      }
      result.noNewPrivileges = value !== 'false';
    } else if (key === 'seccomp') {
      if (value !== 'unconfined') throw new NotImplementedError(`custom seccomp profiles (${option})`);
      result.seccomp = 'unconfined';
    } else if (key === 'label' || key === 'apparmor' || key === 'systempaths') {
      continue;
    } else {
      throw new BerthError('InvalidArgument', `invalid --security-opt: ${JSON.stringify(option)}`);
    }
  }
  return result;
}

/** Network modes the engine runs today; everything else waits for the network subsystem. */
export function networkNamespace(mode: string | undefined): 'none' | 'host' {
  const name = mode === undefined || mode === '' ? 'default' : mode;
  if (name === 'host') return 'host';
  // Until bridge networks exist, none/default/bridge all get a fresh namespace with loopback only.
  if (name === 'none' || name === 'default' || name === 'bridge') return 'none';
  throw new NotImplementedError(`network mode "${name}"`);
}

/** Everything a create must refuse early, so the client sees the error at create and not at start. */
export function checkHostConfig(hostConfig: HostConfig): void {
  hostMounts(hostConfig);
  hostResources(hostConfig);
  securitySettings(hostConfig.SecurityOpt ?? []);
  networkNamespace(hostConfig.NetworkMode);
  if (hostConfig.ShmSize !== undefined && hostConfig.ShmSize < 0)
    throw new BerthError('InvalidArgument', 'SHM size can not be less than 0');
  if (hostConfig.Memory && hostConfig.Memory > 0 && hostConfig.Memory < 6 * 1024 * 1024)
    throw new BerthError('InvalidArgument', 'Minimum memory limit allowed is 6MB');
  for (const limit of hostConfig.Ulimits ?? []) {
    if (limit.Soft > limit.Hard)
      throw new BerthError(
        'InvalidArgument',
        `ulimit soft limit must be less than or equal to hard limit: ${limit.Soft} > ${limit.Hard}`,
      );
  }
}
