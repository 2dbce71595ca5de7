// How a container record looks on the wire: the inspect document, the list summary and the human status
// text ("Up 5 seconds", "Exited (0) 3 seconds ago"), in Docker's shapes. Invariant: pure, and never null where
// Docker gives [] or {} (clients iterate Mounts, Labels, NetworkSettings.Ports and .Networks).
import { humanDuration } from '../../shared/human-duration.js';
import type { ContainerInspect, ContainerSummary, MountPoint } from '../api/containers.js';
import { loopbackNetworking, type NetworkView } from './networking.js';
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

/** Without a network view (no network subsystem): what the loopback-only engine shows. */
function networkViewOf(record: ContainerRecord, network: NetworkView | undefined): NetworkView {
  return network ?? loopbackNetworking.view(record, false);
}

/**
 * Mounts as Docker reports them: volumes by name with their data directory as Source, binds with their
 * propagation; HostConfig.Tmpfs entries are not listed (Docker lists only --mount tmpfs).
 */
export function mountPoints(record: ContainerRecord): MountPoint[] {
  const tmpfsOption = new Set(
    Object.keys(record.hostConfig.Tmpfs ?? {}).map((t) => t.replace(/(.)\/+$/, '$1')),
  );
  return (record.mounts ?? [])
    .filter((mount) => !(mount.kind === 'tmpfs' && tmpfsOption.has(mount.target)))
    .map((mount): MountPoint => {
      const common = { Destination: mount.target, Mode: mount.mode, RW: !mount.readOnly };
      if (mount.kind === 'volume') {
        return {
          Type: 'volume',
          Name: mount.source,
          Source: mount.hostPath,
          ...common,
          Driver: 'local',
          Propagation: '',
        };
      }
      if (mount.kind === 'bind') {
        return {
          Type: 'bind',
          Source: mount.source,
          ...common,
          Propagation: mount.propagation ?? 'rprivate',
        };
      }
      return { Type: 'tmpfs', Source: '', ...common, Propagation: '' };
    });
}

export function inspectView(
  record: ContainerRecord,
  paths: ContainerPaths,
  extra: { execIds: string[]; graphDriver: Record<string, string>; network?: NetworkView },
): ContainerInspect {
  const { state } = record;
  const network = networkViewOf(record, extra.network);
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
      SandboxID: network.sandboxKey === '' ? '' : record.id,
      SandboxKey: network.sandboxKey,
      Ports: network.ports,
      ...network.primary,
      Networks: network.networks,
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
  networkView?: NetworkView,
): ContainerSummary {
  const network = networkViewOf(record, networkView);
  return {
    Id: record.id,
    Names: [`/${record.name}`],
    Image: record.image,
    ImageID: record.imageId,
    Command: commandText(record),
    Created: Math.floor(Date.parse(record.created) / 1000),
    Ports: network.summaryPorts,
    ...(size === undefined ? {} : { SizeRw: size.rw, SizeRootFs: size.rootFs }),
    Labels: record.config.Labels ?? {},
    State: record.state.status,
    Status: statusText(record, now),
    HostConfig: { NetworkMode: networkModeName(record) },
    NetworkSettings: { Networks: network.networks },
    Mounts: mountPoints(record),
  };
}
