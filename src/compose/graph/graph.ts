// The one dependency graph of a project: services, the services they need (depends_on, links,
// volumes_from, and `service:` namespaces for network_mode/ipc/pid/uts/cgroup), and the networks and
// volumes they use. up, start, stop and down all walk it with traverse(): dependencies first to start,
// dependents first to stop, as many visits at once as the order and the concurrency cap allow.
// Invariant: the graph is immutable; edges only join services that exist in it (references to unknown
// or disabled services are the semantic checks' business, not the walk's).

import { BerthError } from '../../shared/errors.js';
import type { Project, Service } from '../model/types.js';

export type TraversalOrder = 'dependencies-first' | 'dependents-first';

export interface TraverseOptions {
  /** The most visits running at once; absent, 0 or negative means no limit (Compose's `--parallel -1`). */
  readonly concurrency?: number;
  /** Aborting stops scheduling; visits already running are awaited, then the abort reason is thrown. */
  readonly signal?: AbortSignal;
}

interface Node {
  readonly dependencies: ReadonlySet<string>;
  readonly dependents: Set<string>;
  readonly networks: readonly string[];
  readonly volumes: readonly string[];
}

export class ServiceGraph {
  private constructor(private readonly nodes: ReadonlyMap<string, Node>) {}

  static fromProject(project: Project): ServiceGraph {
    const names = new Set(Object.keys(project.services));
    const nodes = new Map<string, Node>();
    for (const name of [...names].sort()) {
      const service = project.services[name] as Service;
      const dependencies = new Set([...directDependencies(service)].filter((d) => names.has(d)));
      nodes.set(name, {
        dependencies,
        dependents: new Set(),
        networks: Object.keys(service.networks ?? {})
          .filter((n) => n in project.networks)
          .sort(),
        volumes: [
          ...new Set(
            (service.volumes ?? [])
              .filter((v) => v.type === 'volume' && v.source !== undefined && v.source in project.volumes)
              .map((v) => v.source as string),
          ),
        ].sort(),
      });
    }
    return ServiceGraph.link(nodes);
  }

  private static link(nodes: Map<string, Node>): ServiceGraph {
    for (const [name, node] of nodes)
      for (const dependency of node.dependencies) nodes.get(dependency)?.dependents.add(name);
    return new ServiceGraph(nodes);
  }

  /** Service names, sorted. */
  get services(): string[] {
    return [...this.nodes.keys()];
  }

  has(name: string): boolean {
    return this.nodes.has(name);
  }

  /** The services `name` needs directly. */
  dependenciesOf(name: string): string[] {
    return [...(this.node(name).dependencies ?? [])].sort();
  }

  /** The services that need `name` directly. */
  dependentsOf(name: string): string[] {
    return [...this.node(name).dependents].sort();
  }

  networksOf(name: string): readonly string[] {
    return this.node(name).networks;
  }

  volumesOf(name: string): readonly string[] {
    return this.node(name).volumes;
  }

  /** The networks used by any service of the graph, sorted. */
  networks(): string[] {
    return [...new Set([...this.nodes.values()].flatMap((n) => n.networks))].sort();
  }

  /** The named volumes used by any service of the graph, sorted. */
  volumes(): string[] {
    return [...new Set([...this.nodes.values()].flatMap((n) => n.volumes))].sort();
  }

  /** `names` and everything they need, transitively (what `up svc` starts). Sorted. */
  withDependencies(names: Iterable<string>): string[] {
    return this.closure(names, (n) => this.node(n).dependencies);
  }

  /** `names` and everything that needs them, transitively (what `stop svc` must stop first). Sorted. */
  withDependents(names: Iterable<string>): string[] {
    return this.closure(names, (n) => this.node(n).dependents);
  }

  /** The graph restricted to `names` (edges to services outside it are dropped). */
  subset(names: Iterable<string>): ServiceGraph {
    const keep = new Set(names);
    for (const name of keep) this.node(name);
    const nodes = new Map<string, Node>();
    for (const [name, node] of this.nodes) {
      if (!keep.has(name)) continue;
      nodes.set(name, {
        ...node,
        dependencies: new Set([...node.dependencies].filter((d) => keep.has(d))),
        dependents: new Set(),
      });
    }
    return ServiceGraph.link(nodes);
  }

