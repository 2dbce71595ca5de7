// The watch session against a fake engine (recording what it is asked) and real files: a save becomes one
// sync to the rule's target, a stopped service gets its changes when its start event arrives, a crashed one gets
// them in its stopped rootfs and is started, and an invalid project edit is reported without a converge.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventMessage } from '../engine/api/events.js';
import type { SyncChange } from '../engine/api/sync.js';
import type { Project, Service } from '../compose/model/types.js';
import type { ServiceContainer, WatchEngine, WatchEventKind } from './api.js';
import { WatchSession } from './session.js';

class FakeEngine implements WatchEngine {
  containersOf: ServiceContainer[] = [{ id: 'c1', name: 'p-web-1', state: 'running' }];
  readonly syncs: Array<{ id: string; paths: string[]; stopped: boolean }> = [];
  readonly started: string[] = [];
  private readonly queued: EventMessage[] = [];
  private wake: () => void = () => undefined;
  private waiters: Array<() => void> = [];

  async containers() {
    return this.containersOf;
  }
  async syncFiles(
    id: string,
    changes: Iterable<SyncChange> | AsyncIterable<SyncChange>,
    options?: { stopped?: boolean },
  ) {
    const paths: string[] = [];
    for await (const change of changes) paths.push(`${change.op} ${change.path}`);
    this.syncs.push({ id, paths, stopped: options?.stopped === true });
    for (const waiter of this.waiters.splice(0)) waiter();
    return { applied: paths.length, errors: [] };
  }
  async containerTree() {
    return [];
  }
  async start(id: string) {
    this.started.push(id);
  }
  async restart() {}
  async exec() {
    return { exitCode: 0, output: '' };
  }
  async *events(options: { signal?: AbortSignal }) {
    while (!options.signal?.aborted) {
      const next = this.queued.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        options.signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  }
  emit(action: string, id: string, service: string) {
    this.queued.push({
      Type: 'container',
      Action: action,
      Actor: { ID: id, Attributes: { 'com.docker.compose.service': service } },
      scope: 'local',
      time: 0,
      timeNano: 0,
    });
    this.wake();
  }
  /** Resolves at the next sync (event-driven: no sleeping). */
  nextSync(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

function projectAt(dir: string): Project {
  const web: Service = {
    name: 'web',
    image: 'busybox',
    develop: { watch: [{ path: path.join(dir, 'src'), target: '/app', action: 'sync' }] },
  } as Service;
  return {
    name: 'p',
    workingDir: dir,
    configFiles: [path.join(dir, 'compose.yaml')],
    environment: new Map(),
    services: { web },
    networks: {},
    volumes: {},
    secrets: {},
    configs: {},
    models: {},
    extensions: {},
  };
}

describe('WatchSession', () => {
  let dir: string;
  let engine: FakeEngine;
  let session: WatchSession | undefined;
  let events: Array<[WatchEventKind, string | undefined, string]>;
  let loads: number;
  let converged: number;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'berth-watch-session-'));
    await mkdir(path.join(dir, 'src'));
    await writeFile(path.join(dir, 'compose.yaml'), 'services: {}\n');
    engine = new FakeEngine();
    events = [];
    loads = 0;
    converged = 0;
    session = await WatchSession.start({
      project: projectAt(dir),
      engine,
      rebuilder: { rebuild: async () => undefined },
      source: {
        load: async () => {
          loads++;
          throw new Error('compose.yaml:2:3 invalid YAML');
        },
        converge: async () => {
          converged++;
        },
      },
      reporter: { event: (kind, service, text) => events.push([kind, service, text]) },
    });
  });

  afterEach(async () => {
    await session?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('sends a save as one sync to the target', async () => {
    const synced = engine.nextSync();
    await writeFile(path.join(dir, 'src', 'a.js'), 'a');
    await synced;
    expect(engine.syncs).toEqual([{ id: 'c1', paths: ['write /app/a.js'], stopped: false }]);
  });

  it('keeps changes of a stopped service until its start event', async () => {
    engine.containersOf = [{ id: 'c1', name: 'p-web-1', state: 'exited', exitCode: 0 }];
    const kept = new Promise<void>((resolve) => {
      const poll = () =>
        events.some(([, , text]) => text.includes('kept until it starts')) ? resolve() : setImmediate(poll);
      poll();
    });
    await writeFile(path.join(dir, 'src', 'b.js'), 'b');
    await kept;
    expect(engine.syncs).toEqual([]);
    engine.containersOf = [{ id: 'c1', name: 'p-web-1', state: 'running' }];
    const synced = engine.nextSync();
    engine.emit('start', 'c1', 'web');
    await synced;
    expect(engine.syncs).toEqual([{ id: 'c1', paths: ['write /app/b.js'], stopped: false }]);
  });

  it('writes a crashed container through its stopped rootfs, then starts it', async () => {
    engine.containersOf = [{ id: 'c1', name: 'p-web-1', state: 'exited', exitCode: 2 }];
    const synced = engine.nextSync();
    await writeFile(path.join(dir, 'src', 'fix.js'), 'fixed');
    await synced;
    await session?.idle();
    expect(engine.syncs).toEqual([{ id: 'c1', paths: ['write /app/fix.js'], stopped: true }]);
    expect(engine.started).toEqual(['c1']);
  });

  it('reports an invalid project edit and does not converge', async () => {
    await writeFile(path.join(dir, 'compose.yaml'), 'services: [\n');
    await new Promise<void>((resolve) => {
      const poll = () =>
        loads > 0 && events.some(([kind]) => kind === 'error') ? resolve() : setImmediate(poll);
      poll();
    });
    expect(converged).toBe(0);
    expect(events.find(([kind]) => kind === 'error')?.[2]).toContain('compose.yaml:2:3');
  });
});
