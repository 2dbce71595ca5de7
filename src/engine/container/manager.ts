// The container subsystem: every container's lifecycle composed from the image store, the overlay snapshotter
// and the runtime (runc under conmon). Records live in memory and on disk (written through on every change);
// each running container has an exit watcher on its monitor's exit file (no polling).
//
//   const containers = await ContainerManager.open({ config, images, snapshots, events });
//   const { id } = await containers.create({ Image: 'busybox', Cmd: ['true'] });
//   const exited = containers.waitFor(id, 'next-exit');  // registered before start
//   await containers.start(id); (await exited).StatusCode === 0;
//
// Invariants: operations on one container are serialised; the snapshot is mounted only while a runtime
// container exists (or briefly for archive access); closing the manager leaves containers running — a new
// manager adopts them from their records.
import { logSettings } from './log-options.js';
import { CAPTURE_SIZE_MAX, readContainerLogs, shipLeftoverCapture, startShipping } from './container-logs.js';
import { EventEmitter } from 'node:events';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError, isBerthError, messageOf } from '../../shared/errors.js';
import type {
  ContainerCreateRequest,
  ContainerInspect,
  ContainerSummary,
  ContainerWaitResponse,
  EndpointSettings,
  WaitCondition,
} from '../api/containers.js';
import type { Filters } from '../api/filters.js';
import type { EngineConfig } from '../config.js';
import type { EventBus } from '../events/bus.js';
import type { ImageStore } from '../image/image-store.js';
import type { ContainerDefaults } from '../image/image-config.js';
import type { AttachSession, OutputStream } from '../runtime/attach.js';
import type { LogShipper } from '../runtime/log-shipper.js';
import { execProcessFromBundle, runExec } from '../runtime/exec.js';
import { adopt, createContainer, type MonitoredContainer } from '../runtime/monitor.js';
import { Runc } from '../runtime/runc.js';
import { resolveUser } from '../runtime/user.js';
import type { OverlaySnapshotter } from '../snapshot/overlay.js';
import { readJsonIfExists, writeJsonAtomic } from '../store/atomic-json.js';
import { VolumeStore } from '../volume/index.js';
import { writeBundle, writeEtcFiles } from './bundle.js';
import { mergeCreateConfig } from './create-config.js';
import { checkHostConfig } from './host-config.js';
import { ContainerStorage, volumeUsers } from './storage.js';
import { KeyedLock } from './keyed-lock.js';
import { ContainerPolicies } from './policies.js';
import type { HealthState } from './health.js';
import type { ProbeOutcome } from './health-monitor.js';
import { checkContainerFilters, matchContainer } from './list-filter.js';
import { generateName, newContainerId, normaliseName } from './names.js';
import {
  ZERO_TIME,
  containerPaths,
  containersDir,
  type ContainerPaths,
  type ContainerRecord,
} from './record.js';
import { inspectView, summaryView } from './view.js';
import { attachmentFromSettings, loopbackNetworking, type ContainerNetworking } from './networking.js';

/** The few logger methods the subsystem uses (the server's logger fits). */
export interface ContainerLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface ContainerManagerOptions {
  config: EngineConfig;
  images: ImageStore;
  snapshots: OverlaySnapshotter;
  events: EventBus;
  /** Namespaces, endpoints and published ports; loopback-only containers without it. */
  networking?: ContainerNetworking;
  /** Binds, volumes and tmpfs; without it, a volume store of the engine's root with no events. */
  storage?: ContainerStorage;
  log?: ContainerLog;
  conmonBinary?: string;
  now?: () => Date;
}

/** Layers and image defaults a container runs on when it is created from no image (a build step). */
export interface ContainerRoot {
  imageId: string;
  chainIds: readonly string[];
  config: ContainerDefaults;
}

/** A running container as this engine process watches it. */
interface Live {
  monitored: MonitoredContainer;
  /** Resolves once the exit is recorded (record updated, runtime deleted, snapshot unmounted). */
  exitHandled: Promise<void>;
  stopWatching: AbortController;
  /** Ships the run's output into the JSON log (none for the `none` log driver). */
  shipper: LogShipper | undefined;
  /** Set by stop so the exit publishes `stop` after `die`. */
  stopping: boolean;
  /** Set by stop and kill: the exit is the user's doing, which no restart policy undoes. */
  byUser: boolean;
}

export interface AttachOptions {
  stream: boolean;
  logs: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  /** Client input (raw bytes), forwarded to the container's stdin when it was opened. */
  input?: NodeJS.ReadableStream;
  onOutput: (stream: OutputStream, data: Buffer) => void;
  signal?: AbortSignal;
}

interface PendingAttach {
  options: AttachOptions;
  resolve: (session: AttachSession | undefined) => void;
}

const NOOP_LOG: ContainerLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

export class ContainerManager {
  readonly runc: Runc;
  private readonly records = new Map<string, ContainerRecord>();
  private readonly live = new Map<string, Live>();
  private readonly pendingAttach = new Map<string, PendingAttach[]>();
  /** Containers between the stop and the start of a restart (log followers go on across it). */
  private readonly restarting = new Map<string, Promise<void>>();
  private readonly lock = new KeyedLock();
  private readonly writes = new KeyedLock();
  private readonly signals = new EventEmitter();
  private readonly log: ContainerLog;
  private readonly networking: ContainerNetworking;
  private readonly storage: ContainerStorage;
  private readonly now: () => Date;
  private closed = false;
  private readonly policies: ContainerPolicies;
  /** Containers found ended at recovery that were running when the previous engine went away. */
  private readonly exitedMeanwhile = new Set<string>();

