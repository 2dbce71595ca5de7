// `up`: images, networks and volumes first, then every service's containers in dependency order — as many at
// once as the graph and the concurrency cap allow — each service waiting for what its depends_on asks.
// Invariant: a container is created under a temporary name and only replaces the old one once it exists, so a
// failed recreate leaves the running container in place.
import { BerthError, isBerthError, messageOf } from '../../shared/errors.js';
import { missingImageHint } from '../../shared/missing-image.js';
import type { ContainerCreateRequest, ContainerInspect, MountSpec } from '../../engine/api/containers.js';
import { ServiceGraph } from '../graph/graph.js';
import { serviceConfigHash } from '../model/hash.js';
import type { Project, Service } from '../model/types.js';
import { containerCreateRequest, type ResolvedNames } from '../create/container-request.js';
import { networkLabels, serviceImage, volumeLabels } from '../create/labels.js';
import { buildServices } from './build.js';
import { waitForCondition, withLastOutput } from './conditions.js';
import { runPostStart, runPreStart, runPreStop } from './hooks.js';
import type { ComposeEngine } from './engine.js';
import { observedContainer, planUp, type ObservedContainer, type Plan } from './plan.js';
import type { Reporter } from './reporter.js';

export interface UpOptions {
  forceRecreate?: boolean;
  noRecreate?: boolean;
  noStart?: boolean;
  removeOrphans?: boolean;
  /** Replica counts overriding scale / deploy.replicas (`--scale web=3`). */
  scale?: Readonly<Record<string, number>>;
  pull?: 'always' | 'missing' | 'never';
  /** `--build`: build every service that has a build section, even when its image exists. */
  build?: boolean;
  /** `--no-build`: never build; a missing image of a buildable service is an error. */
  noBuild?: boolean;
  /** Seconds given to containers to stop when they are replaced or removed. */
  stopTimeout?: number;
  /** `--wait`: return once every container runs (healthy when it has a healthcheck). */
  wait?: boolean;
  concurrency?: number;
  signal?: AbortSignal;
}

export interface ServiceContainers {
  service: string;
  containers: Array<{ id: string; name: string }>;
}

export function replicasOf(service: Service, scale: Readonly<Record<string, number>> = {}): number {
  return scale[service.name] ?? service.scale ?? service.deploy?.replicas ?? 1;
}

