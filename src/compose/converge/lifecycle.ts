// The verbs that act on a project's existing containers: start and unpause in dependency order, stop, kill,
// pause and rm with dependents first, restart as stop then start (with the dependants that ask for it through
// depends_on restart: true). Each works on the named services (all when none is named) and reports per
// container; start runs post_start hooks, stop and restart run pre_stop hooks first.
import { BerthError } from '../../shared/errors.js';
import { ServiceGraph } from '../graph/graph.js';
import type { Project } from '../model/types.js';
import type { ComposeEngine } from './engine.js';
import { runPostStart, runPreStop } from './hooks.js';
import { observedContainer, type ObservedContainer } from './plan.js';
import type { Reporter } from './reporter.js';

export interface Selection {
  services: readonly string[];
}

/** The project's service containers (one-offs left out), grouped by service. */
export async function projectContainers(
  project: Project,
  engine: ComposeEngine,
  selection: Selection,
): Promise<ObservedContainer[]> {
  for (const service of selection.services)
    if (!(service in project.services)) throw new BerthError('NotFound', `no such service: ${service}`);
  return (await engine.containers(project.name))
    .map((summary) => observedContainer(summary, project.name))
    .filter((c): c is ObservedContainer => c !== undefined && !c.oneoff)
    .filter((c) => selection.services.length === 0 || selection.services.includes(c.service))
    .sort((a, b) => a.service.localeCompare(b.service) || a.number - b.number);
}

type Act = (container: ObservedContainer) => Promise<void>;

async function walk(
  project: Project,
  containers: readonly ObservedContainer[],
  order: 'dependencies-first' | 'dependents-first',
  act: Act,
): Promise<void> {
  const graph = ServiceGraph.fromProject(project);
  await graph.traverse(order, async (service) => {
    await Promise.all(containers.filter((c) => c.service === service).map(act));
  });
  // Containers of services the file no longer has (orphans) are not walked by the graph.
  const known = new Set(graph.services);
  await Promise.all(containers.filter((c) => !known.has(c.service)).map(act));
}

function reported(reporter: Reporter, doing: string, done: string, action: Act): Act {
  return async (container) => {
    reporter.event('Container', container.name, doing);
    await action(container);
    reporter.event('Container', container.name, done);
  };
}

export async function startServices(
  project: Project,
  engine: ComposeEngine,
  selection: Selection,
  reporter: Reporter,
) {
  const containers = await projectContainers(project, engine, selection);
  if (containers.length === 0)
    throw new BerthError('NotFound', 'no containers to start: run `berth up` first');
  await walk(
    project,
    containers,
    'dependencies-first',
    reported(reporter, 'Starting', 'Started', async (c) => {
      await engine.start(c.id);
      const service = project.services[c.service];
      if (service !== undefined) await runPostStart(engine, service, c, reporter);
    }),
  );
}

export async function stopServices(
  project: Project,
  engine: ComposeEngine,
  selection: Selection & { timeout?: number },
  reporter: Reporter,
) {
  const containers = await projectContainers(project, engine, selection);
  await walk(
    project,
    containers,
    'dependents-first',
    reported(reporter, 'Stopping', 'Stopped', async (c) => {
      await runPreStop(engine, project.services[c.service], c, reporter);
      await engine.stop(c.id, selection.timeout);
    }),
  );
}

export async function restartServices(
  project: Project,
  engine: ComposeEngine,
  selection: Selection & { timeout?: number },
  reporter: Reporter,
) {
  // Dependants that ask for it (depends_on restart: true) are restarted after the services named.
  const services =
    selection.services.length === 0
      ? []
      : restartCascade(project, selection.services).filter((name) => !selection.services.includes(name));
  const containers = await projectContainers(project, engine, {
    services: selection.services.length === 0 ? [] : [...selection.services, ...services],
  });
  await walk(
    project,
    containers,
    'dependencies-first',
    reported(reporter, 'Restarting', 'Started', async (c) => {
      const service = project.services[c.service];
      await runPreStop(engine, service, c, reporter);
      await engine.restart(c.id, selection.timeout);
      if (service !== undefined) await runPostStart(engine, service, c, reporter);
    }),
  );
}

export async function killServices(
  project: Project,
  engine: ComposeEngine,
  selection: Selection & { signal?: string },
  reporter: Reporter,
) {
  const containers = (await projectContainers(project, engine, selection)).filter(
    (c) => c.state === 'running' || c.state === 'paused',
  );
  await walk(
    project,
    containers,
    'dependents-first',
    reported(reporter, 'Killing', 'Killed', (c) => engine.kill(c.id, selection.signal)),
  );
}

export async function pauseServices(
  project: Project,
  engine: ComposeEngine,
  selection: Selection,
  reporter: Reporter,
) {
  const containers = (await projectContainers(project, engine, selection)).filter(
    (c) => c.state === 'running',
  );
  await walk(
    project,
    containers,
    'dependents-first',
    reported(reporter, 'Pausing', 'Paused', (c) => engine.pause(c.id)),
  );
}

export async function unpauseServices(
  project: Project,
  engine: ComposeEngine,
  selection: Selection,
  reporter: Reporter,
) {
  const containers = (await projectContainers(project, engine, selection)).filter(
    (c) => c.state === 'paused',
  );
  await walk(
    project,
    containers,
    'dependencies-first',
    reported(reporter, 'Unpausing', 'Unpaused', (c) => engine.unpause(c.id)),
  );
}

/** `rm`: stopped containers (running ones too with `stop`), their anonymous volumes with `volumes`. */
export async function removeServices(
  project: Project,
  engine: ComposeEngine,
  selection: Selection & { stop?: boolean; volumes?: boolean },
  reporter: Reporter,
): Promise<ObservedContainer[]> {
  let containers = await projectContainers(project, engine, selection);
  if (selection.stop === true) {
    await walk(
      project,
      containers.filter((c) => c.state === 'running' || c.state === 'paused'),
      'dependents-first',
      reported(reporter, 'Stopping', 'Stopped', async (c) => {
        await runPreStop(engine, project.services[c.service], c, reporter);
        await engine.stop(c.id);
      }),
    );
    containers = await projectContainers(project, engine, selection);
  }
  const removable = containers.filter(
    (c) => c.state !== 'running' && c.state !== 'paused' && c.state !== 'restarting',
  );
  await walk(
    project,
    removable,
    'dependents-first',
    reported(reporter, 'Removing', 'Removed', (c) =>
      engine.remove(c.id, { volumes: selection.volumes === true }),
    ),
  );
  return removable;
}

/**
 * The services restarted with `names`: themselves and, transitively, every service that depends on one of them
 * with `restart: true`.
 */
export function restartCascade(project: Project, names: readonly string[]): string[] {
  const result = new Set(names);
  let grew = true;
  while (grew) {
    grew = false;
    for (const service of Object.values(project.services)) {
      if (result.has(service.name)) continue;
      const follows = Object.entries(service.depends_on ?? {}).some(
        ([dependency, spec]) => spec.restart === true && result.has(dependency),
      );
      if (follows) {
        result.add(service.name);
        grew = true;
      }
    }
  }
  return [...result];
}