  private constructor(private readonly options: ContainerManagerOptions) {
    this.runc = new Runc({ binary: options.config.runtime, root: options.config.runtimeStateDir });
    this.log = options.log ?? NOOP_LOG;
    this.networking = options.networking ?? loopbackNetworking;
    this.storage =
      options.storage ??
      new ContainerStorage({
        volumes: new VolumeStore({
          root: options.config.root,
          usersOf: (name) => volumeUsers(this.records.values(), name),
        }),
      });
    this.now = options.now ?? (() => new Date());
    this.signals.setMaxListeners(0);
    this.policies = new ContainerPolicies({
      record: (id) => this.records.get(id),
      startByPolicy: (id) => this.startByPolicy(id),
      persist: (record) => this.persist(record),
      publish: (record, action) => this.publish(record, action),
      probe: (id, args, signal) => this.probe(id, args, signal),
      healthChanged: (id, health) => this.signals.emit(`health:${id}`, health),
      warn: (message, fields) => this.log.warn(message, fields),
      now: () => this.now(),
    });
  }

  /** Loads every record, cleans half-made containers and adopts the running ones. */
  static async open(options: ContainerManagerOptions): Promise<ContainerManager> {
    const manager = new ContainerManager(options);
    await manager.recover();
    // Policies bring containers back once the engine is up, not before it serves.
    setImmediate(() =>
      manager.policies.resumeAfterEngineStart(manager.records.values(), manager.exitedMeanwhile),
    );
    return manager;
  }

  get config(): EngineConfig {
    return this.options.config;
  }

  paths(id: string): ContainerPaths {
    return containerPaths(this.options.config, id);
  }

  monitorContext(): { runc: Runc; conmonBinary?: string } {
    return {
      runc: this.runc,
      ...(this.options.conmonBinary === undefined ? {} : { conmonBinary: this.options.conmonBinary }),
    };
  }

  // ---------------------------------------------------------------------------------------------- lookup

  /** A container by full id, name (with or without `/`) or unique id prefix; NotFound as Docker words it. */
  resolve(idOrName: string): ContainerRecord {
    const exact = this.records.get(idOrName);
    if (exact !== undefined) return exact;
    const name = idOrName.startsWith('/') ? idOrName.slice(1) : idOrName;
    for (const record of this.records.values()) if (record.name === name) return record;
    if (/^[0-9a-f]+$/.test(idOrName)) {
      const matches = [...this.records.values()].filter((r) => r.id.startsWith(idOrName));
      if (matches.length === 1 && matches[0] !== undefined) return matches[0];
      if (matches.length > 1)
        throw new BerthError('InvalidArgument', `multiple IDs found with provided prefix: ${idOrName}`);
    }
    throw new BerthError('NotFound', `No such container: ${idOrName}`);
  }

  isRunning(id: string): boolean {
    return this.live.has(id);
  }

  monitored(id: string): MonitoredContainer | undefined {
    return this.live.get(id)?.monitored;
  }

  all(): ContainerRecord[] {
    return [...this.records.values()];
  }

  counts(): { total: number; running: number; paused: number; stopped: number } {
    let running = 0;
    let paused = 0;
    for (const record of this.records.values()) {
      if (record.state.status === 'running') running++;
      else if (record.state.status === 'paused') paused++;
    }
    const total = this.records.size;
    return { total, running, paused, stopped: total - running - paused };
  }

  imagesInUse(): Set<string> {
    return new Set([...this.records.values()].map((r) => r.imageId));
  }

  // ---------------------------------------------------------------------------------------------- create

  /**
   * Creates a container. `root` gives its layers and image config directly instead of an image by name — the
   * builder's step containers run on layers that are no image yet.
   */
  async create(
    request: ContainerCreateRequest,
    requestedName?: string,
    root?: ContainerRoot,
  ): Promise<{ id: string; warnings: string[] }> {
    if (root === undefined && (request.Image === undefined || request.Image === ''))
      throw new BerthError('InvalidArgument', 'config cannot be empty in order to create a container');
    const hostConfig = request.HostConfig ?? {};
    checkHostConfig(hostConfig);
    ContainerPolicies.check({ hostConfig });
    const network = this.networking.validate(request, (name) => this.resolve(name));
    const { warnings } = logSettings(hostConfig.LogConfig); // bad log options fail the create, not the start
    let image: { id: string; chainIds: readonly string[] };
    let imageConfig: { config: ContainerDefaults };
    if (root === undefined) {
      const found = await this.options.images.resolve(request.Image ?? '');
      image = found;
      imageConfig = await this.options.images.config(found);
    } else {
      image = { id: root.imageId, chainIds: root.chainIds };
      imageConfig = root;
    }
    const id = newContainerId();
    const { config, path, args } = mergeCreateConfig(request, imageConfig.config, {
      id,
      imageName: request.Image ?? '',
    });
    const mountPlan = this.storage.plan(
      { hostConfig, volumes: [...imageConfig.config.volumes, ...Object.keys(request.Volumes ?? {})] },
      (reference) => this.resolve(reference),
    );
    // Names are claimed synchronously with the conflict check, so two creates cannot take one name.
    let name: string;
    if (requestedName !== undefined && requestedName !== '') {
      name = normaliseName(requestedName);
      const holder = [...this.records.values()].find((r) => r.name === name);
      if (holder !== undefined) {
        throw new BerthError(
          'Conflict',
          `Conflict. The container name "/${name}" is already in use by container "${holder.id}". You have to remove (or rename) that container to be able to reuse that name.`,
        );
      }
    } else {
      name = generateName((candidate) => [...this.records.values()].some((r) => r.name === candidate));
    }
    const record: ContainerRecord = {
      id,
      name,
      created: nanoTime(this.now()),
      image: request.Image ?? '',
      imageId: image.id,
      layers: [...image.chainIds],
      path,
      args,
      config,
      hostConfig: { ...hostConfig },
      network,
      state: {
        status: 'created',
        pid: 0,
        exitCode: 0,
        error: '',
        oomKilled: false,
        startedAt: ZERO_TIME,
        finishedAt: ZERO_TIME,
      },
      restartCount: 0,
    };
    this.records.set(id, record);
    try {
      record.mounts = await this.storage.provision(mountPlan);
      await mkdir(this.paths(id).dir, { recursive: true, mode: 0o700 });
      await this.persist(record);
    } catch (error) {
      this.records.delete(id);
      await this.storage.removeAnonymous(record);
      await rm(this.paths(id).dir, { recursive: true, force: true });
      throw error;
    }
    this.publish(record, 'create');
    return { id, warnings };
  }