export async function up(
  project: Project,
  engine: ComposeEngine,
  options: UpOptions,
  reporter: Reporter,
): Promise<ServiceContainers[]> {
  const graph = ServiceGraph.fromProject(project);
  const cycle = graph.findCycle();
  if (cycle !== undefined)
    throw new BerthError('InvalidArgument', `dependency cycle between services: ${cycle.join(' → ')}`);
  const images = await ensureImages(project, engine, options, reporter);
  const observed = {
    containers: (await engine.containers(project.name))
      .map((summary) => observedContainer(summary, project.name))
      .filter((container): container is ObservedContainer => container !== undefined),
    networks: await existing(
      Object.values(project.networks).map((n) => n.name),
      (name) => engine.networkExists(name),
    ),
    volumes: await existing(
      Object.values(project.volumes).map((v) => v.name),
      (name) => engine.volumeExists(name),
    ),
  };
  const desired = Object.values(project.services).map((service) => ({
    name: service.name,
    replicas: replicasOf(service, options.scale),
    configHash: serviceConfigHash(service),
    imageId: images.get(service.name)?.imageId ?? '',
  }));
  const plan = planUp(project, desired, observed, options);
  await createNetworks(project, plan, engine, reporter);
  await createVolumes(project, plan, engine, reporter);
  for (const orphan of plan.orphans) {
    if (options.removeOrphans === true) await removeContainer(engine, orphan, options, reporter);
    else
      reporter.warn(
        `Found orphan containers ([${orphan.name}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.`,
      );
  }

  const results = new Map<string, ServiceContainers>();
  const names = resolvedNames(project, results, observed.containers);
  // Services whose containers were created, recreated or (re)started by this run: their dependants that ask
  // for it (depends_on restart: true) are restarted after them.
  const changed = new Set<string>();
  // Services that failed but that only optional (required: false) dependants wait for: warned about.
  const failed = new Map<string, unknown>();
  await graph.traverse(
    'dependencies-first',
    async (serviceName) => {
      try {
        await convergeService(serviceName);
      } catch (error) {
        if (!isBerthError(error, 'Cancelled') && onlyOptionallyNeeded(project, serviceName)) {
          failed.set(serviceName, error);
          reporter.warn(`service "${serviceName}" failed to start: ${messageOf(error)}`);
          return;
        }
        throw error;
      }
    },
    {
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    },
  );

  async function convergeService(serviceName: string): Promise<void> {
    const service = project.services[serviceName] as Service;
    // Nothing starts with --no-start, so no condition can be met: only the creation order matters.
    if (options.noStart !== true)
      await waitForDependencies(project, service, engine, results, failed, reporter, options.signal);
    const restartKept =
      options.noStart !== true &&
      Object.entries(service.depends_on ?? {}).some(
        ([dependency, spec]) => spec.restart === true && changed.has(dependency),
      );
    const servicePlan = plan.services.find((entry) => entry.service === serviceName);
    const image = images.get(serviceName) as { image: string; imageId: string };
    const containers: Array<{ id: string; name: string; number: number }> = [];
    for (const step of servicePlan?.steps ?? []) {
      switch (step.kind) {
        case 'keep':
          containers.push({ id: step.container.id, name: step.container.name, number: step.number });
          if (restartKept) {
            await restartForDependency(engine, service, step.container, options, reporter);
            changed.add(serviceName);
          } else reporter.event('Container', step.container.name, 'Running');
          break;
        case 'start':
          await startReported(engine, service, step.container.id, step.container.name, reporter);
          changed.add(serviceName);
          containers.push({ id: step.container.id, name: step.container.name, number: step.number });
          break;
        case 'remove':
          await removeContainer(engine, step.container, options, reporter, service);
          break;
        case 'create':
        case 'recreate': {
          const previous = step.kind === 'recreate' ? step.container : undefined;
          const created = await createContainer(
            project,
            service,
            step.number,
            image,
            names,
            engine,
            options,
            reporter,
            previous,
          );
          containers.push({ ...created, number: step.number });
          if (options.noStart !== true) changed.add(serviceName);
          break;
        }
      }
    }
    containers.sort((a, b) => a.number - b.number);
    results.set(serviceName, {
      service: serviceName,
      containers: containers.map(({ id, name }) => ({ id, name })),
    });
  }
  const ordered = Object.keys(project.services)
    .filter((name) => !failed.has(name))
    .map((name) => results.get(name) as ServiceContainers);
  if (options.wait === true && options.noStart !== true)
    await waitRunning(project, engine, ordered, reporter, options.signal);
  return ordered;
}

/**
 * Creates the project's networks and volumes that do not exist yet (external ones must exist): what `run` needs
 * when it brings up no other service.
 */
export async function ensureResources(
  project: Project,
  engine: ComposeEngine,
  reporter: Reporter,
): Promise<void> {
  const observed = {
    containers: [],
    networks: await existing(
      Object.values(project.networks).map((n) => n.name),
      (name) => engine.networkExists(name),
    ),
    volumes: await existing(
      Object.values(project.volumes).map((v) => v.name),
      (name) => engine.volumeExists(name),
    ),
  };
  const plan = planUp(project, [], observed);
  await createNetworks(project, plan, engine, reporter);
  await createVolumes(project, plan, engine, reporter);
}

async function existing(names: string[], exists: (name: string) => Promise<boolean>): Promise<Set<string>> {
  const found = await Promise.all(names.map(async (name) => ((await exists(name)) ? name : undefined)));
  return new Set(found.filter((name): name is string => name !== undefined));
}

