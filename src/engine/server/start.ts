// Starting and stopping one engine: lock the state root, (re)create the socket, serve the routes, write the pid
// file; `close()` stops accepting, ends streams, waits briefly for requests in flight, and removes the socket,
// pid file and lock. Invariant: at most one engine per state root, and a failed start leaves nothing behind
// (no lock, no socket, no pid file).

import { randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { BerthError } from '../../shared/errors.js';
import type { EngineConfig } from '../config.js';
import { Builder } from '../build/executor.js';
import { containerStepRunner, removeLeftoverSteps } from '../container/build-runner.js';
import { ExecSessions } from '../container/exec-sessions.js';
import { ContainerManager } from '../container/manager.js';
import { ContainerStorage, volumeUsers } from '../container/storage.js';
import { bridgeNetworking, DEFAULT_NETWORK } from '../container/networking.js';
import { NetworkManager } from '../network/index.js';
import { EventBus } from '../events/bus.js';
import { ImageStore } from '../image/image-store.js';
import { OverlaySnapshotter } from '../snapshot/overlay.js';
import { VolumeStore } from '../volume/index.js';
import { writeFileAtomic } from '../store/atomic-json.js';
import { acquireRootLock, type RootLock } from '../store/root-lock.js';
import { createDispatcher } from './dispatch.js';
import { createLogger, type Logger } from './logger.js';
import { Router } from './router.js';
import { routeModules } from './routes/index.js';
import { EMPTY_INVENTORY, type EngineServices, type InventoryCounts, type RouteModule } from './services.js';
import { ENGINE_VERSION } from './version.js';

export interface StartEngineOptions {
  /** Route modules to serve (default: all of routes/index.ts). */
  routes?: readonly RouteModule[];
  /** Where the engine logs (default: appended to config.logFile). */
  logger?: Logger;
  events?: EventBus;
  inventory?: () => Promise<InventoryCounts>;
  /** How long close() waits for requests in flight before cutting connections (default 5 s). */
  shutdownGraceMs?: number;
  /** Run by close() after the server stops accepting, in reverse order (subsystems' own shutdown). */
  onClose?: ReadonlyArray<() => Promise<void>>;
}

export interface EngineHandle {
  readonly config: EngineConfig;
  readonly services: EngineServices;
  /** Stops the engine gracefully; idempotent. */
  close(): Promise<void>;
}

/** Longest unix socket path Linux accepts (sun_path is 108 bytes including the NUL). */
const MAX_SOCKET_PATH = 107;

export async function startEngine(
  config: EngineConfig,
  options: StartEngineOptions = {},
): Promise<EngineHandle> {
  if (Buffer.byteLength(config.socket) > MAX_SOCKET_PATH) {
    throw new BerthError(
      'InvalidArgument',
      `socket path is longer than ${MAX_SOCKET_PATH} bytes: ${config.socket}`,
    );
  }
  // Created here with 0700 (the socket inside is the access control); an existing directory is left as it is.
  await mkdir(config.runDir, { recursive: true, mode: 0o700 });
  await mkdir(path.dirname(config.socket), { recursive: true, mode: 0o700 });
  await mkdir(config.root, { recursive: true, mode: 0o711 });

  const cleanups: Array<() => Promise<void>> = [];
  const undo = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const lock: RootLock = await acquireRootLock(config.root);
    cleanups.push(() => lock.release());

    let logFile: WriteStream | undefined;
    let log = options.logger;
    if (!log) {
      logFile = createWriteStream(config.logFile, { flags: 'a', mode: 0o600 });
      log = createLogger(config.logLevel, [logFile]);
      const file = logFile;
      cleanups.push(() => new Promise<void>((resolve) => file.end(resolve)));
    }

    await removeStaleSocket(config.socket);
    const shutdown = new AbortController();
    const events = options.events ?? new EventBus();
    const images = new ImageStore(config.root);
    const snapshots = new OverlaySnapshotter(config.root);
    // Bridges, rules and DNS responders of the recorded networks come back before any container is adopted.
    const networks = await NetworkManager.open({
      root: config.root,
      bridgePrefix: config.bridgePrefix,
      subnetPool: config.subnetPool,
    });
    cleanups.push(() => networks.shutdown());
    // Without it containers on the default network fail at create, naming the network; the engine still serves.
    await ensureDefaultNetwork(networks).catch((error: unknown) =>
      log.error('creating the default bridge network failed', { error }),
    );
    // A volume is in use while any container's record names it: the manager answers, once it is open.
    let volumeUsersOf = (_name: string): string[] => [];
    const volumes = new VolumeStore({
      root: config.root,
      usersOf: (name) => volumeUsersOf(name),
      onEvent: ({ action, name, attributes }) =>
        events.publish({ type: 'volume', action, actor: { id: name, attributes } }),
    });
    // Adopts containers left running by an earlier engine and cleans half-made ones before serving.
    const containers = await ContainerManager.open({
      config,
      images,
      snapshots,
      events,
      log,
      networking: bridgeNetworking(networks, log),
      storage: new ContainerStorage({ volumes, events, log }),
    });
    volumeUsersOf = (name) => volumeUsers(containers.all(), name);
    const builder = new Builder({
      root: config.root,
      images,
      snapshots,
      runner: containerStepRunner(containers, images, snapshots),
    });
    await removeLeftoverSteps(containers);
    await builder.recover();
    cleanups.push(() => containers.close());
    const services: EngineServices = {
      config,
      events,
      log,
      version: ENGINE_VERSION,
      engineId: await readOrCreateEngineId(config.root),
      startedAt: new Date(),
      shutdown: shutdown.signal,
      images,
      snapshots,
      containers,
      networks,
      volumes,
      execs: new ExecSessions(containers),
      builder,
      inventory:
        options.inventory ??
        (async () => ({
          ...EMPTY_INVENTORY,
          images: (await images.list()).length,
          containers: containers.counts(),
        })),
    };
    const router = new Router();
    for (const module of options.routes ?? routeModules) module.register(router, services);
    const dispatcher = createDispatcher(router, services);

    const server = http.createServer({ keepAliveTimeout: 30_000 });
    server.on('request', dispatcher.onRequest);
    server.on('upgrade', dispatcher.onUpgrade);
    server.on('clientError', (error, socket) => {
      log.debug('client error', { error });
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    });
    await listen(server, config.socket);
    cleanups.push(() => rm(config.socket, { force: true }));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    await chmod(config.socket, 0o660);

    await writeFile(config.pidFile, `${process.pid}\n`, { mode: 0o644 });
    cleanups.push(() => removePidFileIfOurs(config.pidFile));
    log.info('engine started', {
      pid: process.pid,
      socket: config.socket,
      root: config.root,
      version: ENGINE_VERSION,
    });

    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= (async () => {
        log.info('engine stopping');
        shutdown.abort();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        // Streams end on the shutdown signal and leave their connections idle a moment later: keep closing those.
        server.closeIdleConnections();
        const sweeper = setInterval(() => server.closeIdleConnections(), 25);
        const grace = options.shutdownGraceMs ?? 5000;
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([stopped, new Promise<void>((resolve) => (timer = setTimeout(resolve, grace)))]);
        clearTimeout(timer);
        clearInterval(sweeper);
        server.closeAllConnections();
        for (const socket of dispatcher.upgradedSockets) socket.destroy();
        await stopped;
        for (const hook of [...(options.onClose ?? [])].reverse()) {
          await hook().catch((error: unknown) => log.error('shutdown step failed', { error }));
        }
        // Containers keep running: only the engine's watchers on them end.
        await containers.close().catch((error: unknown) => log.error('closing containers failed', { error }));
        await networks.shutdown().catch((error: unknown) => log.error('closing networks failed', { error }));
        await rm(config.socket, { force: true });
        await removePidFileIfOurs(config.pidFile);
        log.info('engine stopped');
        if (logFile) {
          const file = logFile;
          await new Promise<void>((resolve) => file.end(resolve));
        }
        await lock.release();
      })();
      return closing;
    };
    return { config, services, close };
  } catch (error) {
    await undo();
    throw error;
  }
}

