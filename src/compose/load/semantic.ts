// Consistency checks on the validated compose model (raw maps, profiles applied): what a schema cannot
// say — references between services and to top-level resources, dependency cycles, clashing host
// ports and container names, durations and sizes that do not parse. Invariant: the model is only
// read; the first error throws a ComposeError at the offending value, softer findings are returned.

import { parseBytes, parseDuration } from '../model/units.js';
import { isRawMap, type Raw, type RawMap } from './raw.js';
import { ComposeError, formatPath, type Path, type PathElement, type SourceMap } from './source-map.js';
import { formatMessage, parsePortRange, parsePortSpec } from './validate.js';
import type { LoadWarning } from './warnings.js';

const INVALID = 'invalid compose project';

/** Throws on the first inconsistency; returns the warnings (e.g. ports ignored under host networking). */
export function checkConsistency(model: RawMap, sourceMap: SourceMap): LoadWarning[] {
  const check = new Checker(model, sourceMap);
  check.run();
  return check.warnings;
}

/** Calls `visit` for every value under `root` matching `pattern` (`*` matches any key or list index). */
export function forEachAt(
  root: Raw | undefined,
  pattern: readonly string[],
  visit: (value: Raw, path: PathElement[]) => void,
  path: PathElement[] = [],
): void {
  if (root === undefined) return;
  const [head, ...rest] = pattern;
  if (head === undefined) {
    visit(root, path);
    return;
  }
  if (head === '*') {
    if (Array.isArray(root)) root.forEach((item, index) => forEachAt(item, rest, visit, [...path, index]));
    else if (isRawMap(root))
      for (const [key, item] of Object.entries(root)) forEachAt(item, rest, visit, [...path, key]);
    return;
  }
  if (isRawMap(root) && head in root) forEachAt(root[head], rest, visit, [...path, head]);
}

/** Names of a list (`[a, b]`), a map (`{a: ..., b: ...}`) or a `K=V` list, with each entry's path element. */
function namesOf(value: Raw | undefined): [string, PathElement][] {
  if (Array.isArray(value))
    return value.filter((item) => typeof item === 'string').map((item, index) => [item, index]);
  if (isRawMap(value)) return Object.keys(value).map((key) => [key, key]);
  return [];
}

function toInteger(value: Raw | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^[-+]?\d+$/.test(value.trim())) return Number(value);
  return undefined;
}

function toBytes(value: Raw | undefined): number | undefined {
  return typeof value === 'string' || typeof value === 'number' ? parseBytes(value) : undefined;
}

