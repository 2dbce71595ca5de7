// Facts about the host that /info and /version report: OS, kernel, CPUs, memory, cgroup version, forwarding.
// Invariant: a probe that cannot read a file reports the conservative value (false, '', 0), never throws.

import { readFile, readdir, access } from 'node:fs/promises';
import os from 'node:os';

export interface HostInfo {
  operatingSystem: string;
  osVersion: string;
  kernelVersion: string;
  /** uname machine (x86_64), as /info reports it. */
  machine: string;
  /** Go-style architecture (amd64), as /version reports it. */
  goArch: string;
  ncpu: number;
  memTotal: number;
  cgroupVersion: '1' | '2';
  ipv4Forwarding: boolean;
  bridgeNfIptables: boolean;
  bridgeNfIp6tables: boolean;
  swapLimit: boolean;
  openFds: number;
}

export async function probeHost(): Promise<HostInfo> {
  const [osRelease, cgroup2, forwarding, nfIptables, nfIp6tables, memsw, fds] = await Promise.all([
    readText('/etc/os-release'),
    exists('/sys/fs/cgroup/cgroup.controllers'),
    readText('/proc/sys/net/ipv4/ip_forward'),
    readText('/proc/sys/net/bridge/bridge-nf-call-iptables'),
    readText('/proc/sys/net/bridge/bridge-nf-call-ip6tables'),
    exists('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes'),
    readdir('/proc/self/fd').then(
      (entries) => entries.length,
      () => 0,
    ),
  ]);
  const release = parseOsRelease(osRelease);
  return {
    operatingSystem: release.PRETTY_NAME ?? `${os.type()} ${os.release()}`,
    osVersion: release.VERSION_ID ?? '',
    kernelVersion: os.release(),
    machine: os.machine(),
    goArch: goArch(process.arch),
    ncpu: os.availableParallelism(),
    memTotal: os.totalmem(),
    cgroupVersion: cgroup2 ? '2' : '1',
    ipv4Forwarding: forwarding.trim() === '1',
    bridgeNfIptables: nfIptables.trim() === '1',
    bridgeNfIp6tables: nfIp6tables.trim() === '1',
    // cgroup v2 always accounts swap; v1 only with memsw files.
    swapLimit: cgroup2 || memsw,
    openFds: fds,
  };
}

/** KEY=value lines of /etc/os-release, quotes removed. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match?.[1] !== undefined) out[match[1]] = (match[2] ?? '').replace(/^"(.*)"$/, '$1');
  }
  return out;
}

function goArch(arch: string): string {
  const names: Record<string, string> = {
    x64: 'amd64',
    ia32: '386',
    arm: 'arm',
    arm64: 'arm64',
    ppc64: 'ppc64le',
  };
  return names[arch] ?? arch;
}

async function readText(path: string): Promise<string> {
  return readFile(path, 'utf8').catch(() => '');
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
