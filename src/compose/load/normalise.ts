// Turns the validated, merged compose model into the typed Project: every short syntax expanded to its
// long form, the defaults Docker Compose applies made explicit (default network, resource names,
// implicit dependencies, port mode/protocol, build context/dockerfile), env_file and label_file merged
// in, relative paths resolved against the project directory.
// Invariant: the output mirrors what `docker compose config` prints for the same input; any value this
// stage rejects is reported as a ComposeError at the value's position.

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { isIP } from 'node:net';
import type {
  BlkioConfig,
  BuildConfig,
  DeployConfig,
  DevelopConfig,
  DeviceMapping,
  DeviceRequest,
  EnvFile,
  FileObjectConfig,
  FileReference,
  HealthCheck,
  LoggingConfig,
  ModelConfig,
  NetworkConfig,
  Project,
  PortConfig,
  Resource,
  Service,
  ServiceDependency,
  ServiceHook,
  ServiceNetwork,
  ServiceVolume,
  Ulimit,
  UpdateConfig,
  VolumeConfig,
  VolumeType,
  WatchRule,
} from '../model/types.js';
import { parseBytes, parseDuration } from '../model/units.js';
import { shellSplit, ShellSplitError } from '../model/shell-split.js';
import { parseDotEnv, parseDotEnvInto, parseRawEnv } from './dotenv.js';
import { isRawMap, type Raw, type RawMap } from './raw.js';
import { ComposeError, type Path, type SourceMap } from './source-map.js';

export interface NormaliseContext {
  readonly projectName: string;
  readonly workingDir: string;
  readonly configFiles: readonly string[];
  readonly environment: ReadonlyMap<string, string>;
  readonly sourceMap: SourceMap;
  /** False for `config --no-path-resolution`: relative paths stay as written. */
  readonly resolvePaths: boolean;
  /** Reads env_file and label_file contents; the file system by default. */
  readonly readFile?: (file: string) => string;
  /** Whether a file exists (for `required: false` env files); derived from readFile by default. */
  readonly fileExists?: (file: string) => boolean;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function normaliseProject(model: RawMap, context: NormaliseContext): Project {
  const n = new Normaliser(context);
  return n.project(model);
}

class Normaliser {
  constructor(private readonly ctx: NormaliseContext) {}

  // ---- errors and scalar readers -------------------------------------------------------------

  fail(message: string, at: Path, cause?: unknown): never {
    const options = cause === undefined ? {} : { cause };
    throw new ComposeError(message, { position: this.ctx.sourceMap.nearest(at), path: at }, options);
  }

  string(value: Raw | undefined, at: Path): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    return this.fail('must be a string', at);
  }