async function ensureImages(
  project: Project,
  engine: ComposeEngine,
  options: UpOptions,
  reporter: Reporter,
): Promise<Map<string, { image: string; imageId: string }>> {
  const images = new Map<string, { image: string; imageId: string }>();
  const toBuild: Service[] = [];
  await Promise.all(
    Object.values(project.services).map(async (service) => {
      const image = serviceImage(project, service);
      const policy = service.pull_policy ?? options.pull ?? 'missing';
      const buildable = service.build !== undefined && options.noBuild !== true;
      const forceBuild = buildable && (options.build === true || policy === 'build');
      let imageId = policy === 'always' || forceBuild ? undefined : await engine.imageId(image);
      if (imageId !== undefined) {
        images.set(service.name, { image, imageId });
        return;
      }
      if (forceBuild || (buildable && service.image === undefined)) {
        toBuild.push(service);
        return;
      }
      if (service.image === undefined || policy === 'build')
        throw new BerthError('FailedPrecondition', `service "${service.name}" has no image ${image}`, {
          hint:
            options.noBuild === true
              ? 'run without --no-build so it is built, or build it with berth build'
              : `set image: or build: in the service`,
        });
      if (policy === 'never')
        throw new BerthError(
          'NotFound',
          `service "${service.name}": image ${image} is not present and pull_policy is never`,
          { hint: missingImageHint(image) },
        );
      reporter.event('Image', image, 'Pulling');
      try {
        await engine.pull(image);
      } catch (error) {
        // As Docker Compose does: an image that cannot be pulled is built when the service can build it.
        if (buildable) {
          reporter.event('Image', image, 'Pull failed, building');
          toBuild.push(service);
          return;
        }
        throw new BerthError(
          'NotFound',
          `service "${service.name}": cannot pull image ${image}: ${messageOf(error)}`,
          {
            cause: error,
            hint: isBerthError(error) ? error.hint : undefined,
          },
        );
      }
      reporter.event('Image', image, 'Pulled');
      imageId = await engine.imageId(image);
      if (imageId === undefined)
        throw new BerthError('NotFound', `service "${service.name}": image ${image} not found after pull`);
      images.set(service.name, { image, imageId });
    }),
  );
  if (toBuild.length > 0) {
    const built = await buildServices(
      project,
      toBuild,
      engine,
      options.signal === undefined ? {} : { signal: options.signal },
      reporter,
    );
    for (const service of toBuild) {
      const imageId = built.get(service.name);
      if (imageId !== undefined) images.set(service.name, { image: serviceImage(project, service), imageId });
    }
  }
  return images;
}

async function createNetworks(
  project: Project,
  plan: Plan,
  engine: ComposeEngine,
  reporter: Reporter,
): Promise<void> {
  for (const [key, network] of Object.entries(project.networks)) {
    if (!plan.networks.includes(network.name)) continue;
    reporter.event('Network', network.name, 'Creating');
    const ipam = network.ipam?.config?.map((entry) => ({
      ...(entry.subnet === undefined ? {} : { Subnet: entry.subnet }),
      ...(entry.gateway === undefined ? {} : { Gateway: entry.gateway }),
      ...(entry.ip_range === undefined ? {} : { IPRange: entry.ip_range }),
    }));
    await engine.createNetwork({
      Name: network.name,
      Driver: network.driver ?? 'bridge',
      Internal: network.internal === true,
      Attachable: network.attachable === true,
      EnableIPv6: network.enable_ipv6 === true,
      Options: { ...(network.driver_opts ?? {}) },
      Labels: networkLabels(project, key, network.labels),
      ...(ipam === undefined ? {} : { IPAM: { Config: ipam } }),
    });
    reporter.event('Network', network.name, 'Created');
  }
}

async function createVolumes(
  project: Project,
  plan: Plan,
  engine: ComposeEngine,
  reporter: Reporter,
): Promise<void> {
  for (const [key, volume] of Object.entries(project.volumes)) {
    if (!plan.volumes.includes(volume.name)) continue;
    reporter.event('Volume', volume.name, 'Creating');
    await engine.createVolume({
      Name: volume.name,
      Driver: volume.driver ?? 'local',
      DriverOpts: { ...(volume.driver_opts ?? {}) },
      Labels: volumeLabels(project, key, volume.labels),
    });
    reporter.event('Volume', volume.name, 'Created');
  }
}

function resolvedNames(
  project: Project,
  results: ReadonlyMap<string, ServiceContainers>,
  observed: readonly ObservedContainer[],
): ResolvedNames {
  return {
    network: (key) => project.networks[key]?.name ?? key,
    volume: (key) => project.volumes[key]?.name ?? key,
    serviceContainer: (service) =>
      results.get(service)?.containers[0]?.name ??
      observed.find((container) => container.service === service)?.name ??
      `${project.name}-${service}-1`,
  };
}

/** Whether every dependant that names the service does so with `required: false` (and at least one does). */
export function onlyOptionallyNeeded(project: Project, serviceName: string): boolean {
  const specs = Object.values(project.services)
    .map((other) => other.depends_on?.[serviceName])
    .filter((spec) => spec !== undefined);
  return specs.length > 0 && specs.every((spec) => !spec.required);
}

