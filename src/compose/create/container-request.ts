// A service as the engine's container-create request (Docker's API shape), as Docker Compose builds it:
// config, host config (mounts, ports, resources, security), and the networks with their aliases.
// Pure: names of networks, volumes and other services' containers come in through `ResolvedNames`.
import type {
  ContainerCreateRequest,
  EndpointSettings,
  HostConfig,
  MountSpec,
  PortMap,
} from '../../engine/api/containers.js';
import type { PortConfig, Project, Service, ServiceVolume } from '../model/types.js';
import { containerLabels, containerName } from './labels.js';
import { restartPolicyOf } from './restart-policy.js';

export interface ResolvedNames {
  /** A network key of the project → its engine name. */
  network(key: string): string;
  /** A volume key of the project → its engine name. */
  volume(key: string): string;
  /** `service:x` in network_mode / volumes_from → a container of that service. */
  serviceContainer(service: string): string;
}

export interface CreateRequestInput {
  project: Project;
  service: Service;
  number: number;
  configHash: string;
  image: string;
  imageId: string;
  names: ResolvedNames;
  oneoff?: boolean;
}

const NS_PER_MS = 1_000_000;

export function containerCreateRequest(input: CreateRequestInput): {
  name: string;
  body: ContainerCreateRequest;
} {
  const { project, service } = input;
  const name = containerName(project, service, input.number);
  const exposed: Record<string, Record<string, never>> = {};
  for (const port of service.ports ?? []) exposed[`${port.target}/${port.protocol}`] = {};
  for (const port of service.expose ?? []) exposed[port.includes('/') ? port : `${port}/tcp`] = {};
  const body: ContainerCreateRequest = {
    Image: input.image,
    Labels: containerLabels({ ...input, oneoff: input.oneoff === true }),
    Env: environmentList(service),
    ...(service.command !== undefined && service.command !== null ? { Cmd: [...service.command] } : {}),
    ...(service.entrypoint !== undefined && service.entrypoint !== null
      ? { Entrypoint: [...service.entrypoint] }
      : {}),
    ...(service.hostname === undefined ? {} : { Hostname: service.hostname }),
    ...(service.domainname === undefined ? {} : { Domainname: service.domainname }),
    ...(service.user === undefined ? {} : { User: service.user }),
    ...(service.working_dir === undefined ? {} : { WorkingDir: service.working_dir }),
    ...(service.stop_signal === undefined ? {} : { StopSignal: service.stop_signal }),
    ...(service.stop_grace_period === undefined
      ? {}
      : { StopTimeout: Math.ceil(service.stop_grace_period / 1000) }),
    Tty: service.tty === true,
    OpenStdin: service.stdin_open === true,
    AttachStdout: true,
    AttachStderr: true,
    ExposedPorts: exposed,
    ...(service.healthcheck === undefined ? {} : { Healthcheck: healthcheck(service) }),
    HostConfig: hostConfig(input),
    NetworkingConfig: { EndpointsConfig: endpoints(input) },
  };
  return { name, body };
}

/** `KEY=value` entries; a variable declared without a value that nothing resolved is left out. */
function environmentList(service: Service): string[] {
  return Object.entries(service.environment ?? {})
    .filter((entry): entry is [string, string] => entry[1] !== null)
    .map(([key, value]) => `${key}=${value}`);
}

function healthcheck(service: Service): NonNullable<ContainerCreateRequest['Healthcheck']> {
  const check = service.healthcheck ?? {};
  if (check.disable === true) return { Test: ['NONE'] };
  const ns = (ms: number | undefined) => (ms === undefined ? undefined : ms * NS_PER_MS);
  return {
    ...(check.test === undefined ? {} : { Test: [...check.test] }),
    ...(check.interval === undefined ? {} : { Interval: ns(check.interval) }),
    ...(check.timeout === undefined ? {} : { Timeout: ns(check.timeout) }),
    ...(check.start_period === undefined ? {} : { StartPeriod: ns(check.start_period) }),
    ...(check.start_interval === undefined ? {} : { StartInterval: ns(check.start_interval) }),
    ...(check.retries === undefined ? {} : { Retries: check.retries }),
  };
}

