// Profiles: which services of the model are active. A service without `profiles` is always active; one
// with profiles is active when one of them is enabled (`*` enables all). A service named on the command
// line is active whatever its profiles: its profiles are enabled, which may activate other services.
// Other top-level elements are never affected.
//
// Invariant: an active service never refers to an inactive one it needs (`depends_on` unless
// `required: false`, `links`, `volumes_from`, `service:` namespaces); that is an error naming the
// profiles that would enable it. Optional dependencies on inactive services are dropped.

import { isRawMap, type Raw, type RawMap } from './raw.js';
import { assign } from './merge.js';
import { ComposeError, type Path, type SourceMap } from './source-map.js';

/** The model with only the active services (the input is not modified). */
export function applyProfiles(
  model: RawMap,
  enabled: readonly string[],
  explicitServices: readonly string[],
  sourceMap?: SourceMap,
): RawMap {
  const services = model.services;
  if (!isRawMap(services)) {
    const missing = explicitServices[0];
    if (missing !== undefined) throw new ComposeError(`no such service: ${missing}`);
    return model;
  }

  const active = new Set(enabled.map((profile) => profile.trim()).filter((profile) => profile !== ''));
  const isActive = (name: string) => isEnabled(profilesOf(services[name]), active);
  const toEnable: string[] = [];
  for (const name of explicitServices) {
    if (!Object.hasOwn(services, name)) throw new ComposeError(`no such service: ${name}`);
    if (!isActive(name)) toEnable.push(...profilesOf(services[name]));
  }
  for (const profile of toEnable) active.add(profile);

  const result: RawMap = {};
  for (const [name, service] of Object.entries(services)) {
    if (!isActive(name)) continue;
    assign(result, name, withoutDisabledDependencies(name, service, services, isActive, sourceMap));
  }
  const out: RawMap = {};
  for (const [key, value] of Object.entries(model)) assign(out, key, key === 'services' ? result : value);
  return out;
}

/** Every profile named by any service, sorted (for `config --profiles`). */
export function listProfiles(model: RawMap): string[] {
  const services = model.services;
  if (!isRawMap(services)) return [];
  const all = new Set<string>();
  for (const service of Object.values(services)) for (const profile of profilesOf(service)) all.add(profile);
  return [...all].sort();
}

function profilesOf(service: Raw | undefined): string[] {
  if (!isRawMap(service)) return [];
  const profiles = service.profiles;
  if (typeof profiles === 'string') return [profiles];
  if (!Array.isArray(profiles)) return [];
  return profiles.filter((profile): profile is string => typeof profile === 'string');
}

function isEnabled(profiles: readonly string[], active: ReadonlySet<string>): boolean {
  return profiles.length === 0 || active.has('*') || profiles.some((profile) => active.has(profile));
}

interface Reference {
  readonly service: string;
  readonly required: boolean;
  readonly path: Path;
}

/** The services a definition refers to, and whether it cannot run without them. */
function referencesOf(name: string, service: RawMap): Reference[] {
  const at = (...rest: (string | number)[]): Path => ['services', name, ...rest];
  const references: Reference[] = [];
  const dependsOn = service.depends_on;
  if (Array.isArray(dependsOn)) {
    dependsOn.forEach((item, index) => {
      if (typeof item === 'string')
        references.push({ service: item, required: true, path: at('depends_on', index) });
    });
  } else if (isRawMap(dependsOn)) {
    for (const [dependency, condition] of Object.entries(dependsOn)) {
      const required = !(isRawMap(condition) && condition.required === false);
      references.push({ service: dependency, required, path: at('depends_on', dependency) });
    }
  }
  const links = service.links;
  if (Array.isArray(links)) {
    links.forEach((link, index) => {
      if (typeof link === 'string') {
        references.push({ service: link.split(':')[0] ?? link, required: true, path: at('links', index) });
      }
    });
  }
  const volumesFrom = service.volumes_from;
  if (Array.isArray(volumesFrom)) {
    volumesFrom.forEach((source, index) => {
      if (typeof source !== 'string' || source.startsWith('container:')) return;
      const target = source.startsWith('service:') ? source.slice('service:'.length) : source;
      references.push({
        service: target.split(':')[0] ?? target,
        required: true,
        path: at('volumes_from', index),
      });
    });
  }
  for (const key of ['network_mode', 'ipc', 'pid', 'uts', 'cgroup']) {
    const value = service[key];
    if (typeof value === 'string' && value.startsWith('service:')) {
      references.push({ service: value.slice('service:'.length), required: true, path: at(key) });
    }
  }
  return references;
}

function withoutDisabledDependencies(
  name: string,
  service: Raw,
  services: RawMap,
  isActive: (name: string) => boolean,
  sourceMap: SourceMap | undefined,
): Raw {
  if (!isRawMap(service)) return service;
  const dropped = new Set<string>();
  for (const reference of referencesOf(name, service)) {
    // Unknown services are the consistency check's business; here only disabled ones matter.
    if (!Object.hasOwn(services, reference.service) || isActive(reference.service)) continue;
    if (!reference.required) {
      dropped.add(reference.service);
      continue;
    }
    const profiles = profilesOf(services[reference.service]);
    throw new ComposeError(
      `service "${reference.service}" is required by "${name}" but is disabled; ` +
        `it can be enabled by ${profiles.length === 1 ? 'profile' : 'profiles'} ${profiles.map((p) => `"${p}"`).join(', ')}`,
      { position: sourceMap?.nearest(reference.path), path: reference.path },
    );
  }
  if (dropped.size === 0 || !isRawMap(service.depends_on)) return service;
  const dependsOn: RawMap = {};
  for (const [dependency, condition] of Object.entries(service.depends_on)) {
    if (!dropped.has(dependency)) assign(dependsOn, dependency, condition);
  }
  const copy: RawMap = {};
  for (const [key, value] of Object.entries(service))
    assign(copy, key, key === 'depends_on' ? dependsOn : value);
  return copy;
}