  // ---------------------------------------------------------------------------------------------- start

  /** Starts the container; false when it was running already (HTTP 304). */
  start(idOrName: string): Promise<boolean> {
    const { id } = this.resolve(idOrName);
    return this.lock.run(id, async () => {
      this.policies.cancel(id);
      const record = this.requireRecord(id);
      if (!this.live.has(id)) {
        // A start by the user begins afresh: the policy's count and back-off, and its "stopped" mark.
        record.restartCount = 0;
        delete record.restartDelayMs;
        delete record.stoppedByUser;
        if (record.state.status === 'restarting') record.state.status = 'exited';
      }
      return this.startLocked(id);
    });
  }

  /** A start by the restart policy: counted in RestartCount. */
  private startByPolicy(id: string): Promise<void> {
    return this.lock.run(id, async () => {
      const record = this.records.get(id);
      if (record === undefined || this.live.has(id) || this.closed) return;
      record.restartCount++; // the record stays `restarting` until the process runs
      await this.startLocked(id);
    });
  }

  private async startLocked(id: string): Promise<boolean> {
    const record = this.requireRecord(id);
    if (this.live.has(id)) {
      if (record.state.status === 'paused')
        throw new BerthError('Conflict', `cannot start a paused container, try unpause instead`);
      return false;
    }
    if (record.state.status === 'removing' || record.state.status === 'dead')
      throw new BerthError('Conflict', `container ${id} is marked for removal and cannot be started`);
    const paths = this.paths(id);
    let monitored: MonitoredContainer | undefined;
    let shipper: LogShipper | undefined;
    try {
      const rootfs = await this.mountRootfs(record);
      const mounts = await this.storage.mountAll(record, rootfs);
      const user = await resolveUser(rootfs, record.config.User ?? '');
      const network = await this.networking.setUp(record, (name) => this.resolve(name));
      await writeEtcFiles(record, paths, network);
      await rm(paths.bundleDir, { recursive: true, force: true });
      await writeBundle({ record, paths, rootfs, user, network: network.namespace, mounts });
      await this.runc.delete(id, { force: true }).catch(() => undefined);
      await shipLeftoverCapture(record, paths);
      monitored = await createContainer(this.monitorContext(), {
        id,
        bundleDir: paths.bundleDir,
        logPath: paths.capturePath,
        exitDir: paths.exitDir,
        persistDir: paths.bundleDir,
        terminal: record.config.Tty === true,
        stdin: record.config.OpenStdin === true,
        name: record.name,
        logSizeMax: CAPTURE_SIZE_MAX,
      });
      record.monitor = monitored.record;
      await this.persist(record);
      shipper = await startShipping(record, paths, (error) => this.logShippingError(id, error));
      await this.connectPendingAttaches(id, monitored);
      await monitored.start();
    } catch (error) {
      await shipper?.finish().catch(() => undefined);
      await monitored?.delete().catch(() => undefined);
      await this.options.snapshots.unmount(id).catch(() => undefined);
      await this.storage.release(id);
      await this.networking.tearDown(record).catch(() => undefined);
      delete record.monitor;
      record.state.error = messageOf(error);
      record.state.exitCode = /executable file not found|no such file or directory/i.test(record.state.error)
        ? 127
        : /permission denied/i.test(record.state.error)
          ? 126
          : 128;
      await this.persist(record).catch(() => undefined);
      this.releasePendingAttaches(id);
      // As Docker does: an auto-remove container that cannot start is removed (`docker run --rm` waits for it).
      if (record.hostConfig.AutoRemove === true) setImmediate(() => this.afterStartFailure(id));
      throw startError(error);
    }
    const state = await monitored.state().catch(() => undefined);
    record.state = {
      status: 'running',
      pid: state?.pid ?? monitored.pid,
      exitCode: 0,
      error: '',
      oomKilled: false,
      startedAt: nanoTime(this.now()),
      finishedAt: record.state.finishedAt,
    };
    this.watch(record, monitored, shipper);
    this.policies.started(record, { adopted: false });
    await this.persist(record);
    this.publish(record, 'start');
    return true;
  }