function hostConfig(input: CreateRequestInput): HostConfig {
  const { service, names } = input;
  const limits = service.deploy?.resources?.limits;
  const memory = service.mem_limit ?? limits?.memory;
  const cpus = service.cpus ?? limits?.cpus;
  const pids = service.pids_limit ?? limits?.pids;
  const { binds, mounts } = serviceMounts(service, names);
  const tmpfs: Record<string, string> = {};
  for (const entry of service.tmpfs ?? []) {
    const [target = '', options = ''] = entry.split(/:(.*)/s);
    tmpfs[target] = options;
  }
  return {
    NetworkMode: networkMode(input),
    RestartPolicy: restartPolicyOf(service),
    PortBindings: portBindings(service.ports ?? []),
    Binds: binds,
    Mounts: mounts,
    ...(Object.keys(tmpfs).length > 0 ? { Tmpfs: tmpfs } : {}),
    VolumesFrom: (service.volumes_from ?? []).map((entry) => volumesFrom(entry, names)),
    CapAdd: [...(service.cap_add ?? [])],
    CapDrop: [...(service.cap_drop ?? [])],
    Dns: [...(service.dns ?? [])],
    DnsOptions: [...(service.dns_opt ?? [])],
    DnsSearch: [...(service.dns_search ?? [])],
    ExtraHosts: Object.entries(service.extra_hosts ?? {}).flatMap(([host, ips]) =>
      ips.map((ip) => `${host}:${ip}`),
    ),
    GroupAdd: [...(service.group_add ?? [])],
    SecurityOpt: [...(service.security_opt ?? [])],
    Privileged: service.privileged === true,
    ReadonlyRootfs: service.read_only === true,
    ...(service.init === undefined ? {} : { Init: service.init }),
    ...(service.ipc === undefined ? {} : { IpcMode: service.ipc }),
    ...(service.pid === undefined ? {} : { PidMode: service.pid }),
    ...(service.uts === undefined ? {} : { UTSMode: service.uts }),
    ...(service.cgroup === undefined ? {} : { CgroupnsMode: service.cgroup as 'host' | 'private' }),
    ...(service.shm_size === undefined ? {} : { ShmSize: service.shm_size }),
    ...(service.sysctls === undefined ? {} : { Sysctls: { ...service.sysctls } }),
    ...(service.oom_score_adj === undefined ? {} : { OomScoreAdj: service.oom_score_adj }),
    ...(service.runtime === undefined ? {} : { Runtime: service.runtime }),
    Ulimits: Object.entries(service.ulimits ?? {}).map(([Name, u]) => ({ Name, Soft: u.soft, Hard: u.hard })),
    Devices: (service.devices ?? []).map((d) => ({
      PathOnHost: d.source,
      PathInContainer: d.target,
      CgroupPermissions: d.permissions,
    })),
    ...(memory === undefined ? {} : { Memory: memory }),
    ...(service.memswap_limit === undefined ? {} : { MemorySwap: service.memswap_limit }),
    ...(service.mem_reservation === undefined ? {} : { MemoryReservation: service.mem_reservation }),
    ...(cpus === undefined ? {} : { NanoCpus: Math.round(cpus * 1e9) }),
    ...(service.cpu_shares === undefined ? {} : { CpuShares: service.cpu_shares }),
    ...(service.cpu_period === undefined ? {} : { CpuPeriod: service.cpu_period }),
    ...(service.cpu_quota === undefined ? {} : { CpuQuota: service.cpu_quota }),
    ...(service.cpuset === undefined ? {} : { CpusetCpus: service.cpuset }),
    ...(pids === undefined ? {} : { PidsLimit: pids }),
    ...(service.logging === undefined
      ? {}
      : {
          LogConfig: { Type: service.logging.driver ?? '', Config: { ...(service.logging.options ?? {}) } },
        }),
  };
}

/** The mode of the container's network: network_mode, or the first network it joins (`default` otherwise). */
function networkMode(input: CreateRequestInput): string {
  const mode = input.service.network_mode;
  if (mode !== undefined) {
    if (mode.startsWith('service:'))
      return `container:${input.names.serviceContainer(mode.slice('service:'.length))}`;
    return mode;
  }
  const first = Object.keys(input.service.networks ?? { default: null })[0] ?? 'default';
  return input.names.network(first);
}

