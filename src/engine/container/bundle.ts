// Writes what a container needs at each start: its /etc/hostname, /etc/hosts and /etc/resolv.conf (files in the
// container's directory, bind-mounted over the image's), and the bundle's config.json built from the record.
// Invariant: the spec is rebuilt from the record at every start, so a restarted engine writes the same bundle
// an earlier one did; nothing here touches the image's files.
import { resolveDevices } from './devices.js';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname as hostHostname } from 'node:os';
import { join } from 'node:path';
import { findInitBinary } from '../runtime/init-binary.js';
import type { OciSpec } from '../runtime/oci-types.js';
import { buildRuntimeSpec, type MountInput } from '../runtime/spec.js';
import type { ResolvedUser } from '../runtime/user.js';
import { BerthError } from '../../shared/errors.js';
import { engineBoundingSet, narrowCapabilities } from './host-capabilities.js';
import { hostResources, networkNamespace, securitySettings } from './host-config.js';
import type { NetworkSetup } from './networking.js';
import type { ContainerPaths, ContainerRecord } from './record.js';

/** The host's resolver config, with loopback name servers dropped (they do not answer inside a netns). */
async function hostResolvConf(hostNetwork: boolean): Promise<string> {
  const text = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
  if (hostNetwork) return text;
  const kept = text
    .split('\n')
    .filter((line) => !/^\s*nameserver\s+(127\.|::1)/.test(line))
    .join('\n');
  return /nameserver/.test(kept) ? kept : `${kept.trimEnd()}\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n`;
}

/**
 * resolv.conf: the network's DNS responder (or the host's resolvers without a network), unless the container
 * names its own servers (--dns); --dns-search and --dns-option replace the search and options lines.
 */
async function resolvConf(
  record: ContainerRecord,
  hostNetwork: boolean,
  network?: NetworkSetup,
): Promise<string> {
  const host = record.hostConfig;
  const custom = host.Dns ?? [];
  const search = host.DnsSearch ?? [];
  const options = host.DnsOptions ?? [];
  const nameservers = custom.length > 0 ? custom : network?.nameservers;
  if (nameservers === undefined && search.length === 0 && options.length === 0) {
    return hostResolvConf(hostNetwork);
  }
  const base = (await hostResolvConf(hostNetwork)).split('\n');
  const lines = [
    ...(nameservers === undefined
      ? base.filter((line) => /^\s*nameserver\s/.test(line))
      : nameservers.map((server) => `nameserver ${server}`)),
    ...(search.length > 0
      ? [`search ${search.join(' ')}`]
      : base.filter((line) => /^\s*search\s/.test(line))),
    ...(options.length > 0
      ? [`options ${options.join(' ')}`]
      : base.filter((line) => /^\s*options\s/.test(line))),
  ];
  return `${lines.join('\n')}\n`;
}

/** `name:ip` entries of ExtraHosts as hosts lines; `host-gateway` is the default bridge's gateway. */
function extraHostLines(record: ContainerRecord, network?: NetworkSetup): string[] {
  return (record.hostConfig.ExtraHosts ?? []).map((entry) => {
    const [host = '', ip = ''] = entry.split(/:(.*)/s);
    if (ip !== 'host-gateway') return `${ip}\t${host}`;
    if (network?.hostGateway === undefined) {
      throw new BerthError(
        'FailedPrecondition',
        `cannot resolve host-gateway for ${host}: the engine has no bridge network`,
      );
    }
    return `${network.hostGateway}\t${host}`;
  });
}

/** Writes /etc/hostname, /etc/hosts and /etc/resolv.conf; `network` is what the network set up for this run. */
export async function writeEtcFiles(
  record: ContainerRecord,
  paths: ContainerPaths,
  network?: NetworkSetup,
): Promise<void> {
  const hostNetwork =
    network === undefined
      ? networkNamespace(record.hostConfig.NetworkMode) === 'host'
      : network.namespace === 'host';
  const name = hostNetwork ? hostHostname() : (record.config.Hostname ?? record.id.slice(0, 12));
  await mkdir(paths.dir, { recursive: true });
  await writeFile(paths.hostnamePath, `${name}\n`);
  if (hostNetwork) {
    await copyFile('/etc/hosts', paths.hostsPath).catch(() =>
      writeFile(paths.hostsPath, '127.0.0.1\tlocalhost\n'),
    );
  } else {
    const own = network?.addresses ?? [];
    await writeFile(
      paths.hostsPath,
      [
        '127.0.0.1\tlocalhost',
        '::1\tlocalhost ip6-localhost ip6-loopback',
        'fe00::0\tip6-localnet',
        'ff00::0\tip6-mcastprefix',
        'ff02::1\tip6-allnodes',
        'ff02::2\tip6-allrouters',
        ...extraHostLines(record, network),
        ...(own.length > 0 ? own.map((address) => `${address}\t${name}`) : [`127.0.1.1\t${name}`]),
        '',
      ].join('\n'),
    );
  }
  await writeFile(paths.resolvConfPath, await resolvConf(record, hostNetwork, network));
}