  /** Prepares the snapshot when it does not exist yet, mounts it, and returns the rootfs path. */
  async mountRootfs(record: ContainerRecord): Promise<string> {
    const snapshots = this.options.snapshots;
    if (!(await snapshots.list()).includes(record.id)) await snapshots.prepare(record.id, record.layers);
    return (await snapshots.mount(record.id)).mountpoint;
  }

  /**
   * Runs `task` with the container's rootfs mounted (archive access to a stopped container), unmounting
   * afterwards unless the container runs.
   */
  withRootfs<T>(idOrName: string, task: (rootfs: string) => Promise<T>): Promise<T> {
    const { id } = this.resolve(idOrName);
    if (this.live.has(id)) return task(this.liveRoot(id));
    return this.lock.run(id, async () => {
      const record = this.requireRecord(id);
      if (this.live.has(id)) return task(this.liveRoot(id));
      const rootfs = await this.mountRootfs(record);
      try {
        return await task(rootfs);
      } finally {
        if (!this.live.has(id)) await this.options.snapshots.unmount(id).catch(() => undefined);
      }
    });
  }

  /**
   * A running container's filesystem as its processes see it — the rootfs with its volumes, binds and tmpfs
   * mounted — through its init process's root; the bare overlay when the process is not known.
   */
  private liveRoot(id: string): string {
    const pid = this.records.get(id)?.state.pid ?? 0;
    return pid > 0 ? `/proc/${pid}/root` : this.options.snapshots.describe(id).mountpoint;
  }

  // ---------------------------------------------------------------------------------------------- exit

  private watch(
    record: ContainerRecord,
    monitored: MonitoredContainer,
    shipper: LogShipper | undefined,
  ): void {
    const stopWatching = new AbortController();
    let resolveHandled: () => void = () => undefined;
    const exitHandled = new Promise<void>((resolve) => (resolveHandled = resolve));
    const live: Live = { monitored, exitHandled, stopWatching, shipper, stopping: false, byUser: false };
    this.live.set(record.id, live);
    monitored.wait(stopWatching.signal).then(
      (code) => {
        void this.handleExit(record.id, live, code)
          .catch((error: unknown) =>
            this.log.error('recording a container exit failed', { id: record.id, error: messageOf(error) }),
          )
          .finally(resolveHandled)
          .then(() => this.afterExit(record.id));
      },
      () => {
        // The engine is closing: the container keeps running unwatched; the next engine ships its output.
        void (shipper?.stop() ?? Promise.resolve()).finally(resolveHandled);
      },
    );
  }

  private async handleExit(id: string, live: Live, exitCode: number): Promise<void> {
    const record = this.records.get(id);
    if (record === undefined) return;
    const oomKilled = await live.monitored.oomKilled();
    // conmon has written all the output once the process is gone: the log is whole before `die` is told.
    await live.shipper
      ?.finish()
      .then(() => rm(this.paths(id).capturePath, { force: true }))
      .catch((error: unknown) => this.logShippingError(id, error));
    await live.monitored
      .delete()
      .catch((error: unknown) => this.log.warn('runtime delete failed', { id, error: messageOf(error) }));
    await this.options.snapshots
      .unmount(id)
      .catch((error: unknown) => this.log.warn('unmount failed', { id, error: messageOf(error) }));
    await this.storage.release(id);
    await this.networking
      .tearDown(record)
      .catch((error: unknown) => this.log.warn('network teardown failed', { id, error: messageOf(error) }));
    this.live.delete(id);
    delete record.monitor;
    record.state = {
      ...record.state,
      status: 'exited',
      pid: 0,
      exitCode,
      oomKilled,
      finishedAt: nanoTime(this.now()),
    };
    await this.persist(record);
    const restarting = this.policies.exited(record, { byUser: live.byUser || this.closed });
    if (restarting) await this.persist(record);
    if (oomKilled) this.publish(record, 'oom');
    this.publish(record, 'die', { exitCode: String(exitCode) });
    if (live.stopping) this.publish(record, 'stop');
    this.signals.emit(`exit:${id}`, exitCode);
  }

  private afterExit(id: string): void {
    const record = this.records.get(id);
    if (record === undefined || this.closed || record.hostConfig.AutoRemove !== true) return;
    if (record.state.status !== 'exited') return;
    this.remove(id, { force: true, volumes: true }).catch((error: unknown) => {
      if (!isBerthError(error, 'NotFound'))
        this.log.error('auto-remove failed', { id, error: messageOf(error) });
    });
  }

  private afterStartFailure(id: string): void {
    if (this.closed || !this.records.has(id) || this.live.has(id)) return;
    this.remove(id, { force: true, volumes: true }).catch((error: unknown) => {
      if (!isBerthError(error, 'NotFound'))
        this.log.error('auto-remove failed', { id, error: messageOf(error) });
    });
  }

  /** Resolves when the container's run has ended and no restart follows (at once if it is not running). */
  async runEnded(id: string): Promise<void> {
    for (;;) {
      await (this.live.get(id)?.exitHandled ?? Promise.resolve());
      const restart = this.restarting.get(id) ?? this.policies.restartPending(id);
      if (restart === undefined) return;
      await restart.catch(() => undefined); // a restart follows this exit: wait for the next run's end
    }
  }

  // ---------------------------------------------------------------------------------------------- stop, kill

  /** Docker's stop: the stop signal, SIGKILL after the grace period; false when not running (HTTP 304). */
  stop(idOrName: string, options: { timeoutSeconds?: number; signal?: string } = {}): Promise<boolean> {
    const { id } = this.resolve(idOrName);
    return this.lock.run(id, () => this.stopLocked(id, options));
  }