/** The network containers join by default (Docker's `bridge`), made on the engine's first start. */
async function ensureDefaultNetwork(networks: NetworkManager): Promise<void> {
  if (networks.list().some((n) => n.name === DEFAULT_NETWORK)) return;
  await networks.createNetwork({ name: DEFAULT_NETWORK });
}

/** A socket file left by an engine that died is removed; one that still answers belongs to a live engine. */
async function removeStaleSocket(socket: string): Promise<void> {
  const alive = await new Promise<boolean>((resolve) => {
    const probe = net.connect(socket);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (alive) throw new BerthError('Conflict', `another engine is serving ${socket}`);
  await rm(socket, { force: true });
}

function listen(server: http.Server, socket: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function readOrCreateEngineId(root: string): Promise<string> {
  const file = path.join(root, 'engine-id');
  try {
    const id = (await readFile(file, 'utf8')).trim();
    if (id !== '') return id;
  } catch {
    // first start on this root
  }
  const id = randomUUID();
  await writeFileAtomic(file, `${id}\n`);
  return id;
}

async function removePidFileIfOurs(pidFile: string): Promise<void> {
  const content = await readFile(pidFile, 'utf8').catch(() => '');
  if (content.trim() === String(process.pid)) await rm(pidFile, { force: true });
}
