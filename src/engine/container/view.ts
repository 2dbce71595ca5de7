// How a container record looks on the wire: the inspect document, the list summary and the human status
// text ("Up 5 seconds", "Exited (0) 3 seconds ago"), in Docker's shapes. Invariant: pure, and never null where
// Docker gives [] or {} (clients iterate Mounts, Labels, NetworkSettings.Ports and .Networks).
import { humanDuration } from '../../shared/human-duration.js';
import type {
  ContainerInspect,
  ContainerSummary,
  EndpointSettings,
  MountPoint,
  PortMap,
  SummaryPort,
} from '../api/containers.js';
import { hostMounts, networkNamespace } from './host-config.js';
import type { ContainerPaths, ContainerRecord } from './record.js';

export function statusText(record: ContainerRecord, now: number): string {
  const { state } = record;
  switch (state.status) {
    case 'running':
      return `Up ${humanDuration(now - Date.parse(state.startedAt))}${healthSuffix(record)}`;
    case 'paused':
      return `Up ${humanDuration(now - Date.parse(state.startedAt))} (Paused)`;
    case 'restarting':
      return `Restarting (${state.exitCode}) ${humanDuration(now - Date.parse(state.finishedAt))} ago`;
    case 'exited':
      return `Exited (${state.exitCode}) ${humanDuration(now - Date.parse(state.finishedAt))} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    default:
      return 'Created';
  }
}

/** How `docker ps` shows health after the uptime. */
function healthSuffix(record: ContainerRecord): string {
  switch (record.health?.Status) {
    case 'starting':
      return ' (health: starting)';
    case 'healthy':
      return ' (healthy)';
    case 'unhealthy':
      return ' (unhealthy)';
    default:
      return '';
  }
}

/** The network mode as Docker reports it ("default" is the bridge). */
export function networkModeName(record: ContainerRecord): string {
  const mode = record.hostConfig.NetworkMode;
  return mode === undefined || mode === '' || mode === 'default' ? 'bridge' : mode;
}

function endpoints(record: ContainerRecord): Record<string, EndpointSettings> {
  // Until the network subsystem exists only `host` joins a network; the others have loopback only.
  if (networkNamespace(record.hostConfig.NetworkMode) !== 'host') return {};
  return {
    host: {
      IPAMConfig: null,
      Links: null,
      Aliases: null,
      MacAddress: '',
      NetworkID: 'host',
      EndpointID: '',
      Gateway: '',
      IPAddress: '',
      IPPrefixLen: 0,
      IPv6Gateway: '',
      GlobalIPv6Address: '',
      GlobalIPv6PrefixLen: 0,
      DriverOpts: null,
      DNSNames: null,
    },
  };
}

function portMap(record: ContainerRecord): PortMap {
  const ports: PortMap = {};
  for (const port of Object.keys(record.config.ExposedPorts ?? {})) ports[port] = null;
  return ports;
}

export function mountPoints(record: ContainerRecord): MountPoint[] {
  let mounts;
  try {
    mounts = hostMounts(record.hostConfig).mounts;
  } catch {
    return [];
  }
  return mounts.map((mount) =>
    mount.type === 'bind'
      ? {
          Type: 'bind',
          Source: mount.source,
          Destination: mount.destination,
          Mode: mount.readonly === true ? 'ro' : '',
          RW: mount.readonly !== true,
          Propagation: mount.propagation ?? 'rprivate',
        }
      : {
          Type: 'tmpfs',
          Source: '',
          Destination: mount.destination,
          Mode: '',
          RW: mount.readonly !== true,
          Propagation: '',
        },
  );
}

export function inspectView(
  record: ContainerRecord,
  paths: ContainerPaths,
  extra: { execIds: string[]; graphDriver: Record<string, string> },
): ContainerInspect & { NetworkSettings: { Note?: string } } {
  const { state } = record;
  const isolated = networkNamespace(record.hostConfig.NetworkMode) !== 'host';
  return {
    Id: record.id,
    Created: record.created,
    Path: record.path,
    Args: [...record.args],
    State: {
      Status: state.status,
      Running: state.status === 'running' || state.status === 'paused' || state.status === 'restarting',
      Paused: state.status === 'paused',
      Restarting: state.status === 'restarting',
      OOMKilled: state.oomKilled,
      Dead: state.status === 'dead',
      Pid: state.pid,
      ExitCode: state.exitCode,
      Error: state.error,
      StartedAt: state.startedAt,
      FinishedAt: state.finishedAt,
      ...(record.health === undefined ? {} : { Health: record.health }),
    },
    Image: record.imageId,
    ResolvConfPath: paths.resolvConfPath,
    HostnamePath: paths.hostnamePath,
    HostsPath: paths.hostsPath,
    LogPath: paths.logPath,
    Name: `/${record.name}`,
    RestartCount: record.restartCount,
    Driver: 'overlay2',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: extra.execIds.length > 0 ? extra.execIds : null,
    HostConfig: {
      ...record.hostConfig,
      NetworkMode: networkModeName(record),
      PortBindings: record.hostConfig.PortBindings ?? {},
      RestartPolicy: record.hostConfig.RestartPolicy ?? { Name: 'no', MaximumRetryCount: 0 },
      AutoRemove: record.hostConfig.AutoRemove === true,
      LogConfig: { Type: 'json-file', Config: {} },
    },
    GraphDriver: { Name: 'overlay2', Data: extra.graphDriver },
    Mounts: mountPoints(record),
    Config: record.config,
    NetworkSettings: {
      Bridge: '',
      SandboxID: '',
      SandboxKey: '',
      Ports: portMap(record),
      Gateway: '',
      IPAddress: '',
      IPPrefixLen: 0,
      MacAddress: '',
      Networks: endpoints(record),
      ...(isolated
        ? { Note: 'network namespace with loopback only: bridge networks are not implemented yet' }
        : {}),
    },
  };
}

function commandText(record: ContainerRecord): string {
  return [record.path, ...record.args].join(' ');
}

export function summaryView(
  record: ContainerRecord,
  now: number,
  size?: { rw: number; rootFs: number },
): ContainerSummary {
  const ports: SummaryPort[] = Object.keys(record.config.ExposedPorts ?? {}).map((key) => {
    const [port = '0', type = 'tcp'] = key.split('/');
    return { PrivatePort: Number(port), Type: type as SummaryPort['Type'] };
  });
  return {
    Id: record.id,
    Names: [`/${record.name}`],
    Image: record.image,
    ImageID: record.imageId,
    Command: commandText(record),
    Created: Math.floor(Date.parse(record.created) / 1000),
    Ports: ports,
    ...(size === undefined ? {} : { SizeRw: size.rw, SizeRootFs: size.rootFs }),
    Labels: record.config.Labels ?? {},
    State: record.state.status,
    Status: statusText(record, now),
    HostConfig: { NetworkMode: networkModeName(record) },
    NetworkSettings: { Networks: endpoints(record) },
    Mounts: mountPoints(record),
  };
}
