import { describe, expect, it } from 'vitest';
import type { Project, Service } from '../model/types.js';
import { buildServiceGraph, formatCycle } from './graph.js';

function project(services: Record<string, Partial<Service>>, extra: Partial<Project> = {}): Project {
  return {
    name: 'demo',
    workingDir: '/app',
    configFiles: [],
    environment: new Map(),
    services: Object.fromEntries(Object.entries(services).map(([name, s]) => [name, { name, ...s }])),
    networks: {},
    volumes: {},
    secrets: {},
    configs: {},
    models: {},
    extensions: {},
    ...extra,
  };
}

const started = { condition: 'service_started', required: true } as const;

/** A promise with its resolve/reject exposed, so tests decide when each visit ends. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** A fake visit recording start order and holding each visit until the test finishes it. */
function recorder() {
  const started: string[] = [];
  const pending = new Map<string, ReturnType<typeof deferred>>();
  let running = 0;
  let maxRunning = 0;
  const visit = (name: string) => {
    started.push(name);
    running++;
    maxRunning = Math.max(maxRunning, running);
    const d = deferred();
    pending.set(name, d);
    return d.promise.finally(() => {
      running--;
    });
  };
  return {
    visit,
    started,
    finish: async (name: string) => {
      pending.get(name)?.resolve();
      await flush();
    },
    fail: async (name: string, error: unknown) => {
      pending.get(name)?.reject(error);
      await flush();
    },
    get maxRunning() {
      return maxRunning;
    },
  };
}

//   web -> api -> db
//   web -> cache
//   worker -> db
const app = project({
  web: { depends_on: { api: started, cache: started } },
  api: { depends_on: { db: started } },
  cache: {},
  db: {},
  worker: { links: ['db:database'] },
});

describe('buildServiceGraph', () => {
  it('collects declared and implied dependencies', () => {
    const graph = buildServiceGraph(
      project({
        a: {
          network_mode: 'service:b',
          volumes_from: ['c:ro', 'container:x'],
          ipc: 'service:d',
          pid: 'host',
        },
        b: {},
        c: {},
        d: { depends_on: { ghost: started } },
      }),
    );
    expect(graph.services).toEqual(['a', 'b', 'c', 'd']);
    expect(graph.dependenciesOf('a')).toEqual(['b', 'c', 'd']);
    expect(graph.dependenciesOf('d')).toEqual([]);
    expect(graph.dependentsOf('b')).toEqual(['a']);
  });

  it('knows the networks and named volumes each service uses', () => {
    const graph = buildServiceGraph(
      project(
        {
          web: {
            networks: { front: null, default: null },
            volumes: [
              { type: 'volume', source: 'data', target: '/data' },
              { type: 'bind', source: '/src', target: '/src' },
              { type: 'volume', target: '/anon' },
            ],
          },
          db: { networks: { back: null } },
        },
        {
          networks: {
            front: { name: 'demo_front' },
            back: { name: 'demo_back' },
            default: { name: 'demo_default' },
          },
          volumes: { data: { name: 'demo_data' } },
        },
      ),
    );
    expect(graph.networksOf('web')).toEqual(['default', 'front']);
    expect(graph.volumesOf('web')).toEqual(['data']);
    expect(graph.networks()).toEqual(['back', 'default', 'front']);
    expect(graph.volumes()).toEqual(['data']);
  });

  it('gives transitive subsets', () => {
    const graph = buildServiceGraph(app);
    expect(graph.withDependencies(['web'])).toEqual(['api', 'cache', 'db', 'web']);
    expect(graph.withDependents(['db'])).toEqual(['api', 'db', 'web', 'worker']);
    const sub = graph.subset(['web', 'api']);
    expect(sub.services).toEqual(['api', 'web']);
    expect(sub.dependenciesOf('web')).toEqual(['api']);
    expect(() => graph.withDependencies(['nope'])).toThrow('no such service: nope');
  });

  it('finds cycles and renders them', () => {
    expect(buildServiceGraph(app).findCycle()).toBeUndefined();
    const cyclic = buildServiceGraph(
      project({
        a: { depends_on: { b: started } },
        b: { depends_on: { c: started } },
        c: { depends_on: { a: started } },
      }),
    );
    const cycle = cyclic.findCycle();
    expect(cycle).toEqual(['a', 'b', 'c', 'a']);
    expect(formatCycle(cycle ?? [])).toBe('a -> b -> c -> a');
    expect(buildServiceGraph(project({ s: { depends_on: { s: started } } })).findCycle()).toEqual(['s', 's']);
  });
});