  private async stopLocked(
    id: string,
    options: { timeoutSeconds?: number; signal?: string },
  ): Promise<boolean> {
    const record = this.requireRecord(id);
    const live = this.live.get(id);
    if (live === undefined) {
      // Between a policy's restarts: the stop cancels the next one.
      if (!this.policies.cancel(id)) return false;
      await this.markStoppedByUser(record);
      record.state.status = 'exited';
      await this.persist(record);
      this.publish(record, 'stop');
      return true;
    }
    live.stopping = true;
    live.byUser = true;
    await this.markStoppedByUser(record);
    if (record.state.status === 'paused') await this.runc.resume(id).catch(() => undefined);
    const timeout = options.timeoutSeconds ?? record.config.StopTimeout ?? 10;
    const signal = normaliseSignal(options.signal || record.config.StopSignal || 'SIGTERM');
    this.publish(record, 'kill', { signal: String(signalNumber(signal)) });
    await live.monitored.stop({ signal, timeoutMs: timeout < 0 ? 2 ** 31 - 1 : timeout * 1000 });
    await live.exitHandled;
    return true;
  }

  async kill(idOrName: string, signal = 'SIGKILL'): Promise<void> {
    const record = this.resolve(idOrName);
    const live = this.live.get(record.id);
    if (live === undefined) throw new BerthError('Conflict', `Container ${record.id} is not running`);
    const normalised = normaliseSignal(signal);
    live.byUser = true;
    await this.markStoppedByUser(record);
    await live.monitored.kill(normalised);
    this.publish(record, 'kill', { signal: String(signalNumber(normalised)) });
  }

  async restart(idOrName: string, options: { timeoutSeconds?: number; signal?: string } = {}): Promise<void> {
    const { id } = this.resolve(idOrName);
    const restart = this.lock.run(id, async () => {
      await this.stopLocked(id, options);
      // The user's restart is a start by the user: the policy is armed again.
      const record = this.requireRecord(id);
      delete record.stoppedByUser;
      record.restartCount = 0;
      delete record.restartDelayMs;
      await this.startLocked(id);
    });
    this.restarting.set(id, restart);
    try {
      await restart;
    } finally {
      if (this.restarting.get(id) === restart) this.restarting.delete(id);
    }
    this.publish(this.requireRecord(id), 'restart');
  }

  async pause(idOrName: string): Promise<void> {
    const { id } = this.resolve(idOrName);
    await this.lock.run(id, async () => {
      const record = this.requireRecord(id);
      if (!this.live.has(id)) throw new BerthError('Conflict', `Container ${id} is not running`);
      if (record.state.status === 'paused')
        throw new BerthError('Conflict', `Container ${id} is already paused`);
      await this.runc.pause(id);
      record.state.status = 'paused';
      await this.persist(record);
      this.publish(record, 'pause');
    });
  }

  async unpause(idOrName: string): Promise<void> {
    const { id } = this.resolve(idOrName);
    await this.lock.run(id, async () => {
      const record = this.requireRecord(id);
      if (record.state.status !== 'paused') throw new BerthError('Conflict', `Container ${id} is not paused`);
      await this.runc.resume(id);
      record.state.status = 'running';
      await this.persist(record);
      this.publish(record, 'unpause');
    });
  }