function endpoints(input: CreateRequestInput): Record<string, EndpointSettings> {
  const { service, names } = input;
  if (service.network_mode !== undefined) return {};
  const result: Record<string, EndpointSettings> = {};
  for (const [key, options] of Object.entries(service.networks ?? { default: null })) {
    const aliases = [service.name, ...(options?.aliases ?? [])];
    result[names.network(key)] = {
      Aliases: [...new Set(aliases)],
      ...(options?.ipv4_address === undefined && options?.ipv6_address === undefined
        ? {}
        : {
            IPAMConfig: {
              ...(options.ipv4_address === undefined ? {} : { IPv4Address: options.ipv4_address }),
              ...(options.ipv6_address === undefined ? {} : { IPv6Address: options.ipv6_address }),
            },
          }),
      ...(options?.mac_address === undefined ? {} : { MacAddress: options.mac_address }),
      ...(options?.driver_opts === undefined ? {} : { DriverOpts: { ...options.driver_opts } }),
    };
  }
  return result;
}

/** Published ports: `published` may be a range (one host port per target in order) or absent (random). */
export function portBindings(ports: readonly PortConfig[]): PortMap {
  const bindings: PortMap = {};
  for (const port of ports) {
    const key = `${port.target}/${port.protocol}`;
    const hostIp = port.host_ip ?? '';
    const published = port.published;
    const list = bindings[key] ?? [];
    if (published === undefined || published === '') {
      list.push({ HostIp: hostIp, HostPort: '' });
    } else {
      const [from = published, to] = published.split('-');
      // A range for one target port means "any free one of these", as Docker reads it.
      list.push({ HostIp: hostIp, HostPort: to === undefined ? from : `${from}-${to}` });
    }
    bindings[key] = list;
  }
  return bindings;
}

/**
 * Mounts as Docker Compose sends them: binds that may create their source go as `Binds` (the engine makes a
 * missing directory), everything else as `Mounts`.
 */
function serviceMounts(service: Service, names: ResolvedNames): { binds: string[]; mounts: MountSpec[] } {
  const binds: string[] = [];
  const mounts: MountSpec[] = [];
  for (const volume of service.volumes ?? []) {
    if (
      volume.type === 'bind' &&
      volume.bind?.create_host_path !== false &&
      volume.bind?.propagation === undefined
    ) {
      const mode = [volume.read_only === true ? 'ro' : 'rw', volume.bind?.selinux].filter(Boolean).join(',');
      binds.push(`${volume.source ?? ''}:${volume.target}:${mode}`);
      continue;
    }
    mounts.push(mountSpec(volume, names));
  }
  return { binds, mounts };
}

function mountSpec(volume: ServiceVolume, names: ResolvedNames): MountSpec {
  const base = { Target: volume.target, ReadOnly: volume.read_only === true };
  switch (volume.type) {
    case 'volume':
      return {
        ...base,
        Type: 'volume',
        ...(volume.source === undefined || volume.source === ''
          ? {}
          : { Source: names.volume(volume.source) }),
        VolumeOptions: {
          NoCopy: volume.volume?.nocopy === true,
          ...(volume.volume?.labels === undefined ? {} : { Labels: { ...volume.volume.labels } }),
          ...(volume.volume?.subpath === undefined ? {} : { Subpath: volume.volume.subpath }),
        },
      };
    case 'tmpfs':
      return {
        ...base,
        Type: 'tmpfs',
        TmpfsOptions: {
          ...(volume.tmpfs?.size === undefined ? {} : { SizeBytes: volume.tmpfs.size }),
          ...(volume.tmpfs?.mode === undefined ? {} : { Mode: volume.tmpfs.mode }),
        },
      };
    default:
      return {
        ...base,
        Type: 'bind',
        Source: volume.source ?? '',
        BindOptions: {
          ...(volume.bind?.propagation === undefined ? {} : { Propagation: volume.bind.propagation }),
          CreateMountpoint: volume.bind?.create_host_path !== false,
        },
      };
  }
}

/** `service:name[:mode]` → a container of that service; `container:name[:mode]` → that container. */
function volumesFrom(entry: string, names: ResolvedNames): string {
  const [kind = '', name = '', mode] = entry.split(':');
  const withMode = (target: string) => (mode === undefined ? target : `${target}:${mode}`);
  if (kind === 'container') return withMode(name);
  if (kind === 'service') return withMode(names.serviceContainer(name));
  // A bare service name (with an optional mode).
  return entry.includes(':') ? `${names.serviceContainer(kind)}:${name}` : names.serviceContainer(entry);
}

/** The container name a service's Nth container gets (re-exported for callers that only need the name). */
export { containerName };
