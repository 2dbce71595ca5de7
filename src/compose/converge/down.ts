// `down` (and the stop side of other verbs): the project's containers stopped and removed with dependents
// first, then its networks, and with `volumes` its named and anonymous volumes. Containers whose main process
// ignored the stop signal are named: they made `down` wait for the whole grace period.
import { isBerthError } from '../../shared/errors.js';
import { ServiceGraph } from '../graph/graph.js';
import type { Project } from '../model/types.js';
import type { ComposeEngine } from './engine.js';
import { runPreStop } from './hooks.js';
import { observedContainer, type ObservedContainer } from './plan.js';
import type { Reporter } from './reporter.js';

export interface DownOptions {
  volumes?: boolean;
  removeOrphans?: boolean;
  /** Seconds before the stop signal is followed by SIGKILL (each container's own stop_grace_period otherwise). */
  stopTimeout?: number;
  rmi?: 'local' | 'all';
  concurrency?: number;
}

export interface DownResult {
  /** Containers that had to be killed at the end of their grace period. */
  killed: string[];
}

export async function down(
  project: Project,
  engine: ComposeEngine,
  options: DownOptions,
  reporter: Reporter,
): Promise<DownResult> {
  const containers = (await engine.containers(project.name))
    .map((summary) => observedContainer(summary, project.name))
    .filter((container): container is ObservedContainer => container !== undefined);
  const known = new Set(Object.keys(project.services));
  const killed: string[] = [];
  const stopAndRemove = async (container: ObservedContainer): Promise<void> => {
    if (container.state === 'running' || container.state === 'paused' || container.state === 'restarting') {
      await runPreStop(engine, project.services[container.service], container, reporter);
      reporter.event('Container', container.name, 'Stopping');
      const started = Date.now();
      const grace = options.stopTimeout ?? graceSeconds(project, container.service);
      await engine.stop(container.id, options.stopTimeout);
      const exit = await engine.inspect(container.id).catch(() => undefined);
      // Killed at the end of the grace period: SIGKILL's exit status, after waiting about that long.
      if (exit?.State?.ExitCode === 137 && Date.now() - started >= grace * 1000 - 250)
        killed.push(container.name);
      reporter.event('Container', container.name, 'Stopped');
    }
    reporter.event('Container', container.name, 'Removing');
    await engine
      .remove(container.id, { force: true, volumes: options.volumes === true })
      .catch((error: unknown) => {
        if (!isBerthError(error, 'NotFound')) throw error;
      });
    reporter.event('Container', container.name, 'Removed');
  };
  const graph = ServiceGraph.fromProject(project);
  await graph.traverse(
    'dependents-first',
    async (service) => {
      await Promise.all(containers.filter((c) => c.service === service).map(stopAndRemove));
    },
    options.concurrency === undefined ? {} : { concurrency: options.concurrency },
  );
  const orphans = containers.filter((c) => !known.has(c.service));
  if (options.removeOrphans === true) await Promise.all(orphans.map(stopAndRemove));
  else if (orphans.length > 0)
    reporter.warn(
      `Found orphan containers ([${orphans.map((c) => c.name).join(', ')}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.`,
    );

  for (const network of Object.values(project.networks)) {
    if (network.external === true) continue;
    if (!(await engine.networkExists(network.name))) continue;
    reporter.event('Network', network.name, 'Removing');
    await engine.removeNetwork(network.name);
    reporter.event('Network', network.name, 'Removed');
  }
  if (options.volumes === true) {
    for (const volume of Object.values(project.volumes)) {
      if (volume.external === true) continue;
      if (!(await engine.volumeExists(volume.name))) continue;
      reporter.event('Volume', volume.name, 'Removing');
      await engine.removeVolume(volume.name);
      reporter.event('Volume', volume.name, 'Removed');
    }
  }
  if (options.rmi !== undefined) await removeImages(project, engine, options.rmi, reporter);
  for (const name of killed)
    reporter.warn(`container ${name} did not stop on its stop signal within its grace period and was killed`);
  return { killed };
}

function graceSeconds(project: Project, service: string): number {
  const ms = project.services[service]?.stop_grace_period;
  return ms === undefined ? 10 : ms / 1000;
}

/** `--rmi all`: every service's image; `local`: only images without a custom tag (those named after the project). */
async function removeImages(
  project: Project,
  engine: ComposeEngine,
  which: 'local' | 'all',
  reporter: Reporter,
) {
  const images = new Set<string>();
  for (const service of Object.values(project.services)) {
    if (service.image !== undefined && which === 'local') continue;
    images.add(service.image ?? `${project.name}-${service.name}`);
  }
  for (const image of images) {
    if ((await engine.imageId(image)) === undefined) continue;
    reporter.event('Image', image, 'Removing');
    await engine.removeImage(image);
    reporter.event('Image', image, 'Removed');
  }
}