  bool(value: Raw | undefined, at: Path): boolean | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'boolean') return value;
    if (typeof value === 'string') {
      const lower = value.toLowerCase();
      if (['true', 'yes', 'y', 'on'].includes(lower)) return true;
      if (['false', 'no', 'n', 'off'].includes(lower)) return false;
    }
    return this.fail('must be a boolean', at);
  }

  number(value: Raw | undefined, at: Path): number | undefined {
    if (value === undefined || value === null) return undefined;
    const parsed = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
    if (typeof value === 'string' && value.trim() === '') return this.fail('must be a number', at);
    if (!Number.isFinite(parsed)) return this.fail('must be a number', at);
    return parsed;
  }

  integer(value: Raw | undefined, at: Path): number | undefined {
    const parsed = this.number(value, at);
    if (parsed !== undefined && !Number.isInteger(parsed)) return this.fail('must be an integer', at);
    return parsed;
  }

  duration(value: Raw | undefined, at: Path): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' && typeof value !== 'number') return this.fail('must be a duration', at);
    const parsed = parseDuration(value);
    if (parsed === undefined) return this.fail(`invalid duration ${JSON.stringify(value)}`, at);
    return parsed;
  }

  bytes(value: Raw | undefined, at: Path): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (value === -1 || value === '-1') return -1; // memswap_limit: unlimited swap
    if (typeof value !== 'string' && typeof value !== 'number') return this.fail('must be a byte size', at);
    const parsed = parseBytes(value);
    if (parsed === undefined) return this.fail(`invalid size ${JSON.stringify(value)}`, at);
    return parsed;
  }

  /** File modes: numbers as written (YAML reads 0440 as octal already), strings as octal. */
  mode(value: Raw | undefined, at: Path): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'number') return value;
    if (typeof value === 'string' && /^[0-7]+$/.test(value)) return parseInt(value, 8);
    return this.fail('must be a file mode', at);
  }

  map(value: Raw | undefined, at: Path): RawMap | undefined {
    if (value === undefined || value === null) return undefined;
    if (isRawMap(value)) return value;
    return this.fail('must be a mapping', at);
  }

  list(value: Raw | undefined, at: Path): Raw[] | undefined {
    if (value === undefined || value === null) return undefined;
    if (Array.isArray(value)) return value;
    return this.fail('must be a list', at);
  }

  strings(value: Raw | undefined, at: Path): string[] | undefined {
    const items = this.list(value, at);
    return items?.map((item, i) => this.string(item, [...at, i]) ?? '');
  }

  /** `string_or_list`: a single string is a one-element list. */
  stringOrList(value: Raw | undefined, at: Path): string[] | undefined {
    if (typeof value === 'string') return [value];
    return this.strings(value, at);
  }

  /** `list_or_dict` with `KEY=VALUE` items; a missing value becomes `''` (labels, sysctls, ...). */
  mapping(value: Raw | undefined, at: Path): Record<string, string> | undefined {
    const nullable = this.nullableMapping(value, at);
    if (!nullable) return undefined;
    const out: Record<string, string> = {};
    for (const [key, item] of Object.entries(nullable)) out[key] = item ?? '';
    return out;
  }

  /** `list_or_dict` keeping `KEY` without a value as null (environment, build args). */
  nullableMapping(value: Raw | undefined, at: Path): Record<string, string | null> | undefined {
    if (value === undefined || value === null) return undefined;
    const out: Record<string, string | null> = {};
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        const text = this.string(item, [...at, i]) ?? '';
        const equals = text.indexOf('=');
        const key = equals < 0 ? text : text.slice(0, equals);
        if (/\s$/.test(key)) this.fail(`variable ${key} is declared with a trailing space`, [...at, i]);
        out[key] = equals < 0 ? null : text.slice(equals + 1);
      });
      return out;
    }
    const map = this.map(value, at) as RawMap;
    for (const [key, item] of Object.entries(map)) {
      out[key] = item === null ? null : (this.string(item, [...at, key]) ?? null);
    }
    return out;
  }

  extensions(map: RawMap): Record<string, unknown> | undefined {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(map)) if (key.startsWith('x-')) out[key] = value;
    return Object.keys(out).length > 0 ? out : undefined;
  }

  // ---- paths ---------------------------------------------------------------------------------

  home(): string {
    return this.ctx.environment.get('HOME') ?? homedir();
  }

  expandUser(file: string): string {
    return file.startsWith('~') ? path.join(this.home(), file.slice(1)) : file;
  }

  /** A host path resolved against the project directory (when path resolution is on). */
  hostPath(file: string): string {
    if (!this.ctx.resolvePaths) return file;
    const expanded = this.expandUser(file);
    if (expanded === '') return expanded;
    return path.isAbsolute(expanded) ? expanded : path.join(this.ctx.workingDir, expanded);
  }

  /** A build context: URLs, git references and `service:` contexts are left alone. */
  contextPath(context: string): string {
    if (context.includes('://') || context.startsWith('service:')) return context;
    if (['https://', 'http://', 'git://', 'ssh://', 'github.com/', 'git@'].some((p) => context.startsWith(p)))
      return context;
    return this.hostPath(context);
  }

  readText(file: string): string {
    return (this.ctx.readFile ?? ((f: string) => readFileSync(f, 'utf8')))(file);
  }

  exists(file: string): boolean {
    if (this.ctx.fileExists) return this.ctx.fileExists(file);
    try {
      this.readText(file);
      return true;
    } catch {
      return false;
    }
  }

  // ---- project -------------------------------------------------------------------------------

  project(model: RawMap): Project {
    const services: Record<string, Service> = {};
    const rawServices = this.map(model.services, ['services']) ?? {};
    for (const [name, raw] of Object.entries(rawServices)) {
      services[name] = this.service(name, this.map(raw, ['services', name]) ?? {}, ['services', name]);
    }

    const networks: Record<string, NetworkConfig> = {};
    const rawNetworks = this.map(model.networks, ['networks']) ?? {};
    for (const [key, raw] of Object.entries(rawNetworks))
      networks[key] = this.network(key, raw, ['networks', key]);
    const usesDefault = Object.values(services).some(
      (s) => s.networks !== undefined && 'default' in s.networks,
    );
    if (usesDefault && !('default' in networks))
      networks.default = { name: `${this.ctx.projectName}_default` };

    const volumes: Record<string, VolumeConfig> = {};
    for (const [key, raw] of Object.entries(this.map(model.volumes, ['volumes']) ?? {})) {
      volumes[key] = this.volume(key, raw, ['volumes', key]);
    }
    const secrets: Record<string, FileObjectConfig> = {};
    for (const [key, raw] of Object.entries(this.map(model.secrets, ['secrets']) ?? {})) {
      secrets[key] = this.fileObject(key, raw, ['secrets', key]);
    }
    const configs: Record<string, FileObjectConfig> = {};
    for (const [key, raw] of Object.entries(this.map(model.configs, ['configs']) ?? {})) {
      configs[key] = this.fileObject(key, raw, ['configs', key]);
    }
    const models: Record<string, ModelConfig> = {};
    for (const [key, raw] of Object.entries(this.map(model.models, ['models']) ?? {})) {
      models[key] = this.model(raw, ['models', key]);
    }

    return {
      name: this.ctx.projectName,
      workingDir: this.ctx.workingDir,
      configFiles: [...this.ctx.configFiles],
      environment: this.ctx.environment,
      services,
      networks,
      volumes,
      secrets,
      configs,
      models,
      extensions: this.extensions(model) ?? {},
    };
  }

  /** `<project>_<key>` unless named, or the key itself for an external resource. */
  resourceName(key: string, map: RawMap, at: Path): { name: string; external?: boolean } {
    let name = this.string(map.name, [...at, 'name']);
    let external: boolean | undefined;
    const rawExternal = map.external;
    if (isRawMap(rawExternal)) {
      // The deprecated `external: {name: x}` form.
      external = true;
      const legacy = this.string(rawExternal.name, [...at, 'external', 'name']);
      if (legacy !== undefined) {
        if (name !== undefined && name !== legacy)
          this.fail('name and external.name conflict; only use name', at);
        name = legacy;
      }
    } else {
      external = this.bool(rawExternal, [...at, 'external']);
    }
    if (name === undefined) name = external ? key : `${this.ctx.projectName}_${key}`;
    return external === undefined ? { name } : { name, external };
  }

  network(key: string, raw: Raw, at: Path): NetworkConfig {
    const map = this.map(raw, at) ?? {};
    const out: Mutable<NetworkConfig> = { ...this.resourceName(key, map, at) };
    const driver = this.string(map.driver, [...at, 'driver']);
    if (driver !== undefined) out.driver = driver;
    const driverOpts = this.mapping(map.driver_opts, [...at, 'driver_opts']);
    if (driverOpts) out.driver_opts = driverOpts;
    const ipam = this.map(map.ipam, [...at, 'ipam']);
    if (ipam) {
      const ipamOut: Mutable<NonNullable<NetworkConfig['ipam']>> = {};
      const ipamDriver = this.string(ipam.driver, [...at, 'ipam', 'driver']);
      if (ipamDriver !== undefined) ipamOut.driver = ipamDriver;
      const pools = this.list(ipam.config, [...at, 'ipam', 'config']);
      if (pools) {
        ipamOut.config = pools.map((pool, i) => {
          const where = [...at, 'ipam', 'config', i];
          const p = this.map(pool, where) ?? {};
          const entry: Record<string, unknown> = {};
          for (const field of ['subnet', 'gateway', 'ip_range'] as const) {
            const v = this.string(p[field], [...where, field]);
            if (v !== undefined) entry[field] = v;
          }
          const aux = this.mapping(p.aux_addresses, [...where, 'aux_addresses']);
          if (aux) entry.aux_addresses = aux;
          return entry;
        });
      }
      const options = this.mapping(ipam.options, [...at, 'ipam', 'options']);
      if (options) ipamOut.options = options;
      out.ipam = ipamOut;
    }
    for (const field of ['internal', 'attachable', 'enable_ipv4', 'enable_ipv6'] as const) {
      const v = this.bool(map[field], [...at, field]);
      if (v !== undefined) out[field] = v;
    }
    const labels = this.mapping(map.labels, [...at, 'labels']);
    if (labels) out.labels = labels;
    const ext = this.extensions(map);
    if (ext) out.extensions = ext;
    return out;
  }

  volume(key: string, raw: Raw, at: Path): VolumeConfig {
    const map = this.map(raw, at) ?? {};
    const out: Mutable<VolumeConfig> = { ...this.resourceName(key, map, at) };
    const driver = this.string(map.driver, [...at, 'driver']);
    if (driver !== undefined) out.driver = driver;
    const driverOpts = this.mapping(map.driver_opts, [...at, 'driver_opts']);
    if (driverOpts) {
      // A local volume with `o: bind` is a bind mount in disguise: its device is a host path.
      if (driver === 'local' && driverOpts.o === 'bind' && driverOpts.device !== undefined) {
        driverOpts.device = this.hostPath(driverOpts.device);
      }
      out.driver_opts = driverOpts;
    }
    const labels = this.mapping(map.labels, [...at, 'labels']);
    if (labels) out.labels = labels;
    const ext = this.extensions(map);
    if (ext) out.extensions = ext;
    return out;
  }

  fileObject(key: string, raw: Raw, at: Path): FileObjectConfig {
    const map = this.map(raw, at) ?? {};
    const out: Mutable<FileObjectConfig> = { ...this.resourceName(key, map, at) };
    const file = this.string(map.file, [...at, 'file']);
    if (file !== undefined) out.file = this.hostPath(file);
    for (const field of ['environment', 'content', 'driver', 'template_driver'] as const) {
      const v = this.string(map[field], [...at, field]);
      if (v !== undefined) out[field] = v;
    }
    const labels = this.mapping(map.labels, [...at, 'labels']);
    if (labels) out.labels = labels;
    const driverOpts = this.mapping(map.driver_opts, [...at, 'driver_opts']);
    if (driverOpts) out.driver_opts = driverOpts;
    const ext = this.extensions(map);
    if (ext) out.extensions = ext;
    return out;
  }

  model(raw: Raw, at: Path): ModelConfig {
    const map = this.map(raw, at) ?? {};
    const out: Mutable<ModelConfig> = { model: this.string(map.model, [...at, 'model']) ?? '' };
    const name = this.string(map.name, [...at, 'name']);
    if (name !== undefined) out.name = name;
    const contextSize = this.integer(map.context_size, [...at, 'context_size']);
    if (contextSize !== undefined) out.context_size = contextSize;
    const flags = this.strings(map.runtime_flags, [...at, 'runtime_flags']);
    if (flags) out.runtime_flags = flags;
    const ext = this.extensions(map);
    if (ext) out.extensions = ext;
    return out;
  }

  // ---- services ------------------------------------------------------------------------------

  service(name: string, map: RawMap, at: Path): Service {
    const s: Mutable<Service> & Record<string, unknown> = { name };
    const p = (key: string): Path => [...at, key];

    for (const key of STRING_FIELDS) {
      const v = this.string(map[key], p(key));
      if (v !== undefined) s[key] = v;
    }
    if (s.pull_policy === 'if_not_present') s.pull_policy = 'missing';
    for (const key of BOOLEAN_FIELDS) {
      const v = this.bool(map[key], p(key));
      if (v !== undefined) s[key] = v;
    }
    for (const key of INTEGER_FIELDS) {
      const v = this.integer(map[key], p(key));
      if (v !== undefined) s[key] = v;
    }
    for (const key of ['cpus', 'cpu_percent'] as const) {
      const v = this.number(map[key], p(key));
      if (v !== undefined) s[key] = v;
    }
    for (const key of BYTE_FIELDS) {
      const v = this.bytes(map[key], p(key));
      if (v !== undefined) s[key] = v;
    }
    for (const key of STRING_LIST_FIELDS) {
      const v = this.strings(map[key], p(key));
      if (v !== undefined) s[key] = v;
    }
    for (const key of ['dns', 'dns_search', 'tmpfs'] as const) {
      const v = this.stringOrList(map[key], p(key));
      if (v !== undefined) s[key] = v;
    }
    for (const key of ['annotations', 'sysctls', 'storage_opt'] as const) {
      const v = this.mapping(map[key], p(key));
      if (v !== undefined) s[key] = v;
    }

    const stopGrace = this.duration(map.stop_grace_period, p('stop_grace_period'));
    if (stopGrace !== undefined) s.stop_grace_period = stopGrace;

    for (const key of ['command', 'entrypoint'] as const) {
      if (key in map) s[key] = this.command(map[key], p(key));
    }

    if (map.build !== undefined && map.build !== null) s.build = this.build(map.build, p('build'));
    const labelFiles = this.stringOrList(map.label_file, p('label_file'));
    if (labelFiles) s.label_file = labelFiles.map((f) => this.hostPath(f));
    const labels = this.labels(map.labels, s.label_file, p('labels'));
    if (labels) s.labels = labels;

    const envFiles = this.envFiles(map.env_file, p('env_file'));
    if (envFiles) s.env_file = envFiles;
    const environment = this.environment(map.environment, envFiles, p('environment'));
    if (environment) s.environment = environment;

    if (map.ports !== undefined && map.ports !== null) s.ports = this.ports(map.ports, p('ports'));
    if (map.volumes !== undefined && map.volumes !== null)
      s.volumes = this.volumes(map.volumes, p('volumes'));
    if (map.devices !== undefined && map.devices !== null)
      s.devices = this.devices(map.devices, p('devices'));
    if (map.extra_hosts !== undefined && map.extra_hosts !== null) {
      s.extra_hosts = this.extraHosts(map.extra_hosts, p('extra_hosts'));
    }
    if (map.ulimits !== undefined && map.ulimits !== null)
      s.ulimits = this.ulimits(map.ulimits, p('ulimits'));
    if (map.secrets !== undefined && map.secrets !== null)
      s.secrets = this.fileRefs(map.secrets, p('secrets'), '/run/secrets/');
    if (map.configs !== undefined && map.configs !== null)
      s.configs = this.fileRefs(map.configs, p('configs'), undefined);
    if (map.healthcheck !== undefined && map.healthcheck !== null)
      s.healthcheck = this.healthcheck(map.healthcheck, p('healthcheck'));
    if (map.deploy !== undefined && map.deploy !== null) s.deploy = this.deploy(map.deploy, p('deploy'));
    if (map.develop !== undefined && map.develop !== null)
      s.develop = this.develop(map.develop, p('develop'));
    if (map.logging !== undefined && map.logging !== null)
      s.logging = this.logging(map.logging, p('logging'));
    if (map.gpus !== undefined && map.gpus !== null) s.gpus = this.gpus(map.gpus, p('gpus'));
    if (map.blkio_config !== undefined && map.blkio_config !== null)
      s.blkio_config = this.blkio(map.blkio_config, p('blkio_config'));
    if (map.credential_spec !== undefined && map.credential_spec !== null) {
      const spec = this.map(map.credential_spec, p('credential_spec')) ?? {};
      const out: Record<string, string> = {};
      for (const key of ['config', 'file', 'registry']) {
        const v = this.string(spec[key], [...p('credential_spec'), key]);
        if (v !== undefined) out[key] = v;
      }
      s.credential_spec = out;
    }
    if (map.provider !== undefined && map.provider !== null)
      s.provider = this.provider(map.provider, p('provider'));
    if (map.models !== undefined && map.models !== null)
      s.models = this.serviceModels(map.models, p('models'));
    for (const key of ['post_start', 'pre_stop', 'pre_start'] as const) {
      const hooks = this.list(map[key], p(key));
      if (hooks) {
        s[key] = hooks.map((hook, i) => {
          const normalised = this.hook(hook, [...p(key), i]);
          // pre_start hooks run the service's image unless they name their own.
          if (key === 'pre_start' && normalised.image === undefined && s.image !== undefined) {
            return { ...normalised, image: s.image };
          }
          return normalised;
        });
      }
    }

    // Every service outside network_mode (and not run by a provider) joins the default network.
    if (s.network_mode === undefined && s.provider === undefined) {
      const networks = this.serviceNetworks(map.networks, p('networks'));
      s.networks = networks && Object.keys(networks).length > 0 ? networks : { default: null };
    } else if (map.networks !== undefined && map.networks !== null) {
      s.networks = this.serviceNetworks(map.networks, p('networks'));
    }

    const dependsOn = this.dependsOn(map.depends_on, p('depends_on'), s);
    if (dependsOn) s.depends_on = dependsOn;

    if (s.scale !== undefined && s.deploy !== undefined) {
      if (s.deploy.replicas !== undefined && s.deploy.replicas !== s.scale) {
        this.fail("can't set distinct values on 'scale' and 'deploy.replicas'", at);
      }
      s.deploy = { ...s.deploy, replicas: s.scale };
    }

    const ext = this.extensions(map);
    if (ext) s.extensions = ext;
    return s;
  }

  command(value: Raw | undefined, at: Path): readonly string[] | null {
    if (value === undefined || value === null) return null;
    if (typeof value === 'string') {
      try {
        return shellSplit(value);
      } catch (error) {
        if (error instanceof ShellSplitError) return this.fail(error.message, at);
        throw error;
      }
    }
    return this.strings(value, at) ?? null;
  }

  build(raw: Raw, at: Path): BuildConfig {
    const map: RawMap = typeof raw === 'string' ? { context: raw } : (this.map(raw, at) ?? {});
    const p = (key: string): Path => [...at, key];
    const out: Mutable<BuildConfig> & Record<string, unknown> = {
      context: this.contextPath(this.string(map.context, p('context')) ?? '.'),
    };
    for (const key of ['dockerfile', 'dockerfile_inline', 'network', 'target', 'isolation'] as const) {
      const v = this.string(map[key], p(key));
      if (v !== undefined) out[key] = v;
    }
    if (out.dockerfile === undefined && out.dockerfile_inline === undefined) out.dockerfile = 'Dockerfile';
    // provenance and sbom may be booleans or attestation strings; Compose keeps them as text.
    for (const key of ['provenance', 'sbom'] as const) {
      const v = this.string(map[key], p(key));
      if (v !== undefined) out[key] = v;
    }
    for (const key of ['no_cache', 'pull', 'privileged'] as const) {
      const v = this.bool(map[key], p(key));
      if (v !== undefined) out[key] = v;
    }
    for (const key of ['entitlements', 'cache_from', 'cache_to', 'tags', 'platforms'] as const) {
      const v = this.strings(map[key], p(key));
      if (v !== undefined) out[key] = v;
    }
    const noCacheFilter = this.stringOrList(map.no_cache_filter, p('no_cache_filter'));
    if (noCacheFilter) out.no_cache_filter = noCacheFilter;
    const args = this.nullableMapping(map.args, p('args'));
    if (args) {
      // A build arg without a value comes from the environment, or is dropped.
      const resolved: Record<string, string | null> = {};
      for (const [key, value] of Object.entries(args)) {
        const v = value ?? this.ctx.environment.get(key);
        if (v !== undefined) resolved[key] = v;
      }
      out.args = resolved;
    }
    if (map.ssh !== undefined && map.ssh !== null) out.ssh = this.ssh(map.ssh, p('ssh'));
    const labels = this.mapping(map.labels, p('labels'));
    if (labels) out.labels = labels;
    const contexts = this.mapping(map.additional_contexts, p('additional_contexts'));
    if (contexts) {
      out.additional_contexts = Object.fromEntries(
        Object.entries(contexts).map(([k, v]) => [k, this.contextPath(v)]),
      );
    }
    if (map.extra_hosts !== undefined && map.extra_hosts !== null)
      out.extra_hosts = this.extraHosts(map.extra_hosts, p('extra_hosts'));
    if (map.secrets !== undefined && map.secrets !== null)
      out.secrets = this.fileRefs(map.secrets, p('secrets'), undefined);
    const shm = this.bytes(map.shm_size, p('shm_size'));
    if (shm !== undefined) out.shm_size = shm;
    if (map.ulimits !== undefined && map.ulimits !== null)
      out.ulimits = this.ulimits(map.ulimits, p('ulimits'));
    const ext = this.extensions(map);
    if (ext) out.extensions = ext;
    return out;
  }

  ssh(raw: Raw, at: Path): Record<string, string | null> {
    const out: Record<string, string | null> = {};
    if (Array.isArray(raw)) {
      raw.forEach((item, i) => {
        const text = this.string(item, [...at, i]) ?? '';
        const equals = text.indexOf('=');
        if (equals < 0) {
          if (text !== 'default') this.fail(`invalid ssh key ${JSON.stringify(text)}`, [...at, i]);
          out[text] = null;
        } else {
          out[text.slice(0, equals)] = this.hostPath(text.slice(equals + 1));
        }
      });
      return out;
    }
    for (const [key, value] of Object.entries(this.map(raw, at) ?? {})) {
      const v = this.string(value, [...at, key]);
      out[key] = v === undefined ? null : this.hostPath(v);
    }
    return out;
  }

  labels(
    raw: Raw | undefined,
    labelFiles: readonly string[] | undefined,
    at: Path,
  ): Record<string, string> | undefined {
    const own = this.mapping(raw, at);
    if (!labelFiles || labelFiles.length === 0) return own;
    const merged: Record<string, string> = {};
    for (const file of labelFiles) {
      let text: string;
      try {
        text = this.readText(file);
      } catch (error) {
        return this.fail(`label file ${file} not found`, [...at.slice(0, -1), 'label_file'], error);
      }
      // Later label files may refer to labels read before them.
      const values = parseDotEnv(text, file, (name: string) => merged[name]);
      for (const [key, value] of values) merged[key] = value;
    }
    Object.assign(merged, own ?? {});
    return Object.keys(merged).length > 0 ? merged : undefined;
  }

  envFiles(raw: Raw | undefined, at: Path): EnvFile[] | undefined {
    if (raw === undefined || raw === null) return undefined;
    const items = typeof raw === 'string' ? [raw] : (this.list(raw, at) ?? []);
    return items.map((item, i) => {
      const where = typeof raw === 'string' ? at : [...at, i];
      if (typeof item === 'string') return { path: this.hostPath(item), required: true };
      const map = this.map(item, where) ?? {};
      const file: Mutable<EnvFile> = {
        path: this.hostPath(this.string(map.path, [...where, 'path']) ?? ''),
        required: this.bool(map.required, [...where, 'required']) ?? true,
      };
      const format = this.string(map.format, [...where, 'format']);
      if (format !== undefined) file.format = format;
      return file;
    });
  }

  /**
   * Docker Compose's order: bare keys resolved from the interpolation environment (kept as null when
   * unset), env files read in order (later wins) with the project env then the service's own values
   * for their `${}` references, and the service's `environment` over all of it (its nulls included).
   */
  environment(
    raw: Raw | undefined,
    envFiles: readonly EnvFile[] | undefined,
    at: Path,
  ): Record<string, string | null> | undefined {
    const own = this.nullableMapping(raw, at) ?? {};
    for (const [key, value] of Object.entries(own)) {
      if (value === null) {
        const resolved = this.ctx.environment.get(key);
        if (resolved !== undefined) own[key] = resolved;
      }
    }
    if (!envFiles || envFiles.length === 0) return raw === undefined || raw === null ? undefined : own;

    // Env files add to one map that already holds the service's own values: later files win, and
    // each file's `${}` references see what was read before it.
    const merged = new Map<string, string>();
    for (const [key, value] of Object.entries(own)) if (value !== null) merged.set(key, value);
    envFiles.forEach((envFile, i) => {
      const where: Path = [...at.slice(0, -1), 'env_file', i];
      if (!this.exists(envFile.path)) {
        if (envFile.required) this.fail(`env file ${envFile.path} not found`, where);
        return;
      }
      const text = this.readText(envFile.path);
      const lookup = (name: string): string | undefined => {
        const fromProject = this.ctx.environment.get(name);
        if (fromProject !== undefined) return fromProject;
        const fromService = own[name];
        return fromService === null ? undefined : fromService;
      };
      if (envFile.format === 'raw') {
        for (const [key, value] of parseRawEnv(text, envFile.path, lookup)) merged.set(key, value);
      } else {
        parseDotEnvInto(text, envFile.path, lookup, merged);
      }
    });
    const out: Record<string, string | null> = Object.fromEntries(merged);
    Object.assign(out, own);
    return Object.keys(out).length > 0 ? out : undefined;
  }

  ports(raw: Raw, at: Path): PortConfig[] {
    const out: PortConfig[] = [];
    (this.list(raw, at) ?? []).forEach((item, i) => {
      const where = [...at, i];
      if (typeof item === 'number' || typeof item === 'string') {
        out.push(...this.shortPort(String(item), where));
        return;
      }
      const map = this.map(item, where) ?? {};
      const target = this.integer(map.target, [...where, 'target']);
      if (target === undefined) return this.fail('target is required', where);
      const port: Mutable<PortConfig> = {
        mode: this.string(map.mode, [...where, 'mode']) ?? 'ingress',
        target,
        protocol: this.string(map.protocol, [...where, 'protocol']) ?? 'tcp',
      };
      const name = this.string(map.name, [...where, 'name']);
      if (name !== undefined) port.name = name;
      const hostIp = this.string(map.host_ip, [...where, 'host_ip']);
      if (hostIp !== undefined && hostIp !== '') port.host_ip = hostIp;
      const published = this.string(map.published, [...where, 'published']);
      if (published !== undefined && published !== '') port.published = published;
      const appProtocol = this.string(map.app_protocol, [...where, 'app_protocol']);
      if (appProtocol !== undefined) port.app_protocol = appProtocol;
      const ext = this.extensions(map);
      if (ext) port.extensions = ext;
      out.push(port);
    });
    return out;
  }

  /** `[HOST_IP:][HOST[-RANGE]:]CONTAINER[-RANGE][/PROTO]`, one entry per container port. */
  shortPort(spec: string, at: Path): PortConfig[] {
    const parts = spec.split(':');
    const last = parts[parts.length - 1] ?? '';
    let ip = '';
    let host = '';
    if (parts.length === 2) host = parts[0] ?? '';
    else if (parts.length === 3) [ip, host] = [parts[0] ?? '', parts[1] ?? ''];
    else if (parts.length > 3) [ip, host] = [parts.slice(0, -2).join(':'), parts[parts.length - 2] ?? ''];
    const slash = last.indexOf('/');
    const containerText = slash < 0 ? last : last.slice(0, slash);
    const protocol = (slash < 0 ? 'tcp' : last.slice(slash + 1) || 'tcp').toLowerCase();
    if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
    if (ip !== '' && isIP(ip) === 0) this.fail(`invalid IP address: ${ip}`, at);
    if (containerText === '') this.fail(`no port specified: ${spec}<empty>`, at);
    if (!['tcp', 'udp', 'sctp'].includes(protocol)) this.fail(`invalid proto: ${protocol}`, at);
    const [start, end] = this.portRange(containerText, spec, at);
    let hostStart = 0;
    let hostEnd = 0;
    if (host !== '') [hostStart, hostEnd] = this.portRange(host, spec, at);
    if (host !== '' && end - start !== hostEnd - hostStart && end !== start) {
      this.fail(`invalid ranges specified for container and host Ports: ${containerText} and ${host}`, at);
    }
    const ports: PortConfig[] = [];
    for (let i = 0; i <= end - start; i++) {
      let published = host === '' ? '' : String(hostStart + i);
      // One container port with a host range: the range is where the engine picks a free port.
      if (start === end && hostStart !== hostEnd) published = `${published}-${hostEnd}`;
      const port: Mutable<PortConfig> = { mode: 'ingress', target: start + i, protocol };
      if (ip !== '') port.host_ip = ip;
      if (published !== '') port.published = published;
      ports.push(port);
    }
    // Docker Compose orders the entries of one spec by their `port/proto` text.
    return ports.sort((a, b) => compareStrings(`${a.target}/${a.protocol}`, `${b.target}/${b.protocol}`));
  }

  portRange(text: string, spec: string, at: Path): [number, number] {
    const match = /^(\d+)(?:-(\d+))?$/.exec(text);
    if (!match) return this.fail(`invalid port ${JSON.stringify(text)} in ${JSON.stringify(spec)}`, at);
    const start = Number(match[1]);
    const end = match[2] === undefined ? start : Number(match[2]);
    if (start > 65535 || end > 65535 || end < start)
      this.fail(`invalid port range ${text} in ${JSON.stringify(spec)}`, at);
    return [start, end];
  }

  volumes(raw: Raw, at: Path): ServiceVolume[] {
    return (this.list(raw, at) ?? []).map((item, i) => {
      const where = [...at, i];
      const volume = typeof item === 'string' ? this.shortVolume(item, where) : this.longVolume(item, where);
      if (volume.type === 'bind' && volume.source !== undefined)
        return { ...volume, source: this.hostPath(volume.source) };
      return volume;
    });
  }

  /** `SRC:DST[:OPTS]` or `DST` alone (an anonymous volume), as Docker Compose reads it. */
  shortVolume(spec: string, at: Path): ServiceVolume {
    if (spec === '') return this.fail('invalid empty volume spec', at);
    if (spec.length <= 2) return { type: 'volume', target: cleanTarget(spec) };
    const fields: string[] = [];
    let buffer = '';
    let depth = 0; // `${...}` may contain colons
    const chars = [...spec];
    chars.forEach((char, i) => {
      if (char === '$' && chars[i + 1] === '{') depth++;
      else if (char === '}' && depth > 0) depth--;
      const windowsDrive =
        char === ':' && buffer.length === 1 && fields.length === 0 && /^[A-Za-z]$/.test(buffer);
      if (char === ':' && depth === 0 && !windowsDrive) {
        fields.push(buffer);
        buffer = '';
      } else {
        buffer += char;
      }
    });
    fields.push(buffer);
    if (fields.some((f) => f === '')) this.fail(`invalid spec: ${spec}: empty section between colons`, at);
    if (fields.length > 3) this.fail(`invalid spec: ${spec}: too many colons`, at);
    const [first = '', second, options] = fields;
    const source = second === undefined ? '' : first;
    const target = second === undefined ? first : second;

    let readOnly = false;
    let nocopy = false;
    let selinux: string | undefined;
    let propagation: string | undefined;
    for (const option of (options ?? '').split(',')) {
      if (option === 'ro') readOnly = true;
      else if (option === 'rw') readOnly = false;
      else if (option === 'nocopy') nocopy = true;
      else if (option === 'z' || option === 'Z') selinux = option;
      else if (PROPAGATIONS.has(option)) propagation = option;
      // Docker Compose ignores any other option.
    }
    const out: Mutable<ServiceVolume> = {
      type: isFilePath(source) ? 'bind' : 'volume',
      target: cleanTarget(target),
    };
    if (source !== '') out.source = source;
    if (readOnly) out.read_only = true;
    if (out.type === 'bind') {
      out.bind = {
        ...(propagation !== undefined ? { propagation } : {}),
        create_host_path: true, // short-syntax binds create a missing host directory
        ...(selinux !== undefined ? { selinux } : {}),
      };
    } else {
      if (selinux !== undefined || propagation !== undefined) {
        out.bind = {
          ...(propagation !== undefined ? { propagation } : {}),
          ...(selinux !== undefined ? { selinux } : {}),
        };
      }
      out.volume = nocopy ? { nocopy: true } : {};
    }
    return out;
  }

  longVolume(raw: Raw, at: Path): ServiceVolume {
    const map = this.map(raw, at) ?? {};
    const type = this.string(map.type, [...at, 'type']) as VolumeType | undefined;
    if (type === undefined || !VOLUME_TYPES.has(type))
      return this.fail('type must be one of volume, bind, tmpfs, npipe, cluster, image', at);
    const target = this.string(map.target, [...at, 'target']);
    if (target === undefined) return this.fail('target is required', at);
    const out: Mutable<ServiceVolume> = { type, target: cleanTarget(target) };
    const source = this.string(map.source, [...at, 'source']);
    if (source !== undefined) out.source = source;
    if (type === 'bind' && source === undefined)
      this.fail('invalid mount config for type "bind": field Source must not be empty', at);
    const readOnly = this.bool(map.read_only, [...at, 'read_only']);
    if (readOnly !== undefined) out.read_only = readOnly;
    const consistency = this.string(map.consistency, [...at, 'consistency']);
    if (consistency !== undefined) out.consistency = consistency;
    const bind = this.map(map.bind, [...at, 'bind']);
    if (bind) {
      const b: Record<string, unknown> = {};
      for (const key of ['propagation', 'selinux', 'recursive']) {
        const v = this.string(bind[key], [...at, 'bind', key]);
        if (v !== undefined) b[key] = v;
      }
      b.create_host_path = this.bool(bind.create_host_path, [...at, 'bind', 'create_host_path']) ?? true;
      out.bind = b;
    }
    const volume = this.map(map.volume, [...at, 'volume']);
    if (volume) {
      const v: Record<string, unknown> = {};
      const nocopy = this.bool(volume.nocopy, [...at, 'volume', 'nocopy']);
      if (nocopy !== undefined) v.nocopy = nocopy;
      const subpath = this.string(volume.subpath, [...at, 'volume', 'subpath']);
      if (subpath !== undefined) v.subpath = subpath;
      const labels = this.mapping(volume.labels, [...at, 'volume', 'labels']);
      if (labels) v.labels = labels;
      out.volume = v;
    }
    const tmpfs = this.map(map.tmpfs, [...at, 'tmpfs']);
    if (tmpfs) {
      const t: Record<string, number> = {};
      const size = this.bytes(tmpfs.size, [...at, 'tmpfs', 'size']);
      if (size !== undefined) t.size = size;
      const mode = this.mode(tmpfs.mode, [...at, 'tmpfs', 'mode']);
      if (mode !== undefined) t.mode = mode;
      out.tmpfs = t;
    }
    const image = this.map(map.image, [...at, 'image']);
    if (image) {
      const subpath = this.string(image.subpath, [...at, 'image', 'subpath']);
      out.image = subpath === undefined ? {} : { subpath };
    }
    const ext = this.extensions(map);
    if (ext) out.extensions = ext;
    return out;
  }

  devices(raw: Raw, at: Path): DeviceMapping[] {
    return (this.list(raw, at) ?? []).map((item, i) => {
      const where = [...at, i];
      if (typeof item === 'string') {
        const parts = item.split(':');
        if (parts.length > 3)
          return this.fail(`confusing device mapping, please use long syntax: ${item}`, where);
        const source = parts[0] ?? '';
        const target = parts[1] || source;
        return { source, target, permissions: parts[2] ?? 'rwm' };
      }
      const map = this.map(item, where) ?? {};
      const device: Record<string, string> = {};
      for (const key of ['source', 'target', 'permissions']) {
        const v = this.string(map[key], [...where, key]);
        if (v !== undefined) device[key] = v;
      }
      return device as unknown as DeviceMapping;
    });
  }

  extraHosts(raw: Raw, at: Path): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    const add = (host: string, ips: string[], where: Path) => {
      if (host === '' || /[:=]/.test(host)) this.fail(`bad host name '${host}'`, where);
      const cleaned = ips.map((ip) =>
        ip.length > 2 && ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip,
      );
      out[host] = [...(out[host] ?? []), ...cleaned];
    };
    if (Array.isArray(raw)) {
      raw.forEach((item, i) => {
        const text = this.string(item, [...at, i]) ?? '';
        // `host=ip` is preferred; `host:ip` splits at the first colon so IPv6 addresses survive.
        const equals = text.indexOf('=');
        const colon = text.indexOf(':');
        const cut = equals >= 0 ? equals : colon;
        if (cut < 0) this.fail(`invalid additional host, missing IP: ${text}`, [...at, i]);
        add(text.slice(0, cut), text.slice(cut + 1).split(','), [...at, i]);
      });
      return out;
    }
    for (const [host, value] of Object.entries(this.map(raw, at) ?? {})) {
      const ips = Array.isArray(value)
        ? value.map((v, i) => this.string(v, [...at, host, i]) ?? '')
        : [this.string(value, [...at, host]) ?? ''];
      add(host, ips, [...at, host]);
    }
    return out;
  }

  ulimits(raw: Raw, at: Path): Record<string, Ulimit> {
    const out: Record<string, Ulimit> = {};
    for (const [name, value] of Object.entries(this.map(raw, at) ?? {})) {
      const where = [...at, name];
      if (typeof value === 'number' || typeof value === 'string') {
        const single = this.integer(value, where) ?? 0;
        out[name] = { soft: single, hard: single, single: true };
        continue;
      }
      const map = this.map(value, where) ?? {};
      out[name] = {
        soft: this.integer(map.soft, [...where, 'soft']) ?? 0,
        hard: this.integer(map.hard, [...where, 'hard']) ?? 0,
      };
    }
    return out;
  }

  fileRefs(raw: Raw, at: Path, defaultTargetPrefix: string | undefined): FileReference[] {
    return (this.list(raw, at) ?? []).map((item, i) => {
      const where = [...at, i];
      const map: RawMap = typeof item === 'string' ? { source: item } : (this.map(item, where) ?? {});
      const source = this.string(map.source, [...where, 'source']) ?? '';
      const ref: Mutable<FileReference> = { source };
      const target = this.string(map.target, [...where, 'target']);
      if (target !== undefined) ref.target = target;
      else if (defaultTargetPrefix !== undefined) ref.target = `${defaultTargetPrefix}${source}`;
      for (const key of ['uid', 'gid'] as const) {
        const v = this.string(map[key], [...where, key]);
        if (v !== undefined) ref[key] = v;
      }
      const mode = this.mode(map.mode, [...where, 'mode']);
      if (mode !== undefined) ref.mode = mode;
      return ref;
    });
  }

  healthcheck(raw: Raw, at: Path): HealthCheck {
    const map = this.map(raw, at) ?? {};
    const out: Mutable<HealthCheck> = {};
    if (typeof map.test === 'string') out.test = ['CMD-SHELL', map.test];
    else if (map.test !== undefined && map.test !== null) out.test = this.strings(map.test, [...at, 'test']);
    for (const key of ['interval', 'timeout', 'start_period', 'start_interval'] as const) {
      const v = this.duration(map[key], [...at, key]);
      if (v !== undefined) out[key] = v;
    }
    const retries = this.integer(map.retries, [...at, 'retries']);
    if (retries !== undefined) out.retries = retries;
    const disable = this.bool(map.disable, [...at, 'disable']);
    if (disable !== undefined) out.disable = disable;
    // `disable: true` is the same as `test: ["NONE"]` for the engine.
    if (disable === true) out.test = ['NONE'];
    return out;
  }

  deploy(raw: Raw, at: Path): DeployConfig {
    const map = this.map(raw, at) ?? {};
    const out: Mutable<DeployConfig> = {};
    for (const key of ['mode', 'endpoint_mode'] as const) {
      const v = this.string(map[key], [...at, key]);
      if (v !== undefined) out[key] = v;
    }
    const replicas = this.integer(map.replicas, [...at, 'replicas']);
    if (replicas !== undefined) out.replicas = replicas;
    const labels = this.mapping(map.labels, [...at, 'labels']);
    if (labels) out.labels = labels;
    for (const key of ['update_config', 'rollback_config'] as const) {
      const m = this.map(map[key], [...at, key]);
      if (m) out[key] = this.updateConfig(m, [...at, key]);
    }
    const resources = this.map(map.resources, [...at, 'resources']);
    if (resources) {
      const r: { limits?: Resource; reservations?: Resource } = {};
      for (const key of ['limits', 'reservations'] as const) {
        const m = this.map(resources[key], [...at, 'resources', key]);
        if (m) r[key] = this.resource(m, [...at, 'resources', key]);
      }
      out.resources = r;
    }
    const policy = this.map(map.restart_policy, [...at, 'restart_policy']);
    if (policy) {
      const where = [...at, 'restart_policy'];
      const rp: Record<string, unknown> = {};
      const condition = this.string(policy.condition, [...where, 'condition']);
      if (condition !== undefined) rp.condition = condition;
      const delay = this.duration(policy.delay, [...where, 'delay']);
      if (delay !== undefined) rp.delay = delay;
      const attempts = this.integer(policy.max_attempts, [...where, 'max_attempts']);
      if (attempts !== undefined) rp.max_attempts = attempts;
      const window = this.duration(policy.window, [...where, 'window']);
      if (window !== undefined) rp.window = window;
      out.restart_policy = rp;
    }
    const placement = this.map(map.placement, [...at, 'placement']);
    if (placement) {
      const where = [...at, 'placement'];
      const pl: Record<string, unknown> = {};
      const constraints = this.strings(placement.constraints, [...where, 'constraints']);
      if (constraints) pl.constraints = constraints;
      const preferences = this.list(placement.preferences, [...where, 'preferences']);
      if (preferences) {
        pl.preferences = preferences.map((item, i) => ({
          spread:
            this.string(this.map(item, [...where, 'preferences', i])?.spread, [
              ...where,
              'preferences',
              i,
              'spread',
            ]) ?? '',
        }));
      }
      const max = this.integer(placement.max_replicas_per_node, [...where, 'max_replicas_per_node']);
      if (max !== undefined) pl.max_replicas_per_node = max;
      out.placement = pl;
    }
    return out;
  }

  updateConfig(map: RawMap, at: Path): UpdateConfig {
    const out: Mutable<UpdateConfig> = {};
    const parallelism = this.integer(map.parallelism, [...at, 'parallelism']);
    if (parallelism !== undefined) out.parallelism = parallelism;
    for (const key of ['delay', 'monitor'] as const) {
      const v = this.duration(map[key], [...at, key]);
      if (v !== undefined) out[key] = v;
    }
    for (const key of ['failure_action', 'order'] as const) {
      const v = this.string(map[key], [...at, key]);
      if (v !== undefined) out[key] = v;
    }
    const ratio = this.number(map.max_failure_ratio, [...at, 'max_failure_ratio']);
    if (ratio !== undefined) out.max_failure_ratio = ratio;
    return out;
  }

  resource(map: RawMap, at: Path): Resource {
    const out: Mutable<Resource> = {};
    const cpus = this.number(map.cpus, [...at, 'cpus']);
    if (cpus !== undefined) out.cpus = cpus;
    const memory = this.bytes(map.memory, [...at, 'memory']);
    if (memory !== undefined) out.memory = memory;
    const pids = this.integer(map.pids, [...at, 'pids']);
    if (pids !== undefined) out.pids = pids;
    const devices = this.list(map.devices, [...at, 'devices']);
    if (devices) out.devices = devices.map((d, i) => this.deviceRequest(d, [...at, 'devices', i]));
    const generic = this.list(map.generic_resources, [...at, 'generic_resources']);
    if (generic) {
      out.generic_resources = generic.map((g, i) => {
        const where = [...at, 'generic_resources', i];
        const spec = this.map(this.map(g, where)?.discrete_resource_spec, [
          ...where,
          'discrete_resource_spec',
        ]);
        if (!spec) return {};
        return {
          discrete_resource_spec: {
            kind: this.string(spec.kind, [...where, 'discrete_resource_spec', 'kind']) ?? '',
            value: this.integer(spec.value, [...where, 'discrete_resource_spec', 'value']) ?? 0,
          },
        };
      });
    }
    return out;
  }

  deviceRequest(raw: Raw, at: Path): DeviceRequest {
    const map = this.map(raw, at) ?? {};
    const out: Mutable<DeviceRequest> = {};
    const capabilities = this.strings(map.capabilities, [...at, 'capabilities']);
    if (capabilities) out.capabilities = capabilities;
    const driver = this.string(map.driver, [...at, 'driver']);
    if (driver !== undefined) out.driver = driver;
    if (map.count !== undefined && map.count !== null) {
      out.count =
        typeof map.count === 'string' && map.count.toLowerCase() === 'all'
          ? 'all'
          : (this.integer(map.count, [...at, 'count']) ?? 0);
    }
    const ids = this.strings(map.device_ids, [...at, 'device_ids']);
    if (ids) out.device_ids = ids;
    // Neither a count nor ids: every device, as Docker Compose defaults it.
    if (out.count === undefined && out.device_ids === undefined) out.count = 'all';
    const options = this.mapping(map.options, [...at, 'options']);
    if (options) out.options = options;
    return out;
  }

  gpus(raw: Raw, at: Path): DeviceRequest[] {
    if (typeof raw === 'string') return [{ count: 'all' }];
    return (this.list(raw, at) ?? []).map((item, i) => this.deviceRequest(item, [...at, i]));
  }

  develop(raw: Raw, at: Path): DevelopConfig {
    const map = this.map(raw, at) ?? {};
    const watch = this.list(map.watch, [...at, 'watch']);
    if (!watch) return {};
    return {
      watch: watch.map((item, i): WatchRule => {
        const where = [...at, 'watch', i];
        const rule = this.map(item, where) ?? {};
        const out: Mutable<WatchRule> = {
          path: this.hostPath(this.string(rule.path, [...where, 'path']) ?? ''),
          action: (this.string(rule.action, [...where, 'action']) ?? 'sync') as WatchRule['action'],
        };
        const target = this.string(rule.target, [...where, 'target']);
        if (target !== undefined) out.target = target;
        if (rule.exec !== undefined && rule.exec !== null)
          out.exec = this.hook(rule.exec, [...where, 'exec']);
        for (const key of ['include', 'ignore'] as const) {
          const v = this.stringOrList(rule[key], [...where, key]);
          if (v !== undefined) out[key] = v;
        }
        const initial = this.bool(rule.initial_sync, [...where, 'initial_sync']);
        if (initial !== undefined) out.initial_sync = initial;
        return out;
      }),
    };
  }

  hook(raw: Raw, at: Path): ServiceHook {
    const map = this.map(raw, at) ?? {};
    const out: Mutable<ServiceHook> = { command: this.command(map.command, [...at, 'command']) ?? [] };
    for (const key of ['image', 'user', 'working_dir'] as const) {
      const v = this.string(map[key], [...at, key]);
      if (v !== undefined) out[key] = v;
    }
    for (const key of ['privileged', 'per_replica'] as const) {
      const v = this.bool(map[key], [...at, key]);
      if (v !== undefined) out[key] = v;
    }
    const environment = this.nullableMapping(map.environment, [...at, 'environment']);
    if (environment) out.environment = environment;
    return out;
  }

  logging(raw: Raw, at: Path): LoggingConfig {
    const map = this.map(raw, at) ?? {};
    const out: Mutable<LoggingConfig> = {};
    const driver = this.string(map.driver, [...at, 'driver']);
    if (driver !== undefined) out.driver = driver;
    const options = this.mapping(map.options, [...at, 'options']);
    if (options) out.options = options;
    return out;
  }

  blkio(raw: Raw, at: Path): BlkioConfig {
    const map = this.map(raw, at) ?? {};
    const out: Record<string, unknown> = {};
    const weight = this.integer(map.weight, [...at, 'weight']);
    if (weight !== undefined) out.weight = weight;
    const weights = this.list(map.weight_device, [...at, 'weight_device']);
    if (weights) {
      out.weight_device = weights.map((w, i) => {
        const m = this.map(w, [...at, 'weight_device', i]) ?? {};
        return {
          path: this.string(m.path, [...at, 'weight_device', i, 'path']) ?? '',
          weight: this.integer(m.weight, [...at, 'weight_device', i, 'weight']) ?? 0,
        };
      });
    }
    for (const key of ['device_read_bps', 'device_write_bps', 'device_read_iops', 'device_write_iops']) {
      const items = this.list(map[key], [...at, key]);
      if (!items) continue;
      out[key] = items.map((d, i) => {
        const where = [...at, key, i];
        const m = this.map(d, where) ?? {};
        // bps rates accept sizes (`10mb`); iops rates are plain numbers.
        const rate = key.endsWith('bps')
          ? this.bytes(m.rate, [...where, 'rate'])
          : this.integer(m.rate, [...where, 'rate']);
        return { path: this.string(m.path, [...where, 'path']) ?? '', rate: rate ?? 0 };
      });
    }
    return out as BlkioConfig;
  }

  provider(raw: Raw, at: Path): NonNullable<Service['provider']> {
    const map = this.map(raw, at) ?? {};
    const type = this.string(map.type, [...at, 'type']) ?? '';
    const options = this.map(map.options, [...at, 'options']);
    if (!options) return { type };
    const out: Record<string, string[]> = {};
    for (const [key, value] of Object.entries(options)) {
      out[key] = Array.isArray(value)
        ? value.map((v, i) => this.string(v, [...at, 'options', key, i]) ?? '')
        : [this.string(value, [...at, 'options', key]) ?? ''];
    }
    return { type, options: out };
  }

  serviceModels(raw: Raw, at: Path): NonNullable<Service['models']> {
    if (Array.isArray(raw))
      return Object.fromEntries(raw.map((m, i) => [this.string(m, [...at, i]) ?? '', null]));
    const out: Record<string, { endpoint_var?: string; model_var?: string } | null> = {};
    for (const [key, value] of Object.entries(this.map(raw, at) ?? {})) {
      const m = this.map(value, [...at, key]);
      if (!m) {
        out[key] = null;
        continue;
      }
      const entry: { endpoint_var?: string; model_var?: string } = {};
      const endpoint = this.string(m.endpoint_var, [...at, key, 'endpoint_var']);
      if (endpoint !== undefined) entry.endpoint_var = endpoint;
      const modelVar = this.string(m.model_var, [...at, key, 'model_var']);
      if (modelVar !== undefined) entry.model_var = modelVar;
      out[key] = entry;
    }
    return out;
  }

  serviceNetworks(raw: Raw | undefined, at: Path): Record<string, ServiceNetwork | null> | undefined {
    if (raw === undefined || raw === null) return undefined;
    if (Array.isArray(raw))
      return Object.fromEntries(raw.map((n, i) => [this.string(n, [...at, i]) ?? '', null]));
    const out: Record<string, ServiceNetwork | null> = {};
    for (const [key, value] of Object.entries(this.map(raw, at) ?? {})) {
      const where = [...at, key];
      const m = this.map(value, where);
      if (!m) {
        out[key] = null;
        continue;
      }
      const entry: Record<string, unknown> = {};
      for (const field of ['interface_name', 'ipv4_address', 'ipv6_address', 'mac_address']) {
        const v = this.string(m[field], [...where, field]);
        if (v !== undefined) entry[field] = v;
      }
      for (const field of ['aliases', 'link_local_ips']) {
        const v = this.strings(m[field], [...where, field]);
        if (v !== undefined) entry[field] = v;
      }
      for (const field of ['gw_priority', 'priority']) {
        const v = this.integer(m[field], [...where, field]);
        if (v !== undefined) entry[field] = v;
      }
      const driverOpts = this.mapping(m.driver_opts, [...where, 'driver_opts']);
      if (driverOpts) entry.driver_opts = driverOpts;
      out[key] = entry;
    }
    return out;
  }

  /** The declared dependencies, then the implicit ones Docker Compose adds (declared ones win). */
  dependsOn(raw: Raw | undefined, at: Path, service: Service): Record<string, ServiceDependency> | undefined {
    const out: Record<string, ServiceDependency> = {};
    if (Array.isArray(raw)) {
      raw.forEach((item, i) => {
        out[this.string(item, [...at, i]) ?? ''] = { condition: 'service_started', required: true };
      });
    } else if (raw !== undefined && raw !== null) {
      for (const [name, value] of Object.entries(this.map(raw, at) ?? {})) {
        const where = [...at, name];
        const m = this.map(value, where) ?? {};
        const condition = this.string(m.condition, [...where, 'condition']) ?? 'service_started';
        if (!CONDITIONS.has(condition))
          this.fail(`invalid condition ${JSON.stringify(condition)}`, [...where, 'condition']);
        const dep: Mutable<ServiceDependency> = {
          condition: condition as ServiceDependency['condition'],
          required: this.bool(m.required, [...where, 'required']) ?? true,
        };
        const restart = this.bool(m.restart, [...where, 'restart']);
        if (restart !== undefined) dep.restart = restart;
        out[name] = dep;
      }
    }
    const implicit = (name: string, restart: boolean) => {
      if (!(name in out)) out[name] = { condition: 'service_started', restart, required: true };
    };
    for (const link of service.links ?? []) implicit(link.split(':')[0] ?? link, true);
    for (const mode of [service.network_mode, service.ipc, service.pid, service.uts, service.cgroup]) {
      if (mode?.startsWith('service:')) implicit(mode.slice('service:'.length), true);
    }
    for (const from of service.volumes_from ?? []) {
      if (!from.startsWith('container:')) implicit(from.split(':')[0] ?? from, false);
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
}

const STRING_FIELDS = [
  'cgroup',
  'cgroup_parent',
  'container_name',
  'cpuset',
  'domainname',
  'hostname',
  'image',
  'ipc',
  'isolation',
  'mac_address',
  'network_mode',
  'pid',
  'platform',
  'pull_policy',
  'pull_refresh_after',
  'restart',
  'runtime',
  'stop_signal',
  'user',
  'userns_mode',
  'uts',
  'volume_driver',
  'working_dir',
] as const;
const BOOLEAN_FIELDS = [
  'attach',
  'init',
  'oom_kill_disable',
  'privileged',
  'read_only',
  'stdin_open',
  'tty',
  'use_api_socket',
] as const;
const INTEGER_FIELDS = [
  'cpu_count',
  'cpu_period',
  'cpu_quota',
  'cpu_rt_period',
  'cpu_rt_runtime',
  'cpu_shares',
  'mem_swappiness',
  'oom_score_adj',
  'pids_limit',
  'scale',
] as const;
const BYTE_FIELDS = ['mem_limit', 'mem_reservation', 'memswap_limit', 'shm_size'] as const;
const STRING_LIST_FIELDS = [
  'cap_add',
  'cap_drop',
  'device_cgroup_rules',
  'dns_opt',
  'expose',
  'external_links',
  'group_add',
  'links',
  'profiles',
  'security_opt',
  'volumes_from',
] as const;
const VOLUME_TYPES = new Set<string>(['volume', 'bind', 'tmpfs', 'npipe', 'cluster', 'image']);
const PROPAGATIONS = new Set(['rprivate', 'private', 'rshared', 'shared', 'rslave', 'slave']);
const CONDITIONS = new Set(['service_started', 'service_healthy', 'service_completed_successfully']);

/** A bind source: a path starting `.`, `/` or `~`, a Windows pipe or a drive letter. */
function isFilePath(source: string): boolean {
  if (source === '') return false;
  if (source.startsWith('.') || source.startsWith('/') || source.startsWith('~')) return true;
  if (source.startsWith('\\\\')) return true;
  return /^[A-Za-z]:/.test(source);
}

/** Go's path.Clean for container paths: no trailing slash, no `.` or `..` segments. */
function cleanTarget(target: string): string {
  if (target === '') return '';
  const cleaned = path.posix.normalize(target);
  return cleaned.length > 1 && cleaned.endsWith('/') ? cleaned.slice(0, -1) : cleaned;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