export interface BundleInput {
  record: ContainerRecord;
  paths: ContainerPaths;
  rootfs: string;
  user: ResolvedUser;
  consoleSize?: { height: number; width: number };
  /** The container's binds, volumes and tmpfs mounts, from the storage seam (ContainerStorage.mountAll). */
  mounts?: MountInput[];
  /** The network namespace to run in (from the networking seam); by default as the network mode says. */
  network?: NetworkSetup['namespace'];
}

/** The OCI spec of the container's next run. */
export async function containerSpec(input: BundleInput): Promise<OciSpec> {
  const { record, paths } = input;
  const host = record.hostConfig;
  const security = securitySettings(host.SecurityOpt ?? []);
  const network = input.network ?? networkNamespace(host.NetworkMode);
  const etc: MountInput[] = [
    { type: 'bind', source: paths.hostnamePath, destination: '/etc/hostname' },
    { type: 'bind', source: paths.hostsPath, destination: '/etc/hosts' },
    { type: 'bind', source: paths.resolvConfPath, destination: '/etc/resolv.conf' },
  ].map((mount) => ({ ...mount, type: 'bind' as const, readonly: host.ReadonlyRootfs === true }));
  const userMounts = input.mounts ?? [];
  const taken = new Set(userMounts.map((m) => m.destination));
  let init: { hostPath: string } | undefined;
  if (host.Init === true) {
    const hostPath = await findInitBinary();
    if (hostPath === undefined)
      throw new BerthError('FailedPrecondition', 'init: true needs tini-static or catatonit on the host');
    init = { hostPath };
  }
  const env = [...(record.config.Env ?? [])];
  if (!env.some((entry) => entry.startsWith('HOME='))) env.push(`HOME=${input.user.home}`);
  const spec = buildRuntimeSpec({
    rootfs: input.rootfs,
    readonlyRootfs: host.ReadonlyRootfs === true,
    process: {
      args: [record.path, ...record.args],
      env,
      cwd: record.config.WorkingDir || '/',
      terminal: record.config.Tty === true,
      ...(input.consoleSize === undefined ? {} : { consoleSize: input.consoleSize }),
      user: { uid: input.user.uid, gid: input.user.gid, additionalGids: input.user.additionalGids },
      rlimits: (host.Ulimits ?? []).map((u) => ({ type: u.Name, soft: u.Soft, hard: u.Hard })),
      noNewPrivileges: security.noNewPrivileges,
      capAdd: host.CapAdd ?? [],
      capDrop: host.CapDrop ?? [],
      ...(host.OomScoreAdj ? { oomScoreAdj: host.OomScoreAdj } : {}),
    },
    hostname: record.config.Hostname ?? record.id.slice(0, 12),
    ...(record.config.Domainname ? { domainname: record.config.Domainname } : {}),
    namespaces: {
      network,
      pid: host.PidMode === 'host' ? 'host' : 'private',
      ipc: host.IpcMode === 'host' ? 'host' : 'private',
      uts: host.UTSMode === 'host' ? 'host' : 'private',
      cgroup: host.CgroupnsMode === 'host' ? 'host' : 'private',
    },
    mounts: [...etc.filter((m) => !taken.has(m.destination)), ...userMounts],
    privileged: host.Privileged === true,
    ...(host.Sysctls ? { sysctls: host.Sysctls } : {}),
    ...(host.Devices && host.Devices.length > 0 ? { devices: await resolveDevices(host.Devices) } : {}),
    resources: hostResources(host),
    ...(host.ShmSize ? { shmSize: host.ShmSize } : {}),
    ...(init === undefined ? {} : { init }),
    seccomp: security.seccomp,
    cgroupsPath: `/berth/${record.id}`,
    arch: process.arch,
  });
  // "All capabilities" can only mean all the engine holds (runc refuses the others).
  if (host.Privileged === true) spec.process = narrowCapabilities(spec.process, await engineBoundingSet());
  return spec;
}

export async function writeBundle(input: BundleInput): Promise<void> {
  const spec = await containerSpec(input);
  await mkdir(input.paths.bundleDir, { recursive: true, mode: 0o700 });
  await writeFile(join(input.paths.bundleDir, 'config.json'), JSON.stringify(spec));
}