  /** A dependency cycle as `[a, b, a]` (a needs b, b needs a), or undefined. Deterministic. */
  findCycle(): string[] | undefined {
    const state = new Map<string, 'visiting' | 'done'>();
    const stack: string[] = [];
    const visit = (name: string): string[] | undefined => {
      state.set(name, 'visiting');
      stack.push(name);
      for (const dependency of this.dependenciesOf(name)) {
        const seen = state.get(dependency);
        if (seen === 'visiting') return [...stack.slice(stack.indexOf(dependency)), dependency];
        if (seen === undefined) {
          const found = visit(dependency);
          if (found) return found;
        }
      }
      stack.pop();
      state.set(name, 'done');
      return undefined;
    };
    for (const name of this.nodes.keys()) {
      if (state.has(name)) continue;
      const found = visit(name);
      if (found) return found;
    }
    return undefined;
  }

  /**
   * Visits every service once, each as soon as its prerequisites (its dependencies, or its dependents
   * for 'dependents-first') have been visited, never more than `concurrency` at once. On the first
   * error or on abort nothing new starts; running visits are awaited, then the error is thrown.
   */
  traverse(
    order: TraversalOrder,
    visit: (name: string) => Promise<void>,
    options: TraverseOptions = {},
  ): Promise<void> {
    const cycle = this.findCycle();
    if (cycle)
      return Promise.reject(
        new BerthError('InvalidArgument', `dependency cycle detected: ${formatCycle(cycle)}`),
      );
    const limit =
      options.concurrency !== undefined && options.concurrency > 0 ? options.concurrency : Infinity;
    const signal = options.signal;
    const prerequisites = (name: string) =>
      order === 'dependencies-first' ? this.node(name).dependencies : this.node(name).dependents;
    const unlocks = (name: string) =>
      order === 'dependencies-first' ? this.node(name).dependents : this.node(name).dependencies;

    const waiting = new Map<string, number>();
    const ready: string[] = [];
    for (const name of this.nodes.keys()) {
      const count = prerequisites(name).size;
      if (count === 0) ready.push(name);
      else waiting.set(name, count);
    }

    return new Promise<void>((resolve, reject) => {
      let running = 0;
      let failure: { error: unknown } | undefined;
      let settled = false;

      const settle = () => {
        if (settled || running > 0) return;
        if (failure === undefined && (ready.length > 0 || waiting.size > 0)) return;
        settled = true;
        signal?.removeEventListener('abort', pump);
        if (failure) reject(failure.error);
        else resolve();
      };

      function pump(): void {
        if (failure === undefined && signal?.aborted) {
          failure = { error: signal.reason ?? new BerthError('Cancelled', 'the operation was cancelled') };
        }
        while (failure === undefined && ready.length > 0 && running < limit) {
          const name = ready.shift() as string;
          running++;
          // The executor runs visit synchronously, so a visit starts the moment it is unlocked,
          // and a synchronous throw becomes a rejection like any other failure.
          new Promise<void>((done) => done(visit(name))).then(
            () => {
              running--;
              for (const next of [...unlocks(name)].sort()) {
                const left = (waiting.get(next) ?? 0) - 1;
                if (left === 0) {
                  waiting.delete(next);
                  ready.push(next);
                } else {
                  waiting.set(next, left);
                }
              }
              pump();
            },
            (error: unknown) => {
              running--;
              if (failure === undefined) failure = { error };
              pump();
            },
          );
        }
        settle();
      }

      signal?.addEventListener('abort', pump);
      pump();
    });
  }

  private node(name: string): Node {
    const node = this.nodes.get(name);
    if (!node) throw new BerthError('NotFound', `no such service: ${name}`);
    return node;
  }

  private closure(names: Iterable<string>, next: (name: string) => Iterable<string>): string[] {
    const seen = new Set<string>();
    const queue = [...names];
    while (queue.length > 0) {
      const name = queue.pop() as string;
      if (seen.has(name)) continue;
      this.node(name);
      seen.add(name);
      queue.push(...next(name));
    }
    return [...seen].sort();
  }
}

export function buildServiceGraph(project: Project): ServiceGraph {
  return ServiceGraph.fromProject(project);
}

/** `a -> b -> a`, as Docker Compose reports cycles. */
export function formatCycle(cycle: readonly string[]): string {
  return cycle.join(' -> ');
}

/** Every service `service` needs, declared or implied (links, volumes_from, `service:` namespaces). */
function directDependencies(service: Service): Set<string> {
  const out = new Set(Object.keys(service.depends_on ?? {}));
  for (const link of service.links ?? []) out.add(link.split(':')[0] ?? link);
  for (const from of service.volumes_from ?? []) {
    if (!from.startsWith('container:')) out.add(from.split(':')[0] ?? from);
  }
  for (const mode of [service.network_mode, service.ipc, service.pid, service.uts, service.cgroup]) {
    if (mode?.startsWith('service:')) out.add(mode.slice('service:'.length));
  }
  return out;
}