  /** Docker's rename: a new valid, free name; the container's hostname and files are left as they are. */
  async rename(idOrName: string, newName: string): Promise<void> {
    const record = this.resolve(idOrName);
    if (newName === '' || newName === '/')
      throw new BerthError('InvalidArgument', 'Neither old nor new names may be empty');
    const name = normaliseName(newName);
    if (name === record.name)
      throw new BerthError('InvalidArgument', 'Renaming a container with the same name as its current name');
    const holder = [...this.records.values()].find((r) => r.name === name);
    if (holder !== undefined)
      throw new BerthError(
        'Conflict',
        `Error when allocating new name: Conflict. The container name "/${name}" is already in use by container "${holder.id}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    const oldName = record.name;
    record.name = name;
    await this.persist(record);
    this.publish(record, 'rename', { oldName: `/${oldName}` });
  }

  // ---------------------------------------------------------------------------------------------- wait

  /**
   * Waits for a condition. The waiter is registered before this returns (so a caller can answer 200 and
   * then start the container without missing the exit).
   */
  waitFor(
    idOrName: string,
    condition: WaitCondition = 'not-running',
    signal?: AbortSignal,
  ): Promise<ContainerWaitResponse> {
    const record = this.resolve(idOrName);
    const id = record.id;
    if (condition === 'not-running' && !this.live.has(id)) {
      return Promise.resolve(waitResponse(record));
    }
    return new Promise((resolve, reject) => {
      const event = condition === 'removed' ? `removed:${id}` : `exit:${id}`;
      const onEvent = (): void => {
        cleanup();
        const current = this.records.get(id) ?? record;
        resolve(waitResponse(current));
      };
      const onAbort = (): void => {
        cleanup();
        reject(new BerthError('Cancelled', 'wait cancelled'));
      };
      const cleanup = (): void => {
        this.signals.off(event, onEvent);
        signal?.removeEventListener('abort', onAbort);
      };
      this.signals.on(event, onEvent);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  // ---------------------------------------------------------------------------------------------- remove

  /** Removes the container; `volumes` (rm -v) also removes its anonymous volumes. */
  remove(idOrName: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    const { id } = this.resolve(idOrName);
    return this.lock.run(id, async () => {
      const record = this.records.get(id);
      if (record === undefined) throw new BerthError('NotFound', `No such container: ${idOrName}`);
      if (record.state.status === 'restarting' && options.force !== true) {
        throw new BerthError(
          'Conflict',
          `You cannot remove a restarting container ${id}. Stop the container before attempting removal or force remove`,
        );
      }
      this.policies.cancel(id);
      const live = this.live.get(id);
      if (live !== undefined) {
        if (options.force !== true) {
          throw new BerthError(
            'Conflict',
            `You cannot remove a ${record.state.status} container ${id}. Stop the container before attempting removal or force remove`,
          );
        }
        if (record.state.status === 'paused') await this.runc.resume(id).catch(() => undefined);
        live.byUser = true;
        await live.monitored.kill('SIGKILL', { all: true }).catch(() => undefined);
        this.publish(record, 'kill', { signal: '9' });
        await live.exitHandled;
      }
      record.state.status = 'removing';
      this.releasePendingAttaches(id);
      await this.networking.tearDown(record);
      await this.runc.delete(id, { force: true }).catch(() => undefined);
      await this.options.snapshots.remove(id);
      const paths = this.paths(id);
      await rm(paths.bundleDir, { recursive: true, force: true });
      await rm(paths.execsDir, { recursive: true, force: true });
      await rm(join(paths.exitDir, id), { force: true });
      await this.writes.run(id, () => rm(paths.dir, { recursive: true, force: true }));
      this.records.delete(id);
      if (options.volumes === true) await this.storage.removeAnonymous(record);
      this.publish(record, 'destroy');
      this.signals.emit(`removed:${id}`);
    });
  }

  // ---------------------------------------------------------------------------------------------- networks

  /** Joins a network: at once when the container runs, at its next start otherwise. */
  connectNetwork(idOrName: string, network: string, settings?: EndpointSettings): Promise<ContainerRecord> {
    const { id } = this.resolve(idOrName);
    return this.lock.run(id, async () => {
      const record = this.requireRecord(id);
      await this.networking.connect(record, network, attachmentFromSettings(settings), this.live.has(id));
      await this.persist(record);
      return record;
    });
  }

  /** Leaves a network (Docker's `force` changes nothing here: a live endpoint is always removed). */
  disconnectNetwork(idOrName: string, network: string): Promise<ContainerRecord> {
    const { id } = this.resolve(idOrName);
    return this.lock.run(id, async () => {
      const record = this.requireRecord(id);
      await this.networking.disconnect(record, network, this.live.has(id));
      await this.persist(record);
      return record;
    });
  }

  // ---------------------------------------------------------------------------------------------- views

  inspect(idOrName: string, execIds: string[] = []): ContainerInspect {
    const record = this.resolve(idOrName);
    const snapshot = this.options.snapshots.describe(record.id);
    return inspectView(record, this.paths(record.id), {
      execIds,
      graphDriver: { MergedDir: snapshot.mountpoint, UpperDir: snapshot.upper, WorkDir: snapshot.work },
      network: this.networking.view(record, this.live.has(record.id)),
    });
  }

  async list(options: {
    all?: boolean;
    filters?: Filters;
    limit?: number;
    size?: boolean;
  }): Promise<ContainerSummary[]> {
    const filters = options.filters ?? new Map();
    checkContainerFilters(filters);
    let records = [...this.records.values()]
      .filter(
        (r) =>
          options.all === true ||
          r.state.status === 'running' ||
          r.state.status === 'paused' ||
          filters.has('status'),
      )
      .filter((r) => matchContainer(r, filters))
      .sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
    if (options.limit !== undefined && options.limit > 0) records = records.slice(0, options.limit);
    const now = this.now().getTime();
    const out: ContainerSummary[] = [];
    for (const record of records) {
      const size = options.size === true ? await this.sizes(record) : undefined;
      out.push(summaryView(record, now, size, this.networking.view(record, this.live.has(record.id))));
    }
    return out;
  }

  private async sizes(record: ContainerRecord): Promise<{ rw: number; rootFs: number }> {
    const rw = await directorySize(this.options.snapshots.describe(record.id).upper);
    const image = await this.options.images.get(record.imageId as `sha256:${string}`).catch(() => undefined);
    return { rw, rootFs: rw + (image?.size ?? 0) };
  }

  // ---------------------------------------------------------------------------------------------- attach

  /**
   * Attaches a client: replays the log when asked, then (with `stream`) connects to the monitor now if the
   * container runs, or at its next start (before its process runs, so no output is lost). Resolves when the
   * attachment ends: the container exits, it is removed, or the client goes.
   */
  async attach(idOrName: string, options: AttachOptions): Promise<void> {
    const record = this.resolve(idOrName);
    if (options.logs) {
      for (const entry of await readContainerLogs(record, this.paths(record.id), {
        stdout: options.stdout,
        stderr: options.stderr,
      })) {
        options.onOutput(entry.stream, Buffer.from(entry.message));
      }
    }
    if (!options.stream) return;
    const live = this.live.get(record.id);
    let session: AttachSession | undefined;
    if (live !== undefined) {
      session = await this.openSession(record, live.monitored, options);
    } else {
      session = await new Promise<AttachSession | undefined>((resolve) => {
        const list = this.pendingAttach.get(record.id) ?? [];
        const pending: PendingAttach = { options, resolve };
        list.push(pending);
        this.pendingAttach.set(record.id, list);
        options.signal?.addEventListener(
          'abort',
          () => {
            const current = this.pendingAttach.get(record.id);
            if (current !== undefined)
              this.pendingAttach.set(
                record.id,
                current.filter((p) => p !== pending),
              );
            resolve(undefined);
          },
          { once: true },
        );
      });
    }
    if (session === undefined) return;
    this.publish(record, 'attach');
    const opened = session;
    const onAbort = (): void => opened.close();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    await opened.closed;
    options.signal?.removeEventListener('abort', onAbort);
  }

  private async openSession(
    record: ContainerRecord,
    monitored: MonitoredContainer,
    options: AttachOptions,
  ): Promise<AttachSession> {
    const session = await monitored.attach({
      onOutput: (stream, data) => {
        if ((stream === 'stdout' && options.stdout) || (stream === 'stderr' && options.stderr))
          options.onOutput(stream, data);
      },
    });
    if (options.stdin && options.input !== undefined && record.config.OpenStdin === true) {
      options.input.on('data', (chunk: Buffer | string) =>
        session.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk),
      );
      options.input.on('end', () => {
        if (record.config.StdinOnce === true || record.config.Tty !== true) session.endInput();
      });
    }
    return session;
  }

  private async connectPendingAttaches(id: string, monitored: MonitoredContainer): Promise<void> {
    const pending = this.pendingAttach.get(id) ?? [];
    this.pendingAttach.delete(id);
    const record = this.requireRecord(id);
    for (const attach of pending) {
      try {
        attach.resolve(await this.openSession(record, monitored, attach.options));
      } catch (error) {
        this.log.warn('attach at start failed', { id, error: messageOf(error) });
        attach.resolve(undefined);
      }
    }
  }

  private releasePendingAttaches(id: string): void {
    for (const attach of this.pendingAttach.get(id) ?? []) attach.resolve(undefined);
    this.pendingAttach.delete(id);
  }

  async resize(idOrName: string, height: number, width: number): Promise<void> {
    const record = this.resolve(idOrName);
    const live = this.live.get(record.id);
    if (live === undefined) throw new BerthError('Conflict', `Container ${record.id} is not running`);
    if (record.config.Tty !== true) return; // Docker ignores a resize without a terminal
    await live.monitored.resize(height, width);
  }

  // ---------------------------------------------------------------------------------------------- recovery

  private async recover(): Promise<void> {
    const { config, snapshots } = this.options;
    const dir = containersDir(config);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await mkdir(config.monitor.exitsDir, { recursive: true });
    await snapshots.cleanTemp();
    for (const name of await readdir(dir)) {
      const record = await readJsonIfExists<ContainerRecord>(this.paths(name).recordFile).catch(
        () => undefined,
      );
      if (record === undefined || record.id !== name) {
        // Half-created: a directory without a whole record.
        await rm(join(dir, name), { recursive: true, force: true });
        continue;
      }
      this.records.set(record.id, record);
    }
    for (const id of await snapshots.list()) {
      if (!this.records.has(id))
        await snapshots
          .remove(id)
          .catch((error: unknown) =>
            this.log.warn('removing a stray snapshot failed', { id, error: messageOf(error) }),
          );
    }
    for (const state of await this.runc.list().catch(() => [])) {
      if (!this.records.get(state.id)?.monitor)
        await this.runc.delete(state.id, { force: true }).catch(() => undefined);
    }
    for (const record of this.records.values()) {
      await this.recoverOne(record).catch((error: unknown) =>
        this.log.error('recovering a container failed', { id: record.id, error: messageOf(error) }),
      );
    }
    await this.storage.adopt([...this.records.values()].filter((record) => this.live.has(record.id)));
  }

  private async recoverOne(record: ContainerRecord): Promise<void> {
    const id = record.id;
    if (record.monitor !== undefined) {
      const adoption = await adopt(this.monitorContext(), record.monitor);
      const alive = adoption.status === 'running' || adoption.status === 'paused';
      if (
        alive &&
        adoption.monitorAlive &&
        (record.state.status === 'running' || record.state.status === 'paused')
      ) {
        record.state.status = adoption.status === 'paused' ? 'paused' : 'running';
        record.state.pid = adoption.container.pid || record.state.pid;
        const shipper = await startShipping(record, this.paths(id), (error) =>
          this.logShippingError(id, error),
        );
        this.watch(record, adoption.container, shipper);
        await this.networking.readopt(record);
        this.policies.started(record, { adopted: true });
        await this.persist(record);
        this.log.info('adopted running container', { id });
        return;
      }
      await adoption.container.delete().catch(() => undefined);
      if (record.state.status === 'running' || record.state.status === 'paused') {
        // It exited while no engine watched: record what its monitor wrote.
        const exitFile = join(record.monitor.exitDir, id);
        const finished = await stat(exitFile).then(
          (s) => s.mtime,
          () => this.now(),
        );
        this.exitedMeanwhile.add(id);
        record.state = {
          ...record.state,
          status: 'exited',
          pid: 0,
          exitCode: adoption.exitCode ?? 255,
          oomKilled: await adoption.container.oomKilled(),
          finishedAt: nanoTime(finished),
        };
      }
      delete record.monitor;
      await this.persist(record);
    } else if (record.state.status === 'restarting') {
      // The engine went away between a policy's restarts.
      this.exitedMeanwhile.add(id);
      record.state.status = 'exited';
      await this.persist(record);
    } else if (record.state.status === 'running' || record.state.status === 'paused') {
      this.exitedMeanwhile.add(id);
      record.state = {
        ...record.state,
        status: 'exited',
        pid: 0,
        exitCode: 255,
        finishedAt: nanoTime(this.now()),
      };
      await this.persist(record);
    }
    await shipLeftoverCapture(record, this.paths(id)).catch((error: unknown) =>
      this.logShippingError(id, error),
    );
    await this.options.snapshots.unmount(id).catch(() => undefined);
    await this.networking
      .tearDown(record)
      .catch((error: unknown) => this.log.warn('network teardown failed', { id, error: messageOf(error) }));
    await rm(this.paths(id).bundleDir, { recursive: true, force: true });
  }

  /** Stops watching: the containers keep running, and the next engine adopts them. */
  async close(): Promise<void> {
    this.closed = true;
    this.policies.close();
    for (const live of this.live.values()) live.stopWatching.abort();
    for (const id of [...this.pendingAttach.keys()]) this.releasePendingAttaches(id);
    await Promise.all([...this.live.values()].map((live) => live.exitHandled));
    this.live.clear();
  }

  // ---------------------------------------------------------------------------------------------- helpers

  requireRecord(id: string): ContainerRecord {
    const record = this.records.get(id);
    if (record === undefined) throw new BerthError('NotFound', `No such container: ${id}`);
    return record;
  }

  private async markStoppedByUser(record: ContainerRecord): Promise<void> {
    if (record.stoppedByUser === true) return;
    record.stoppedByUser = true;
    await this.persist(record);
  }

  /** Runs a healthcheck probe in the running container; stdout and stderr together are its output. */
  private async probe(id: string, args: readonly string[], signal: AbortSignal): Promise<ProbeOutcome> {
    const live = this.live.get(id);
    if (live === undefined) throw new BerthError('Conflict', `container ${id} is not running`);
    const process = await execProcessFromBundle(live.monitored.record.bundleDir, { args: [...args] });
    const execDir = join(this.paths(id).execsDir, `health-${Date.now().toString(36)}`);
    try {
      const result = await runExec(this.runc, id, process, { execDir, signal });
      return { exitCode: result.exitCode, output: result.stdout + result.stderr };
    } finally {
      await rm(execDir, { recursive: true, force: true });
    }
  }

  /** Resolves with the container's health at its next change of status (compose's service_healthy). */
  healthChange(id: string, signal?: AbortSignal): Promise<HealthState> {
    return new Promise((resolve, reject) => {
      const onChange = (health: HealthState): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(health);
      };
      const onAbort = (): void => {
        this.signals.off(`health:${id}`, onChange);
        reject(new BerthError('Cancelled', 'wait cancelled'));
      };
      this.signals.once(`health:${id}`, onChange);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private logShippingError(id: string, error: unknown): void {
    this.log.warn('shipping container output into its log failed', { id, error: messageOf(error) });
  }

  private persist(record: ContainerRecord): Promise<void> {
    const snapshot = structuredClone(record);
    return this.writes.run(record.id, async () => {
      if (!this.records.has(record.id)) return;
      await writeJsonAtomic(this.paths(record.id).recordFile, snapshot);
    });
  }

  publish(record: ContainerRecord, action: string, extra: Record<string, string> = {}): void {
    this.options.events.publish({
      type: 'container',
      action,
      actor: {
        id: record.id,
        attributes: { ...(record.config.Labels ?? {}), image: record.image, name: record.name, ...extra },
      },
    });
  }
}

function waitResponse(record: ContainerRecord): ContainerWaitResponse {
  return {
    StatusCode: record.state.exitCode,
    Error: record.state.error === '' ? null : { Message: record.state.error },
  };
}

/** A start failure as the client should see it: runc's "not found"-style errors are the request's fault. */
function startError(error: unknown): BerthError {
  const message = messageOf(error);
  if (
    /executable file not found|no such file or directory|permission denied|unable to find user/i.test(message)
  )
    return new BerthError('InvalidArgument', message, { cause: error });
  return isBerthError(error) ? error : new BerthError('Internal', message, { cause: error });
}

/** RFC 3339 with nanoseconds, as Docker writes times (millisecond precision padded). */
export function nanoTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

const SIGNALS: Record<string, number> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9,
  SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGSTKFLT: 16, SIGCHLD: 17,
  SIGCONT: 18, SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24, SIGXFSZ: 25,
  SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28, SIGIO: 29, SIGPWR: 30, SIGSYS: 31,
}; // prettier-ignore

/** `TERM`, `sigterm`, `SIGTERM` or `15` → `SIGTERM`; throws InvalidArgument for anything else. */
export function normaliseSignal(signal: string): string {
  const text = signal.trim().toUpperCase();
  if (/^\d+$/.test(text)) {
    const name = Object.entries(SIGNALS).find(([, n]) => n === Number(text))?.[0];
    if (name !== undefined) return name;
    if (Number(text) >= 34 && Number(text) <= 64) return text;
  } else {
    const name = text.startsWith('SIG') ? text : `SIG${text}`;
    if (SIGNALS[name] !== undefined) return name;
  }
  throw new BerthError('InvalidArgument', `Invalid signal: ${signal}`);
}

export function signalNumber(signal: string): number {
  return SIGNALS[signal] ?? Number(signal);
}

async function directorySize(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    total += await stat(join(entry.parentPath, entry.name)).then(
      (s) => s.size,
      () => 0,
    );
  }
  return total;
}
