// Narrowing a normalised project to what a command works on, as Docker Compose does after loading:
// the services named on the command line plus everything they depend on, and only the networks,
// volumes, secrets, configs and models that the remaining services use.
// Invariant: both functions are pure and return a new Project; a service kept always keeps every
// service it depends on, so the dependency graph stays closed.

import { BerthError } from '../../shared/errors.js';
import type { Project, Service } from './types.js';

/**
 * The named services and, transitively, the services they depend on (`depends_on`). No names keeps
 * every service. A name that is not an enabled service is an error.
 */
export function selectServices(project: Project, names: readonly string[]): Project {
  if (names.length === 0) return project;
  const kept = new Set<string>();
  const visit = (name: string) => {
    if (kept.has(name)) return;
    const service = project.services[name];
    if (!service) throw new BerthError('NotFound', `no such service: ${name}`);
    kept.add(name);
    for (const dependency of Object.keys(service.depends_on ?? {})) {
      // A dependency that is not enabled was optional (required: false); the checks let it through.
      if (project.services[dependency]) visit(dependency);
    }
  };
  for (const name of names) visit(name);
  const services = Object.fromEntries(Object.entries(project.services).filter(([name]) => kept.has(name)));
  // The others stay known as disabled: their containers are no orphans of a command run on a few services.
  const disabled = Object.fromEntries(Object.entries(project.services).filter(([name]) => !kept.has(name)));
  return { ...project, services, disabledServices: { ...(project.disabledServices ?? {}), ...disabled } };
}

/** Drops the top-level networks, volumes, secrets, configs and models no enabled service uses. */
export function withoutUnusedResources(project: Project): Project {
  const used = {
    networks: new Set<string>(),
    volumes: new Set<string>(),
    secrets: new Set<string>(),
    configs: new Set<string>(),
    models: new Set<string>(),
  };
  for (const service of Object.values(project.services)) collectUses(service, used);
  const keep = <T>(all: Readonly<Record<string, T>>, names: ReadonlySet<string>) =>
    Object.fromEntries(Object.entries(all).filter(([name]) => names.has(name)));
  return {
    ...project,
    networks: keep(project.networks, used.networks),
    volumes: keep(project.volumes, used.volumes),
    secrets: keep(project.secrets, used.secrets),
    configs: keep(project.configs, used.configs),
    models: keep(project.models, used.models),
  };
}

interface Uses {
  readonly networks: Set<string>;
  readonly volumes: Set<string>;
  readonly secrets: Set<string>;
  readonly configs: Set<string>;
  readonly models: Set<string>;
}

function collectUses(service: Service, used: Uses): void {
  for (const name of Object.keys(service.networks ?? {})) used.networks.add(name);
  for (const volume of service.volumes ?? []) {
    if (volume.type === 'volume' && volume.source) used.volumes.add(volume.source);
  }
  for (const secret of service.secrets ?? []) used.secrets.add(secret.source);
  // Build secrets are read at build time only, but the project must still declare them.
  for (const secret of service.build?.secrets ?? []) used.secrets.add(secret.source);
  for (const config of service.configs ?? []) used.configs.add(config.source);
  for (const name of Object.keys(service.models ?? {})) used.models.add(name);
}
