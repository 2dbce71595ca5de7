// What route modules are given: the engine's config, its event bus, its logger, and hooks the subsystems fill
// in as they are assembled. A route module registers its routes against these and nothing else, so adding a
// resource is one new file under routes/ plus one line in routes/index.ts.

import type { Builder } from '../build/executor.js';
import type { ContainerManager } from '../container/manager.js';
import type { ExecSessions } from '../container/exec-sessions.js';
import type { ImageStore } from '../image/image-store.js';
import type { NetworkManager } from '../network/index.js';
import type { OverlaySnapshotter } from '../snapshot/overlay.js';
import type { VolumeStore } from '../volume/index.js';
import type { EngineConfig } from '../config.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from './logger.js';
import type { Router } from './router.js';

export interface InventoryCounts {
  containers: { total: number; running: number; paused: number; stopped: number };
  images: number;
}

export interface EngineServices {
  readonly config: EngineConfig;
  readonly events: EventBus;
  readonly log: Logger;
  /** berth's version, reported as the engine version. */
  readonly version: string;
  /** A stable id of this engine's state root (reported as /info ID). */
  readonly engineId: string;
  readonly startedAt: Date;
  /** Aborted when the engine begins to shut down: long-lived streams end themselves on it. */
  readonly shutdown: AbortSignal;
  /** Images, their blobs and unpacked layers. */
  readonly images: ImageStore;
  /** Overlay snapshots: containers' root filesystems. */
  readonly snapshots: OverlaySnapshotter;
  /** Containers: records, lifecycle, attach; running ones are watched (and adopted at engine start). */
  readonly containers: ContainerManager;
  /** Bridge networks, their endpoints and DNS; containers join them through the container manager. */
  readonly networks: NetworkManager;
  /** Named and anonymous volumes of the `local` driver; containers mount them through the container manager. */
  readonly volumes: VolumeStore;
  /** Dockerfile builds, with their step cache; RUN steps are containers of the manager above. */
  readonly builder: Builder;
  /** Exec sessions of running containers. */
  readonly execs: ExecSessions;
  /** Counts for /info; the container and image subsystems provide the real ones. */
  inventory(): Promise<InventoryCounts>;
}

/** A file of routes for one resource (system, containers, images, exec, ...). */
export interface RouteModule {
  readonly name: string;
  register(router: Router, services: EngineServices): void;
}

export const EMPTY_INVENTORY: InventoryCounts = {
  containers: { total: 0, running: 0, paused: 0, stopped: 0 },
  images: 0,
};