function toNumber(value: Raw | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

/** `SRC:DST[:MODE]` split on colons, keeping Windows drive letters (`C:\data`) whole. */
export function splitVolumeSpec(spec: string): string[] {
  const parts = spec.split(':');
  const out: string[] = [];
  for (let index = 0; index < parts.length; index++) {
    const part = parts[index] ?? '';
    const next = parts[index + 1];
    if (/^[A-Za-z]$/.test(part) && next !== undefined && /^[\\/]/.test(next)) {
      out.push(`${part}:${next}`);
      index++;
    } else {
      out.push(part);
    }
  }
  return out;
}

/** A short-syntax source that is a host path (bind mount) rather than a volume name. */
function isHostPath(source: string): boolean {
  return /^[./~\\]/.test(source) || /^[A-Za-z]:[\\/]/.test(source);
}

/** The named volume a service volume entry uses, if any (not binds, not anonymous volumes). */
function namedVolumeOf(entry: Raw): string | undefined {
  if (typeof entry === 'string') {
    const parts = splitVolumeSpec(entry);
    const source = parts[0] ?? '';
    return parts.length >= 2 && source !== '' && !isHostPath(source) ? source : undefined;
  }
  if (isRawMap(entry) && entry.type === 'volume' && typeof entry.source === 'string' && entry.source !== '') {
    return entry.source;
  }
  return undefined;
}

function mountTargetOf(entry: Raw): string | undefined {
  if (typeof entry === 'string') {
    const parts = splitVolumeSpec(entry);
    return parts.length === 1 ? parts[0] : parts[1];
  }
  if (isRawMap(entry) && typeof entry.target === 'string') return entry.target;
  return undefined;
}

interface Published {
  readonly service: string;
  readonly path: Path;
  readonly hostIp: string;
  readonly start: number;
  readonly end: number;
  readonly protocol: string;
}

function publishedPortOf(entry: Raw): Omit<Published, 'service' | 'path'> | undefined {
  if (typeof entry === 'string') {
    const spec = parsePortSpec(entry);
    if (!spec?.published) return undefined;
    return {
      hostIp: spec.hostIp,
      start: spec.published.start,
      end: spec.published.end,
      protocol: spec.protocol,
    };
  }
  if (isRawMap(entry)) {
    const published = entry.published;
    const range =
      typeof published === 'number'
        ? { start: published, end: published }
        : typeof published === 'string'
          ? parsePortRange(published)
          : undefined;
    if (!range) return undefined;
    const hostIp = typeof entry.host_ip === 'string' ? entry.host_ip.replace(/^\[(.*)\]$/, '$1') : '';
    const protocol = typeof entry.protocol === 'string' ? entry.protocol : 'tcp';
    return { hostIp, start: range.start, end: range.end, protocol };
  }
  return undefined;
}

/** Whether two host IPs can both be bound: '' is every interface, 0.0.0.0 and :: every one of a family. */
function hostIpsOverlap(a: string, b: string): boolean {
  if (a === '' || b === '') return true;
  const familyA = a.includes(':') ? 6 : 4;
  const familyB = b.includes(':') ? 6 : 4;
  if (familyA !== familyB) return false;
  const wildcard = (ip: string) => ip === '0.0.0.0' || ip === '::';
  return wildcard(a) || wildcard(b) || a === b;
}

function describePort(port: Published, number: number): string {
  const ip = port.hostIp === '' ? '' : port.hostIp.includes(':') ? `[${port.hostIp}]:` : `${port.hostIp}:`;
  return `${ip}${number}/${port.protocol}`;
}

/** `service:NAME` → NAME (network_mode, ipc, pid). */
function serviceReference(value: Raw | undefined): string | undefined {
  return typeof value === 'string' && value.startsWith('service:')
    ? value.slice('service:'.length)
    : undefined;
}

const DURATIONS = [
  'healthcheck.interval',
  'healthcheck.timeout',
  'healthcheck.start_period',
  'healthcheck.start_interval',
  'stop_grace_period',
  'deploy.restart_policy.delay',
  'deploy.restart_policy.window',
  'deploy.update_config.delay',
  'deploy.update_config.monitor',
  'deploy.rollback_config.delay',
  'deploy.rollback_config.monitor',
].map((path) => path.split('.'));

const SIZES = [
  'mem_limit',
  'mem_reservation',
  'memswap_limit',
  'shm_size',
  'build.shm_size',
  'deploy.resources.limits.memory',
  'deploy.resources.reservations.memory',
  'volumes.*.tmpfs.size',
  'blkio_config.device_read_bps.*.rate',
  'blkio_config.device_write_bps.*.rate',
].map((path) => path.split('.'));

/** Service attributes that must agree with their `deploy.resources` twin (Docker Compose refuses both otherwise). */
const RESOURCE_TWINS: readonly [string, string[], (value: Raw | undefined) => number | undefined][] = [
  ['cpus', ['deploy', 'resources', 'limits', 'cpus'], toNumber],
  ['mem_limit', ['deploy', 'resources', 'limits', 'memory'], toBytes],
  ['mem_reservation', ['deploy', 'resources', 'reservations', 'memory'], toBytes],
  ['pids_limit', ['deploy', 'resources', 'limits', 'pids'], toInteger],
];

function valueAt(root: Raw | undefined, path: readonly string[]): Raw | undefined {
  let node = root;
  for (const key of path) {
    if (!isRawMap(node)) return undefined;
    node = node[key];
  }
  return node;
}

interface Edge {
  readonly to: string;
  readonly path: Path;
}

class Checker {
  readonly warnings: LoadWarning[] = [];
  private readonly services: [string, RawMap][];
  private readonly serviceNames: Set<string>;
  private readonly edges = new Map<string, Edge[]>();

  constructor(
    private readonly model: RawMap,
    private readonly sourceMap: SourceMap,
  ) {
    const services = isRawMap(model.services) ? model.services : {};
    this.services = Object.entries(services).map(([name, service]) => [
      name,
      isRawMap(service) ? service : {},
    ]);
    this.serviceNames = new Set(this.services.map(([name]) => name));
  }

  run(): void {
    for (const [name, service] of this.services) this.checkService(name, service);
    this.checkSecretSources();
    this.checkContainerNames();
    this.checkPortClashes();
    this.checkCycles();
  }

  /** An error positioned at `path`; `showPath` prefixes the path when the message does not name it. */
  private fail(message: string, path: Path, showPath = false): never {
    throw new ComposeError(message, {
      position: this.sourceMap.nearest(path),
      path: showPath ? path : undefined,
    });
  }

  private declared(section: string): RawMap {
    const value = this.model[section];
    return isRawMap(value) ? value : {};
  }

  private addEdge(from: string, to: string, path: Path): void {
    if (!this.serviceNames.has(to)) return;
    const list = this.edges.get(from) ?? [];
    list.push({ to, path });
    this.edges.set(from, list);
  }

  private checkService(name: string, service: RawMap): void {
    const base: Path = ['services', name];
    const quoted = JSON.stringify(name);

    if (!('image' in service) && !('build' in service) && !('provider' in service)) {
      this.fail(`service ${quoted} has neither an image nor a build context specified: ${INVALID}`, base);
    }
    this.checkBuild(name, service, base);
    this.checkDependencies(name, service, base);
    this.checkNetworks(name, service, base);
    this.checkMounts(name, service, base);
    this.checkFileReferences(name, service, base);
    this.checkReplicas(service, base);
    this.checkUnits(service, base);
    this.checkWatchRules(service, base);
  }

  private checkBuild(name: string, service: RawMap, base: Path): void {
    const build = service.build;
    if (!isRawMap(build)) return;
    const quoted = JSON.stringify(name);
    if ('dockerfile' in build && 'dockerfile_inline' in build) {
      this.fail(
        `service ${quoted} declares mutually exclusive dockerfile and dockerfile_inline: ${INVALID}`,
        [...base, 'build'],
      );
    }
    const contexts = build.additional_contexts;
    const entries: [string, Raw, PathElement][] = Array.isArray(contexts)
      ? contexts.map((item, index) => {
          const text = String(item);
          const equals = text.indexOf('=');
          return [equals < 0 ? text : text.slice(0, equals), equals < 0 ? '' : text.slice(equals + 1), index];
        })
      : isRawMap(contexts)
        ? Object.entries(contexts).map(([key, value]) => [key, value, key])
        : [];
    for (const [contextName, value, element] of entries) {
      const target = serviceReference(value);
      if (target === undefined) continue;
      const path = [...base, 'build', 'additional_contexts', element];
      const other = this.services.find(([otherName]) => otherName === target)?.[1];
      if (!other)
        this.fail(
          `service ${quoted} declares unknown service ${JSON.stringify(target)} as additional context ${contextName}`,
          path,
        );
      if (!('build' in other)) {
        this.fail(
          `service ${quoted} declares non-buildable service ${JSON.stringify(target)} as additional context ${contextName}`,
          path,
        );
      }
    }
    for (const [secret, element] of this.fileReferences(build.secrets)) {
      if (!(secret in this.declared('secrets'))) {
        this.fail(`service ${quoted} refers to undefined build secret ${secret}: ${INVALID}`, [
          ...base,
          'build',
          'secrets',
          element,
        ]);
      }
    }
  }

  private checkDependencies(name: string, service: RawMap, base: Path): void {
    const quoted = JSON.stringify(name);
    const dependsOn = service.depends_on;
    for (const [dependency, element] of namesOf(dependsOn)) {
      const path = [...base, 'depends_on', element];
      if (!this.serviceNames.has(dependency)) {
        // An optional dependency may have been switched off by profiles; Docker Compose skips it.
        const options = isRawMap(dependsOn) ? dependsOn[dependency] : undefined;
        if (isRawMap(options) && (options.required === false || options.required === 'false')) continue;
        this.fail(
          `service ${quoted} depends on undefined service ${JSON.stringify(dependency)}: ${INVALID}`,
          path,
        );
      }
      this.addEdge(name, dependency, path);
    }
    if (Array.isArray(service.links)) {
      service.links.forEach((link, index) => {
        const target = String(link).split(':')[0] ?? '';
        const path = [...base, 'links', index];
        if (!this.serviceNames.has(target)) {
          this.fail(
            `service ${quoted} links to undefined service ${JSON.stringify(target)}: ${INVALID}`,
            path,
          );
        }
        this.addEdge(name, target, path);
      });
    }
    if (Array.isArray(service.volumes_from)) {
      service.volumes_from.forEach((entry, index) => {
        const text = String(entry);
        if (text.startsWith('container:')) return;
        const target = text.split(':')[0] ?? '';
        const path = [...base, 'volumes_from', index];
        if (!this.serviceNames.has(target)) {
          this.fail(
            `service ${quoted} mounts volumes from undefined service ${JSON.stringify(target)}: ${INVALID}`,
            path,
          );
        }
        this.addEdge(name, target, path);
      });
    }
    for (const attribute of ['network_mode', 'ipc', 'pid']) {
      const target = serviceReference(service[attribute]);
      if (target === undefined) continue;
      const path = [...base, attribute];
      if (!this.serviceNames.has(target)) {
        this.fail(
          `service ${JSON.stringify(target)} not found for ${attribute} 'service:${target}'`,
          path,
          true,
        );
      }
      this.addEdge(name, target, path);
    }
  }

  private checkNetworks(name: string, service: RawMap, base: Path): void {
    const quoted = JSON.stringify(name);
    if (service.network_mode !== undefined && service.networks !== undefined) {
      this.fail(`service ${quoted} declares mutually exclusive network_mode and networks: ${INVALID}`, [
        ...base,
        'networks',
      ]);
    }
    const declared = this.declared('networks');
    for (const [network, element] of namesOf(service.networks)) {
      if (network !== 'default' && !(network in declared)) {
        this.fail(`service ${quoted} refers to undefined network ${network}: ${INVALID}`, [
          ...base,
          'networks',
          element,
        ]);
      }
    }
    if (service.network_mode === 'host' && Array.isArray(service.ports) && service.ports.length > 0) {
      const path = [...base, 'ports'];
      this.warnings.push({
        message: `${formatPath(path)}: published ports are discarded when using host network mode`,
        position: this.sourceMap.nearest(path),
      });
    }
  }

  private checkMounts(name: string, service: RawMap, base: Path): void {
    const declared = this.declared('volumes');
    const mounted = new Map<string, Path>();
    const claim = (target: string | undefined, path: Path) => {
      if (target === undefined || target === '') return;
      const earlier = mounted.get(target);
      if (earlier) this.fail(`target ${target} is already mounted as ${formatPath(earlier)}`, path, true);
      mounted.set(target, path);
    };
    const tmpfs =
      typeof service.tmpfs === 'string' ? [service.tmpfs] : Array.isArray(service.tmpfs) ? service.tmpfs : [];
    tmpfs.forEach((entry, index) => {
      const path = typeof service.tmpfs === 'string' ? [...base, 'tmpfs'] : [...base, 'tmpfs', index];
      const [target, options = ''] = String(entry).split(/:(.*)/s);
      claim(target, path);
      const size = options
        .split(',')
        .find((option) => option.startsWith('size='))
        ?.slice('size='.length);
      if (size !== undefined && parseBytes(size) === undefined)
        this.fail(formatMessage('compose-bytes', size), path, true);
    });
    if (!Array.isArray(service.volumes)) return;
    service.volumes.forEach((entry, index) => {
      const path = [...base, 'volumes', index];
      const volume = namedVolumeOf(entry);
      if (volume !== undefined && !(volume in declared)) {
        this.fail(`service ${JSON.stringify(name)} refers to undefined volume ${volume}: ${INVALID}`, path);
      }
      claim(mountTargetOf(entry), path);
    });
  }

  /** Names referred to by a secrets/configs list (short names or `{source}`), with their index. */
  private fileReferences(value: Raw | undefined): [string, number][] {
    if (!Array.isArray(value)) return [];
    const out: [string, number][] = [];
    value.forEach((entry, index) => {
      if (typeof entry === 'string') out.push([entry, index]);
      else if (isRawMap(entry) && typeof entry.source === 'string') out.push([entry.source, index]);
    });
    return out;
  }

  private checkFileReferences(name: string, service: RawMap, base: Path): void {
    const quoted = JSON.stringify(name);
    for (const [section, noun] of [
      ['secrets', 'secret'],
      ['configs', 'config'],
    ] as const) {
      const declared = this.declared(section);
      for (const [reference, index] of this.fileReferences(service[section])) {
        if (!(reference in declared)) {
          this.fail(`service ${quoted} refers to undefined ${noun} ${reference}: ${INVALID}`, [
            ...base,
            section,
            index,
          ]);
        }
      }
    }
    const models = this.declared('models');
    for (const [model, element] of namesOf(service.models)) {
      if (!(model in models))
        this.fail(`service ${quoted} refers to undefined model ${model}: ${INVALID}`, [
          ...base,
          'models',
          element,
        ]);
    }
  }

  private replicasOf(service: RawMap): { count: number; attribute: string } {
    const scale = toInteger(service.scale);
    if (scale !== undefined) return { count: scale, attribute: 'scale' };
    const replicas = toInteger(valueAt(service, ['deploy', 'replicas']));
    return replicas !== undefined
      ? { count: replicas, attribute: 'deploy.replicas' }
      : { count: 1, attribute: 'scale' };
  }

  private checkReplicas(service: RawMap, base: Path): void {
    const scale = toInteger(service.scale);
    const replicas = toInteger(valueAt(service, ['deploy', 'replicas']));
    if (scale !== undefined && scale < 0)
      this.fail('must be greater than or equal to 0', [...base, 'scale'], true);
    if (replicas !== undefined && replicas < 0)
      this.fail('must be greater than or equal to 0', [...base, 'deploy', 'replicas'], true);
    if (scale !== undefined && replicas !== undefined && scale !== replicas) {
      this.fail(`can't set distinct values on 'scale' and 'deploy.replicas': ${INVALID}`, base, true);
    }
    const { count, attribute } = this.replicasOf(service);
    if (typeof service.container_name === 'string' && count > 1) {
      this.fail(
        `container_name ${JSON.stringify(service.container_name)} cannot be used with ${attribute} ${count}: container names must be unique`,
        [...base, 'container_name'],
        true,
      );
    }
    for (const [attribute, twin, read] of RESOURCE_TWINS) {
      const own = read(service[attribute]);
      const other = read(valueAt(service, twin));
      if (own !== undefined && other !== undefined && own !== other) {
        this.fail(
          `can't set distinct values on '${attribute}' and '${twin.join('.')}': ${INVALID}`,
          [...base, attribute],
          true,
        );
      }
    }
  }

  private checkUnits(service: RawMap, base: Path): void {
    for (const pattern of DURATIONS) {
      forEachAt(service, pattern, (value, path) => {
        if ((typeof value === 'string' || typeof value === 'number') && parseDuration(value) !== undefined)
          return;
        this.fail(formatMessage('compose-duration', value), [...base, ...path], true);
      });
    }
    for (const pattern of SIZES) {
      forEachAt(service, pattern, (value, path) => {
        if (pattern[0] === 'memswap_limit' && (value === -1 || value === '-1')) return; // -1: unlimited swap
        if ((typeof value === 'string' || typeof value === 'number') && parseBytes(value) !== undefined)
          return;
        this.fail(formatMessage('compose-bytes', value), [...base, ...path], true);
      });
    }
  }

  private checkWatchRules(service: RawMap, base: Path): void {
    forEachAt(service, ['develop', 'watch', '*'], (rule, path) => {
      if (!isRawMap(rule)) return;
      const action = String(rule.action);
      if (
        action !== 'rebuild' &&
        action !== 'restart' &&
        (typeof rule.target !== 'string' || rule.target === '')
      ) {
        this.fail(`target is required for action ${JSON.stringify(action)}`, [...base, ...path], true);
      }
      // Docker Compose accepts this file for every command and refuses the rule only when `watch`
      // starts; so berth loads it too and warns early instead of failing `config` or `up`.
      if (action === 'rebuild' && !('build' in service)) {
        const rulePath = [...base, ...path];
        this.warnings.push({
          message: `${formatPath(rulePath)}: action "rebuild" needs the service to have a build section; watch will refuse this rule`,
          position: this.sourceMap.nearest(rulePath),
        });
      }
    });
  }

  private checkSecretSources(): void {
    for (const [name, secret] of Object.entries(this.declared('secrets'))) {
      if (!isRawMap(secret)) continue;
      const external = secret.external;
      if (external === true || external === 'true' || isRawMap(external)) continue;
      if (secret.file === undefined && secret.environment === undefined) {
        this.fail(
          `secret ${JSON.stringify(name)} must declare either \`file\` or \`environment\`: ${INVALID}`,
          ['secrets', name],
        );
      }
    }
  }

  private checkContainerNames(): void {
    const owners = new Map<string, string>();
    for (const [name, service] of this.services) {
      const containerName = service.container_name;
      if (typeof containerName !== 'string') continue;
      const owner = owners.get(containerName);
      if (owner !== undefined) {
        this.fail(
          `container name ${JSON.stringify(containerName)} is used by both service ${JSON.stringify(owner)} and service ${JSON.stringify(name)}`,
          ['services', name, 'container_name'],
          true,
        );
      }
      owners.set(containerName, name);
    }
  }

  /**
   * Berth's own check, stricter than Docker Compose, which loads such a file and only fails when the
   * engine cannot bind the second port during `up`: here the clash is reported with both services.
   */
  private checkPortClashes(): void {
    const seen: Published[] = [];
    for (const [name, service] of this.services) {
      if (service.network_mode === 'host' || !Array.isArray(service.ports)) continue;
      const replicas = this.replicasOf(service);
      service.ports.forEach((entry, index) => {
        const port = publishedPortOf(entry);
        if (!port) return;
        const current: Published = { ...port, service: name, path: ['services', name, 'ports', index] };
        this.warnTooFewHostPorts(current, replicas);
        for (const earlier of seen) {
          if (earlier.protocol !== current.protocol || !hostIpsOverlap(earlier.hostIp, current.hostIp))
            continue;
          const first = Math.max(earlier.start, current.start);
          if (first > Math.min(earlier.end, current.end)) continue;
          const shown = describePort(current.hostIp === '' ? earlier : current, first);
          const message =
            earlier.service === name
              ? `service ${JSON.stringify(name)} publishes host port ${shown} twice`
              : `services ${JSON.stringify(earlier.service)} and ${JSON.stringify(name)} both publish host port ${shown}`;
          this.fail(message, current.path, true);
        }
        seen.push(current);
      });
    }
  }

  /**
   * Each replica binds its own host port: with fewer ports than replicas the extra containers cannot
   * start. Docker Compose only finds out during `up`; a warning (not an error) here, since `--scale`
   * may lower the count.
   */
  private warnTooFewHostPorts(port: Published, replicas: { count: number; attribute: string }): void {
    const available = port.end - port.start + 1;
    if (replicas.count <= available) return;
    const ports =
      available === 1
        ? `host port ${port.start}/${port.protocol} is`
        : `host ports ${port.start}-${port.end}/${port.protocol} are`;
    this.warnings.push({
      message: `${formatPath(port.path)}: ${replicas.attribute} ${replicas.count} needs ${replicas.count} host ports but only ${ports} published: the extra containers cannot start`,
      position: this.sourceMap.nearest(port.path),
    });
  }

  /** Depth-first over services in name order (as Docker Compose does), so the reported cycle is stable. */
  private checkCycles(): void {
    const state = new Map<string, 'visiting' | 'done'>();
    const stack: string[] = [];
    const visit = (name: string): void => {
      state.set(name, 'visiting');
      stack.push(name);
      const edges = [...(this.edges.get(name) ?? [])].sort((a, b) =>
        a.to < b.to ? -1 : a.to > b.to ? 1 : 0,
      );
      for (const edge of edges) {
        const status = state.get(edge.to);
        if (status === 'visiting') {
          const cycle = [...stack.slice(stack.indexOf(edge.to)), edge.to];
          const from = cycle[0] ?? name;
          const firstEdge = (this.edges.get(from) ?? []).find((candidate) => candidate.to === cycle[1]);
          this.fail(
            `dependency cycle detected: ${cycle.join(' -> ')}`,
            firstEdge?.path ?? ['services', from],
          );
        }
        if (status === undefined) visit(edge.to);
      }
      stack.pop();
      state.set(name, 'done');
    };
    for (const name of [...this.serviceNames].sort()) {
      if (!state.has(name)) visit(name);
    }
  }
}