describe('traverse', () => {
  it('visits dependencies first, each as soon as it is unlocked', async () => {
    const r = recorder();
    const done = buildServiceGraph(app).traverse('dependencies-first', r.visit);
    await flush();
    expect(r.started).toEqual(['cache', 'db']);
    await r.finish('db');
    expect(r.started).toEqual(['cache', 'db', 'api', 'worker']);
    await r.finish('api');
    expect(r.started).toEqual(['cache', 'db', 'api', 'worker']); // web still waits for cache
    await r.finish('cache');
    expect(r.started).toEqual(['cache', 'db', 'api', 'worker', 'web']);
    await r.finish('worker');
    await r.finish('web');
    await expect(done).resolves.toBeUndefined();
  });

  it('visits dependents first in the reverse order', async () => {
    const r = recorder();
    const done = buildServiceGraph(app).traverse('dependents-first', r.visit);
    await flush();
    expect(r.started).toEqual(['web', 'worker']);
    await r.finish('web');
    expect(r.started).toEqual(['web', 'worker', 'api', 'cache']);
    await r.finish('api');
    expect(r.started).toEqual(['web', 'worker', 'api', 'cache']); // db waits for worker
    await r.finish('worker');
    expect(r.started).toEqual(['web', 'worker', 'api', 'cache', 'db']);
    await r.finish('cache');
    await r.finish('db');
    await expect(done).resolves.toBeUndefined();
  });

  it('never runs more visits than the concurrency cap', async () => {
    const wide = project(Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((n) => [n, {}])));
    const r = recorder();
    const done = buildServiceGraph(wide).traverse('dependencies-first', r.visit, { concurrency: 2 });
    await flush();
    expect(r.started).toEqual(['a', 'b']);
    await r.finish('b');
    expect(r.started).toEqual(['a', 'b', 'c']);
    await r.finish('a');
    await r.finish('c');
    await r.finish('d');
    await r.finish('e');
    await expect(done).resolves.toBeUndefined();
    expect(r.started).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(r.maxRunning).toBe(2);
  });

  it('stops scheduling on the first error, waits for running visits, then rethrows', async () => {
    const r = recorder();
    const done = buildServiceGraph(app).traverse('dependencies-first', r.visit);
    let settled = false;
    void done.then(
      () => (settled = true),
      () => (settled = true),
    );
    await flush();
    await r.fail('db', new Error('db failed'));
    expect(settled).toBe(false); // cache is still running
    await r.finish('cache');
    await expect(done).rejects.toThrow('db failed');
    expect(r.started).toEqual(['cache', 'db']); // api never started after db failed
  });

  it('turns a synchronous throw into a rejection', async () => {
    const graph = buildServiceGraph(project({ a: {} }));
    await expect(
      graph.traverse('dependencies-first', () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
  });

  it('stops scheduling on abort', async () => {
    const r = recorder();
    const controller = new AbortController();
    const done = buildServiceGraph(app).traverse('dependencies-first', r.visit, {
      signal: controller.signal,
    });
    await flush();
    controller.abort(new Error('cancelled by user'));
    await r.finish('db');
    await r.finish('cache');
    await expect(done).rejects.toThrow('cancelled by user');
    expect(r.started).toEqual(['cache', 'db']);
  });

  it('refuses to walk a cycle', async () => {
    const cyclic = buildServiceGraph(project({ a: { depends_on: { b: started } }, b: { links: ['a'] } }));
    await expect(cyclic.traverse('dependencies-first', async () => {})).rejects.toThrow(
      'dependency cycle detected: a -> b -> a',
    );
  });
});
