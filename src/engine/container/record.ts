// What the engine persists about one container, and where its files live. The record is the only memory an
// engine has of a container across restarts: everything needed to adopt it again (monitor record, snapshot id)
// is in here. Invariant: a record on disk is always whole (written atomically) and its `status` never claims
// `running` for a container whose runtime state was not created first.
import { join } from 'node:path';
import type { ContainerConfig, ContainerStatus, HostConfig } from '../api/containers.js';
import type { EngineConfig } from '../config.js';
import type { MonitorRecord } from '../runtime/monitor.js';
import type { MountSpec } from '../volume/index.js';
import type { HealthState } from './health.js';
import type { ContainerNetworkState } from './networking.js';

export const ZERO_TIME = '0001-01-01T00:00:00Z';

export interface ContainerStateRecord {
  status: ContainerStatus;
  pid: number;
  exitCode: number;
  error: string;
  oomKilled: boolean;
  startedAt: string;
  finishedAt: string;
}

export interface ContainerRecord {
  id: string;
  /** Without the leading slash. */
  name: string;
  /** RFC 3339 with nanoseconds. */
  created: string;
  /** The image as the client named it (Config.Image). */
  image: string;
  /** The resolved image ID (sha256:...). */
  imageId: string;
  /** Layer chain IDs of the image, base first (what the snapshot is prepared over). */
  layers: string[];
  path: string;
  args: string[];
  /** The effective config: the request merged with the image's defaults. */
  config: ContainerConfig;
  hostConfig: HostConfig;
  state: ContainerStateRecord;
  /** Restarts by its restart policy since its user last started it (RestartCount). */
  restartCount: number;
  /** The back-off used before the last policy restart (ms); absent before the first. */
  restartDelayMs?: number;
  /** Its user stopped or killed it: no restart policy undoes that (`unless-stopped` stays down). */
  stoppedByUser?: boolean;
  /** Its healthcheck's state while it has one (inspect's State.Health). */
  health?: HealthState;
  /** Its mounts as decided at create: which volume (by name), host path or tmpfs backs each target. */
  mounts?: MountRecord[];
  /** Present while a runtime container (and its monitor) exists for this container. */
  monitor?: MonitorRecord;
  /** The networks it joins and the host ports last published (networking.ts); absent: the default network. */
  network?: ContainerNetworkState;
}

/** One mount of a container; for volumes `source` is the volume's name (anonymous ones named at create). */
export interface MountRecord extends MountSpec {
  /** A volume made for this container alone (image VOLUME, `-v /path`): `rm -v` removes it. */
  anonymous: boolean;
  /** Volumes: the host directory of the volume's data (reported as Source); '' otherwise. */
  hostPath: string;
}

/** Where one container's files are: persistent ones under the state root, runtime ones under the run dir. */
export interface ContainerPaths {
  /** <root>/containers/<id>: container.json, the logs, hostname, hosts, resolv.conf. */
  dir: string;
  recordFile: string;
  /** The JSON log (<id>-json.log, Docker's name), rotated into <id>-json.log.1 ... */
  logPath: string;
  /** conmon's capture of the output, shipped into the JSON log by the engine. */
  capturePath: string;
  hostnamePath: string;
  hostsPath: string;
  resolvConfPath: string;
  /**
   * <run>/b/<id prefix>: config.json and the monitor's attach socket, ctl FIFO and pid files. Short, because
   * conmon makes its TTY console socket here and unix socket paths hold only 107 bytes.
   */
  bundleDir: string;
  /** <run>/e/<id prefix>: one directory per exec session (short for the same reason). */
  execsDir: string;
  exitDir: string;
}

export function containersDir(config: EngineConfig): string {
  return join(config.root, 'containers');
}

export function containerPaths(config: EngineConfig, id: string): ContainerPaths {
  const dir = join(containersDir(config), id);
  return {
    dir,
    recordFile: join(dir, 'container.json'),
    logPath: join(dir, `${id}-json.log`),
    capturePath: join(dir, 'capture.log'),
    hostnamePath: join(dir, 'hostname'),
    hostsPath: join(dir, 'hosts'),
    resolvConfPath: join(dir, 'resolv.conf'),
    bundleDir: join(config.runDir, 'b', id.slice(0, 20)),
    execsDir: join(config.runDir, 'e', id.slice(0, 20)),
    exitDir: config.monitor.exitsDir,
  };
}