async function waitForDependencies(
  project: Project,
  service: Service,
  engine: ComposeEngine,
  results: ReadonlyMap<string, ServiceContainers>,
  failed: ReadonlyMap<string, unknown>,
  reporter: Reporter,
  signal?: AbortSignal,
): Promise<void> {
  await Promise.all(
    Object.entries(service.depends_on ?? {}).map(async ([name, dependency]) => {
      const target = results.get(name);
      // Left out on purpose (`up --no-deps`): not this run's business.
      if (target === undefined && project.disabledServices?.[name] !== undefined) return;
      if (target === undefined) {
        if (dependency.required)
          throw new BerthError(
            'NotFound',
            failed.has(name)
              ? `service "${service.name}" depends on service "${name}", which failed to start`
              : `service "${service.name}" depends on undefined service "${name}"`,
            failed.has(name) ? { cause: failed.get(name) } : {},
          );
        reporter.warn(
          failed.has(name)
            ? `service "${service.name}": optional dependency "${name}" failed to start, going on without it`
            : `service "${service.name}": optional dependency "${name}" is not part of the project, going on without it`,
        );
        return;
      }
      try {
        await waitForCondition(engine, target, dependency.condition, signal);
      } catch (error) {
        if (!dependency.required && !isBerthError(error, 'Cancelled')) {
          reporter.warn(
            `service "${service.name}": optional dependency "${name}" did not become ${dependency.condition.replace('service_', '')}: ${messageOf(error)}`,
          );
          return;
        }
        throw error;
      }
    }),
  );
}

/** depends_on restart: true — a kept container restarted because a dependency was recreated or restarted. */
async function restartForDependency(
  engine: ComposeEngine,
  service: Service,
  container: ObservedContainer,
  options: UpOptions,
  reporter: Reporter,
): Promise<void> {
  await runPreStop(engine, service, container, reporter);
  reporter.event('Container', container.name, 'Restarting');
  await engine.restart(container.id, options.stopTimeout);
  reporter.event('Container', container.name, 'Restarted');
  await runPostStart(engine, service, container, reporter);
}

async function createContainer(
  project: Project,
  service: Service,
  number: number,
  image: { image: string; imageId: string },
  names: ResolvedNames,
  engine: ComposeEngine,
  options: UpOptions,
  reporter: Reporter,
  previous: ObservedContainer | undefined,
): Promise<{ id: string; name: string }> {
  const { name, body } = containerCreateRequest({
    project,
    service,
    number,
    configHash: serviceConfigHash(service),
    image: image.image,
    imageId: image.imageId,
    names,
  });
  if (previous === undefined) {
    reporter.event('Container', name, 'Creating');
    const id = await engine.createContainer(name, body);
    reporter.event('Container', name, 'Created');
    if (options.noStart !== true) {
      await preStartOrRemove(engine, service, { id, name, number, body }, reporter, options.signal);
      await startReported(engine, service, id, name, reporter);
    }
    return { id, name };
  }
  // Recreate: the new container exists before the old one goes; it keeps the old one's anonymous volumes.
  reporter.event('Container', previous.name, 'Recreate');
  const old = await engine.inspect(previous.id);
  const request = withAnonymousVolumesOf(body, old.Mounts ?? []);
  const id = await engine.createContainer(`${previous.id.slice(0, 12)}_${name}`, request);
  try {
    await runPreStop(engine, service, previous, reporter);
    await engine.stop(previous.id, options.stopTimeout);
    await engine.remove(previous.id, { force: true });
    await engine.rename(id, name);
  } catch (error) {
    await engine.remove(id, { force: true }).catch(() => undefined);
    throw error;
  }
  reporter.event('Container', name, 'Recreated');
  if (options.noStart !== true) {
    await preStartOrRemove(engine, service, { id, name, number, body: request }, reporter, options.signal);
    await startReported(engine, service, id, name, reporter);
  }
  return { id, name };
}

/**
 * pre_start steps for a container just created; when one fails the container goes too, so the next `up` creates
 * it again and runs the steps again.
 */
async function preStartOrRemove(
  engine: ComposeEngine,
  service: Service,
  container: { id: string; name: string; number: number; body: ContainerCreateRequest },
  reporter: Reporter,
  signal?: AbortSignal,
): Promise<void> {
  try {
    await runPreStart(engine, service, container, reporter, signal);
  } catch (error) {
    await engine.remove(container.id, { force: true }).catch(() => undefined);
    throw error;
  }
}

async function startReported(
  engine: ComposeEngine,
  service: Service,
  id: string,
  name: string,
  reporter: Reporter,
): Promise<void> {
  reporter.event('Container', name, 'Starting');
  try {
    await engine.start(id);
  } catch (error) {
    reporter.event('Container', name, 'Error');
    throw new BerthError(
      isBerthError(error) ? error.code : 'Internal',
      `service "${service.name}": container ${name} cannot start: ${messageOf(error)}`,
      { cause: error, ...(isBerthError(error) && error.hint !== undefined ? { hint: error.hint } : {}) },
    );
  }
  reporter.event('Container', name, 'Started');
  await runPostStart(engine, service, { id, name }, reporter);
}

