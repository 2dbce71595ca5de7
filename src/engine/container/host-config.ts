// HostConfig → the runtime's view: cgroup resources, rlimits, capabilities and security options (mounts are
// storage.ts's). Checked once at create (so a bad request fails there, with Docker's status), turned into spec
// input at every start. Invariant: pure.
import { BerthError } from '../../shared/errors.js';
import type { HostConfig } from '../api/containers.js';
import { NotImplementedError } from '../api/errors.js';
import type { ResourcesInput } from '../runtime/spec.js';

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

/** A container's network mode as Docker spells it (`NetworkMode`): '', default, bridge, none, host, container:X, or a network. */
export type NetworkModeSpec =
  | { kind: 'none' }
  | { kind: 'host' }
  | { kind: 'container'; target: string }
  /** `name` is `bridge` for '', default and bridge. */
  | { kind: 'network'; name: string };

export function parseNetworkMode(mode: string | undefined): NetworkModeSpec {
  const name = mode === undefined || mode === '' || mode === 'default' ? 'bridge' : mode;
  if (name === 'none' || name === 'host') return { kind: name };
  if (name.startsWith('container:')) {
    const target = name.slice('container:'.length);
    if (target === '') throw new BerthError('InvalidArgument', `invalid network mode: ${name}`);
    return { kind: 'container', target };
  }
  return { kind: 'network', name };
}

/**
 * The namespace of an engine without bridge networks: host, or a fresh one with loopback only for none, default
 * and bridge; any other mode needs the network subsystem.
 */
export function networkNamespace(mode: string | undefined): 'none' | 'host' {
  const spec = parseNetworkMode(mode);
  if (spec.kind === 'host') return 'host';
  if (spec.kind === 'none' || (spec.kind === 'network' && spec.name === 'bridge')) return 'none';
  throw new NotImplementedError(`network mode "${mode ?? ''}"`);
}

/** Everything a create must refuse early, so the client sees the error at create and not at start. */
export function checkHostConfig(hostConfig: HostConfig): void {
  hostResources(hostConfig);
  securitySettings(hostConfig.SecurityOpt ?? []);
  parseNetworkMode(hostConfig.NetworkMode);
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
