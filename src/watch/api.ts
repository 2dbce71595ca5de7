// What `berth watch` needs from the world, as narrow interfaces the CLI fills in: the engine (containers of a
// service, file sync, restart, exec, events), a rebuild of services, and a reload + converge of the project.
// Tests and the session depend on these only, never on how the engine is reached.
import type { EventMessage } from '../engine/api/events.js';
import type { SyncChange, SyncResult, TreeEntry } from '../engine/api/sync.js';
import type { Project } from '../compose/model/types.js';

export interface ServiceContainer {
  id: string;
  name: string;
  state: string;
  exitCode?: number;
}

export interface ExecSpec {
  command: readonly string[];
  user?: string;
  privileged?: boolean;
  workingDir?: string;
  environment?: readonly string[];
}

/** The engine as watch uses it. */
export interface WatchEngine {
  /** The containers of one service of the project (one-offs left out), running or not. */
  containers(project: string, service: string): Promise<ServiceContainer[]>;
  /** `stopped`: write a container that is not running through its rootfs (a crashed one, before its start). */
  syncFiles(
    id: string,
    changes: Iterable<SyncChange> | AsyncIterable<SyncChange>,
    options?: { stopped?: boolean },
  ): Promise<SyncResult>;
  containerTree(id: string, path: string): Promise<TreeEntry[]>;
  start(id: string): Promise<void>;
  restart(id: string): Promise<void>;
  /** Runs a command in a running container and resolves with its exit code. */
  exec(id: string, spec: ExecSpec): Promise<{ exitCode: number; output: string }>;
  events(options: {
    filters?: Record<string, readonly string[]>;
    signal?: AbortSignal;
  }): AsyncIterable<EventMessage>;
}

/** Builds and recreates services (as `up --build --no-deps <services>`). A failure leaves the old containers. */
export interface Rebuilder {
  rebuild(services: readonly string[]): Promise<void>;
}

/** Loads the project again from its files (throws the loader's file:line error when they are invalid). */
export interface ProjectSource {
  load(): Promise<Project>;
  /** Converges the running stack to `project`: only services whose config hash changed are recreated. */
  converge(project: Project): Promise<void>;
}

export type WatchEventKind = 'sync' | 'rebuild' | 'restart' | 'exec' | 'reload' | 'warn' | 'error' | 'info';

/** Where the session reports what it did; the CLI prints these. */
export interface WatchReporter {
  event(kind: WatchEventKind, service: string | undefined, text: string): void;
}