/** The old container's anonymous volumes, mounted again at the same targets (as Docker Compose keeps them). */
function withAnonymousVolumesOf(
  body: ContainerCreateRequest,
  oldMounts: ReadonlyArray<{ Type?: string; Name?: string; Destination?: string; RW?: boolean }>,
): ContainerCreateRequest {
  const mounts: MountSpec[] = [...(body.HostConfig?.Mounts ?? [])];
  const named = new Set(
    mounts.filter((m) => m.Type !== 'volume' || m.Source !== undefined).map((m) => m.Target),
  );
  for (const bind of body.HostConfig?.Binds ?? []) named.add(bind.split(':')[1] ?? '');
  for (const old of oldMounts) {
    if (old.Type !== 'volume' || old.Name === undefined || old.Destination === undefined) continue;
    if (named.has(old.Destination) || !/^[0-9a-f]{64}$/.test(old.Name)) continue;
    const index = mounts.findIndex((m) => m.Target === old.Destination);
    const reuse: MountSpec = {
      Type: 'volume',
      Source: old.Name,
      Target: old.Destination,
      ReadOnly: old.RW === false,
    };
    if (index >= 0) mounts[index] = reuse;
    else mounts.push(reuse);
  }
  return { ...body, HostConfig: { ...body.HostConfig, Mounts: mounts } };
}

async function removeContainer(
  engine: ComposeEngine,
  container: ObservedContainer,
  options: UpOptions,
  reporter: Reporter,
  service?: Service,
): Promise<void> {
  await runPreStop(engine, service, container, reporter);
  reporter.event('Container', container.name, 'Stopping');
  await engine.stop(container.id, options.stopTimeout).catch(() => undefined);
  reporter.event('Container', container.name, 'Removing');
  await engine.remove(container.id, { force: true });
  reporter.event('Container', container.name, 'Removed');
}

/** How long a container without a healthcheck must stay up for `--wait` to count it as running. */
const SETTLE_MS = 1000;

/**
 * A running container's state once it has been up for SETTLE_MS: one that fails at once (a missing config, a
 * bad command) is caught by `--wait` instead of being reported as running.
 */
async function settled(
  engine: ComposeEngine,
  id: string,
  state: ContainerInspect,
  signal?: AbortSignal,
): Promise<ContainerInspect> {
  const left = Date.parse(state.State?.StartedAt ?? '') + SETTLE_MS - Date.now();
  if (!(left > 0)) return state;
  const window = AbortSignal.timeout(left);
  await engine
    .wait(id, signal === undefined ? window : AbortSignal.any([signal, window]))
    .catch(() => undefined);
  signal?.throwIfAborted();
  return engine.inspect(id);
}

/** `--wait`: every container running, and healthy when it has a healthcheck. */
async function waitRunning(
  project: Project,
  engine: ComposeEngine,
  services: readonly ServiceContainers[],
  reporter: Reporter,
  signal?: AbortSignal,
): Promise<void> {
  await Promise.all(
    services.map(async (entry) => {
      const service = project.services[entry.service] as Service;
      const checked = service.healthcheck !== undefined && service.healthcheck.disable !== true;
      // A one-shot job others wait on to complete may be done already: exit 0 is its success.
      const oneShot = Object.values(project.services).some(
        (other) => other.depends_on?.[entry.service]?.condition === 'service_completed_successfully',
      );
      for (const container of entry.containers) {
        reporter.event('Container', container.name, 'Waiting');
        let state = await engine.inspect(container.id);
        if (state.State?.Health === undefined && !checked && state.State?.Status === 'running') {
          state = await settled(engine, container.id, state, signal);
        }
        if (state.State?.Health !== undefined || checked)
          await waitForCondition(
            engine,
            { service: entry.service, containers: [container] },
            'service_healthy',
            signal,
          );
        else if (oneShot && state.State?.Status === 'exited' && state.State.ExitCode === 0) {
          reporter.event('Container', container.name, 'Exited');
          continue;
        } else if (state.State?.Status !== 'running' && state.State?.Status !== 'restarting') {
          reporter.event('Container', container.name, 'Error');
          throw await withLastOutput(
            engine,
            container,
            `service "${entry.service}": container ${container.name} exited with code ${state.State?.ExitCode ?? '?'}`,
          );
        }
        reporter.event('Container', container.name, checked ? 'Healthy' : 'Running');
      }
    }),
  );
}
