// What `up` must do to bring the engine to the project's desired state: the convergence plan. It compares the
// desired services (config hash, image, replica count) with the containers, networks and volumes found by
// their compose labels, and decides per container: keep, start, create, recreate (config or image changed, or
// forced) or remove (scaled down, orphan). Pure: observation and execution are elsewhere.
// Invariant: a container is recreated only when its config hash or image differs, or when asked.
import { BerthError } from '../../shared/errors.js';
import { LABEL } from '../create/labels.js';
import type { Project } from '../model/types.js';

export interface ObservedContainer {
  id: string;
  name: string;
  service: string;
  number: number;
  configHash: string;
  imageId: string;
  /** running, exited, created, paused, restarting ... */
  state: string;
  /** A one-off (`run`) container, or the container of a pre_start step: never one of the replicas. */
  oneoff: boolean;
}

export interface ObservedState {
  containers: readonly ObservedContainer[];
  networks: ReadonlySet<string>;
  volumes: ReadonlySet<string>;
}

export interface DesiredService {
  name: string;
  replicas: number;
  configHash: string;
  /** The image ID it should run (after pull or build). */
  imageId: string;
}

export interface PlanOptions {
  forceRecreate?: boolean;
  noRecreate?: boolean;
  removeOrphans?: boolean;
  /** `up --no-start`: create only. */
  noStart?: boolean;
}

export type ContainerStep =
  | { kind: 'keep'; number: number; container: ObservedContainer }
  | { kind: 'start'; number: number; container: ObservedContainer }
  | { kind: 'create'; number: number }
  | { kind: 'recreate'; number: number; container: ObservedContainer; reason: string }
  | { kind: 'remove'; number: number; container: ObservedContainer; reason: string };

export interface ServicePlan {
  service: string;
  steps: ContainerStep[];
}

export interface Plan {
  networks: string[];
  volumes: string[];
  services: ServicePlan[];
  orphans: ObservedContainer[];
}

/** Reads an engine container's compose labels; undefined for a container of another project. */
export function observedContainer(
  summary: { Id: string; Names?: string[]; Labels?: Record<string, string> | null; State?: string },
  project: string,
): ObservedContainer | undefined {
  const labels = summary.Labels ?? {};
  if (labels[LABEL.project] !== project) return undefined;
  return {
    id: summary.Id,
    name: (summary.Names?.[0] ?? '').replace(/^\//, ''),
    service: labels[LABEL.service] ?? '',
    number: Number(labels[LABEL.number] ?? '0'),
    configHash: labels[LABEL.configHash] ?? '',
    imageId: labels[LABEL.image] ?? '',
    state: summary.State ?? '',
    // A pre_start step's container carries its service's labels but is no replica of it.
    oneoff: labels[LABEL.oneoff] === 'True' || labels[LABEL.hook] !== undefined,
  };
}

export function planUp(
  project: Project,
  desired: readonly DesiredService[],
  observed: ObservedState,
  options: PlanOptions = {},
): Plan {
  const networks = Object.values(project.networks)
    .filter((network) => !observed.networks.has(network.name))
    .map((network) => {
      if (network.external === true)
        throw new BerthError(
          'NotFound',
          `network ${network.name} declared as external, but could not be found`,
          { hint: `create it first: berth network create ${network.name}` },
        );
      return network.name;
    });
  const volumes = Object.values(project.volumes)
    .filter((volume) => !observed.volumes.has(volume.name))
    .map((volume) => {
      if (volume.external === true)
        throw new BerthError('NotFound', `external volume "${volume.name}" not found`, {
          hint: `create it first: berth volume create ${volume.name}`,
        });
      return volume.name;
    });
  const wanted = new Set(desired.map((service) => service.name));
  const known = new Set([...Object.keys(project.services), ...Object.keys(project.disabledServices ?? {})]);
  const services = desired.map((service) => planService(service, observed.containers, options));
  const orphans = observed.containers.filter(
    (container) => !container.oneoff && !known.has(container.service) && !wanted.has(container.service),
  );
  return { networks, volumes, services, orphans };
}

function planService(
  service: DesiredService,
  containers: readonly ObservedContainer[],
  options: PlanOptions,
): ServicePlan {
  const mine = containers
    .filter((container) => container.service === service.name && !container.oneoff)
    .sort((a, b) => a.number - b.number);
  const steps: ContainerStep[] = [];
  const byNumber = new Map<number, ObservedContainer>();
  const duplicates: ObservedContainer[] = [];
  for (const container of mine) {
    if (byNumber.has(container.number)) duplicates.push(container);
    else byNumber.set(container.number, container);
  }
  // The lowest numbers are kept when scaling down; the highest go first.
  const kept = [...byNumber.values()].slice(0, service.replicas);
  const keptNumbers = new Set(kept.map((container) => container.number));
  for (const container of kept) steps.push(stepFor(service, container, options));
  let next = 1;
  for (let missing = service.replicas - kept.length; missing > 0; missing--) {
    while (keptNumbers.has(next)) next++;
    keptNumbers.add(next);
    steps.push({ kind: 'create', number: next });
  }
  for (const container of [...byNumber.values()].slice(service.replicas).reverse())
    steps.push({ kind: 'remove', number: container.number, container, reason: 'scaled down' });
  for (const container of duplicates)
    steps.push({ kind: 'remove', number: container.number, container, reason: 'duplicate number' });
  return { service: service.name, steps };
}

function stepFor(service: DesiredService, container: ObservedContainer, options: PlanOptions): ContainerStep {
  const number = container.number;
  if (options.noRecreate !== true) {
    if (options.forceRecreate === true) return { kind: 'recreate', number, container, reason: 'forced' };
    if (container.configHash !== service.configHash)
      return { kind: 'recreate', number, container, reason: 'config changed' };
    if (container.imageId !== service.imageId)
      return { kind: 'recreate', number, container, reason: 'image changed' };
  }
  if (options.noStart === true || container.state === 'running' || container.state === 'restarting')
    return { kind: 'keep', number, container };
  return { kind: 'start', number, container };
}

/** The plan as lines of text (printed by `up --dry-run` and compared in tests). */
export function formatPlan(plan: Plan, removeOrphans = false): string[] {
  const lines: string[] = [];
  for (const network of plan.networks) lines.push(`network ${network}: create`);
  for (const volume of plan.volumes) lines.push(`volume ${volume}: create`);
  for (const service of plan.services) {
    for (const step of service.steps) {
      switch (step.kind) {
        case 'keep':
          lines.push(`container ${step.container.name}: up to date`);
          break;
        case 'start':
          lines.push(`container ${step.container.name}: start`);
          break;
        case 'create':
          lines.push(`service ${service.service} #${step.number}: create`);
          break;
        case 'recreate':
          lines.push(`container ${step.container.name}: recreate (${step.reason})`);
          break;
        case 'remove':
          lines.push(`container ${step.container.name}: remove (${step.reason})`);
          break;
      }
    }
  }
  for (const orphan of plan.orphans)
    lines.push(`container ${orphan.name}: ${removeOrphans ? 'remove (orphan)' : 'orphan, kept'}`);
  return lines;
}
