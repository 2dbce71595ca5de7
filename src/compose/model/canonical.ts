// The canonical form of a project, as `berth config` prints it: the shape and key order of
// `docker compose config`, so the two outputs can be compared line by line.
// Docker Compose marshals Go structs: attributes come in struct-field order (mostly, not entirely,
// alphabetical — `profiles` first, `hostname` before `healthcheck`, hooks last), maps come sorted,
// empty values are left out, durations print as Go durations (`1m30s`), byte sizes as decimal strings,
// file modes as octal strings. The key lists below are that order; keep them in step with types.ts.
// Invariant: toCanonical is a pure function of the Project; both renderers print the same object.

import { Document, visit } from 'yaml';
import type {
  BuildConfig,
  DeviceRequest,
  FileObjectConfig,
  FileReference,
  HealthCheck,
  NetworkConfig,
  Project,
  Service,
  ServiceHook,
  Ulimit,
  VolumeConfig,
} from './types.js';

export type CanonicalFormat = 'yaml' | 'json';
type Obj = Record<string, unknown>;

/** The object `berth config` prints (YAML map order by default; JSON orders maps by bytes). */
export function toCanonical(project: Project, format: CanonicalFormat = 'yaml'): Obj {
  const c = new Canonicaliser(format);
  const out: Obj = { name: project.name, services: c.sortedMap(project.services, (s) => c.service(s)) };
  const sections: [string, Record<string, unknown>, (v: never) => unknown][] = [
    ['networks', project.networks, (n: NetworkConfig) => c.network(n)],
    ['volumes', project.volumes, (v: VolumeConfig) => c.volume(v)],
    ['secrets', project.secrets, (s: FileObjectConfig) => c.fileObject(s, 'secret')],
    ['configs', project.configs, (s: FileObjectConfig) => c.fileObject(s, 'config')],
    ['models', project.models, (m: Obj) => c.ordered(m, MODEL_KEYS, {})],
  ];
  for (const [key, map, convert] of sections) {
    if (Object.keys(map).length > 0) out[key] = c.sortedMap(map, convert as (v: unknown) => unknown);
  }
  Object.assign(out, c.extensions(project.extensions));
  // Go's encoding/json sorts the keys of the top-level map it builds.
  return format === 'json' ? c.sortKeys(out) : out;
}

/**
 * `docker compose config` YAML: 2-space indent, no folding, quotes only where YAML needs them, in Go's
 * style: a string that would read back as another type (`"8080"`, `"yes"`, `""`) is double-quoted, any
 * other string that cannot be plain (`'*.css'`, `'a: b'`) is single-quoted.
 */
export interface RenderOptions {
  /** Write a literal `$` as `$$` (default). Off for an uninterpolated model, whose `${VAR}` must stay. */
  readonly escapeDollars?: boolean;
}

export function renderYaml(project: Project, options: RenderOptions = {}): string {
  const doc = new Document(toCanonical(project, 'yaml'), { version: '1.1' });
  visit(doc, {
    Scalar(_key, node) {
      const value = node.value;
      if (typeof value === 'string' && readsAsOtherType(value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  const text = doc.toString({ indent: 2, lineWidth: 0, minContentWidth: 0, singleQuote: true });
  return options.escapeDollars === false ? text : escapeDollars(text);
}

/**
 * The plain-scalar tests of both YAML 1.1 (Go's encoder: `yes`, `on`, `0644`) and YAML 1.2 core (our own
 * loader and most other readers: `0o17`). A string matching either is quoted, so every reader of the
 * output, berth included, gets the string back.
 */
const OTHER_TYPES: readonly RegExp[] = [
  ...new Document(null, { version: '1.1' }).schema.tags,
  ...new Document(null, { version: '1.2', schema: 'core' }).schema.tags,
].flatMap((tag) =>
  tag.default === true && tag.tag !== 'tag:yaml.org,2002:str' && tag.test !== undefined ? [tag.test] : [],
);

export function readsAsOtherType(value: string): boolean {
  return value === '' || OTHER_TYPES.some((test) => test.test(value));
}

/** `docker compose config --format json`: 2-space indent, Go's HTML-safe escaping. */
export function renderJson(project: Project, options: RenderOptions = {}): string {
  const text = JSON.stringify(toCanonical(project, 'json'), null, 2)
    .replaceAll('<', '\\u003c')
    .replaceAll('>', '\\u003e')
    .replaceAll('&', '\\u0026');
  return (options.escapeDollars === false ? text : escapeDollars(text)) + '\n';
}

/** The output is itself a compose file: a literal `$` must survive being interpolated again. */
function escapeDollars(text: string): string {
  return text.replaceAll('$', '$$$$');
}

/** Go's time.Duration.String(): `1h0m0s`, `1m30s`, `1.5s`, `500ms`, `0s`. */
export function formatGoDuration(ms: number): string {
  const ns = Math.round(ms * 1e6);
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  const abs = Math.abs(ns);
  if (abs < 1e3) return `${sign}${abs}ns`;
  if (abs < 1e6) return `${sign}${trimFraction(abs / 1e3)}µs`;
  if (abs < 1e9) return `${sign}${trimFraction(abs / 1e6)}ms`;
  const hours = Math.floor(abs / 3.6e12);
  const minutes = Math.floor((abs % 3.6e12) / 6e10);
  const seconds = trimFraction((abs % 6e10) / 1e9);
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

function trimFraction(value: number): string {
  return String(Number(value.toFixed(9)));
}

/** Go's yaml encoder orders map keys "naturally": digit runs compare as numbers, letters before symbols. */
export function compareYamlKeys(a: string, b: string): number {
  if (a === b) return 0;
  return yamlKeyLess(a, b) ? -1 : 1;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function isLetter(c: string): boolean {
  return /\p{L}/u.test(c);
}

function yamlKeyLess(a: string, b: string): boolean {
  const ar = [...a];
  const br = [...b];
  let digits = false;
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const ac = ar[i] as string;
    const bc = br[i] as string;
    if (ac === bc) {
      digits = isDigit(ac);
      continue;
    }
    const al = isLetter(ac);
    const bl = isLetter(bc);
    if (al && bl) return ac < bc;
    if (al || bl) return digits ? al : bl;
    let an = 0;
    let bn = 0;
    if (ac === '0' || bc === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
        if (ar[j] !== '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < ar.length && isDigit(ar[ai]); ai++) an = an * 10 + Number(ar[ai]);
    let bi = i;
    for (; bi < br.length && isDigit(br[bi]); bi++) bn = bn * 10 + Number(br[bi]);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ac < bc;
  }
  return ar.length < br.length;
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

const SERVICE_KEYS = [
  'profiles',
  'annotations',
  'attach',
  'build',
  'develop',
  'blkio_config',
  'cap_add',
  'cap_drop',
  'cgroup_parent',
  'cgroup',
  'cpu_count',
  'cpu_percent',
  'cpu_period',
  'cpu_quota',
  'cpu_rt_period',
  'cpu_rt_runtime',
  'cpus',
  'cpuset',
  'cpu_shares',
  'command',
  'configs',
  'container_name',
  'credential_spec',
  'depends_on',
  'deploy',
  'device_cgroup_rules',
  'devices',
  'dns',
  'dns_opt',
  'dns_search',
  'domainname',
  'entrypoint',
  'provider',
  'environment',
  'expose',
  'external_links',
  'extra_hosts',
  'group_add',
  'gpus',
  'hostname',
  'healthcheck',
  'image',
  'init',
  'ipc',
  'isolation',
  'labels',
  'links',
  'logging',
  'mem_limit',
  'mem_reservation',
  'memswap_limit',
  'mem_swappiness',
  'mac_address',
  'models',
  'network_mode',
  'networks',
  'oom_kill_disable',
  'oom_score_adj',
  'pid',
  'pids_limit',
  'platform',
  'ports',
  'privileged',
  'pull_policy',
  'pull_refresh_after',
  'read_only',
  'restart',
  'runtime',
  'scale',
  'secrets',
  'security_opt',
  'shm_size',
  'stdin_open',
  'stop_grace_period',
  'stop_signal',
  'storage_opt',
  'sysctls',
  'tmpfs',
  'tty',
  'ulimits',
  'use_api_socket',
  'user',
  'userns_mode',
  'uts',
  'volume_driver',
  'volumes',
  'volumes_from',
  'working_dir',
  'pre_start',
  'post_start',
  'pre_stop',
] as const;
const BUILD_KEYS = [
  'context',
  'dockerfile',
  'dockerfile_inline',
  'entitlements',
  'args',
  'provenance',
  'sbom',
  'ssh',
  'labels',
  'cache_from',
  'cache_to',
  'no_cache',
  'no_cache_filter',
  'additional_contexts',
  'pull',
  'extra_hosts',
  'isolation',
  'network',
  'target',
  'secrets',
  'shm_size',
  'tags',
  'ulimits',
  'platforms',
  'privileged',
];
const PORT_KEYS = ['name', 'mode', 'host_ip', 'target', 'published', 'protocol', 'app_protocol'];
const VOLUME_MOUNT_KEYS = [
  'type',
  'source',
  'target',
  'read_only',
  'consistency',
  'bind',
  'volume',
  'tmpfs',
  'image',
];
const BIND_KEYS = ['selinux', 'propagation', 'create_host_path', 'recursive'];
const VOLUME_OPTION_KEYS = ['labels', 'nocopy', 'subpath'];
const TMPFS_KEYS = ['size', 'mode'];
const FILE_REF_KEYS = ['source', 'target', 'uid', 'gid', 'mode'];
const HEALTHCHECK_KEYS = [
  'test',
  'timeout',
  'interval',
  'retries',
  'start_period',
  'start_interval',
  'disable',
];
const DEPLOY_KEYS = [
  'mode',
  'replicas',
  'labels',
  'update_config',
  'rollback_config',
  'resources',
  'restart_policy',
  'placement',
  'endpoint_mode',
];
const UPDATE_KEYS = ['parallelism', 'delay', 'failure_action', 'monitor', 'max_failure_ratio', 'order'];
const RESOURCE_KEYS = ['cpus', 'memory', 'pids', 'devices', 'generic_resources'];
const RESTART_POLICY_KEYS = ['condition', 'delay', 'max_attempts', 'window'];
const PLACEMENT_KEYS = ['constraints', 'preferences', 'max_replicas_per_node'];
const DEVICE_REQUEST_KEYS = ['capabilities', 'driver', 'count', 'device_ids', 'options'];
const SERVICE_NETWORK_KEYS = [
  'aliases',
  'driver_opts',
  'gw_priority',
  'interface_name',
  'ipv4_address',
  'ipv6_address',
  'link_local_ips',
  'mac_address',
  'priority',
];
const DEPENDENCY_KEYS = ['condition', 'restart', 'required'];
const WATCH_KEYS = ['path', 'action', 'target', 'exec', 'include', 'ignore', 'initial_sync'];
const HOOK_KEYS = ['command', 'image', 'user', 'privileged', 'working_dir', 'environment', 'per_replica'];
const BLKIO_KEYS = [
  'weight',
  'weight_device',
  'device_read_bps',
  'device_read_iops',
  'device_write_bps',
  'device_write_iops',
];
const NETWORK_KEYS = [
  'name',
  'driver',
  'driver_opts',
  'ipam',
  'external',
  'internal',
  'attachable',
  'labels',
  'enable_ipv4',
  'enable_ipv6',
];
const IPAM_KEYS = ['driver', 'config', 'options'];
const POOL_KEYS = ['subnet', 'gateway', 'ip_range', 'aux_addresses'];
const VOLUME_KEYS = ['name', 'driver', 'driver_opts', 'external', 'labels'];
const FILE_OBJECT_KEYS = [
  'name',
  'file',
  'environment',
  'content',
  'external',
  'labels',
  'driver',
  'driver_opts',
  'template_driver',
];
const MODEL_KEYS = ['name', 'model', 'context_size', 'runtime_flags'];
// Attributes Go declares as pointers: printed when set, even to zero or false.
const SERVICE_POINTER_KEYS = [
  'command',
  'entrypoint',
  'attach',
  'init',
  'scale',
  'stop_grace_period',
  'build',
  'deploy',
  'develop',
  'healthcheck',
  'logging',
  'blkio_config',
  'credential_spec',
  'provider',
];
const DURATION = 'duration';
const BYTES = 'bytes';
const MODE = 'mode';

type Convert = (value: unknown) => unknown;
type Rules = Record<string, Convert | typeof DURATION | typeof BYTES | typeof MODE>;

class Canonicaliser {
  constructor(private readonly format: CanonicalFormat) {}

  compare(a: string, b: string): number {
    return this.format === 'yaml' ? compareYamlKeys(a, b) : compareBytes(a, b);
  }

  sortedMap<T>(map: Readonly<Record<string, T>>, convert: (value: T) => unknown): Obj {
    const out: Obj = {};
    for (const key of Object.keys(map).sort((a, b) => this.compare(a, b))) out[key] = convert(map[key] as T);
    return out;
  }

  sortKeys(obj: Obj): Obj {
    const out: Obj = {};
    for (const key of Object.keys(obj).sort(compareBytes)) out[key] = obj[key];
    return out;
  }

  /** Picks `keys` in order, converting and dropping empty values, then any `x-*` extensions (YAML only). */
  ordered(source: object, keys: readonly string[], rules: Rules, keep: readonly string[] = []): Obj {
    const values = source as Obj;
    const out: Obj = {};
    for (const key of keys) {
      const value = values[key];
      if (value === undefined || (isEmpty(value) && !keep.includes(key))) continue;
      const rule = rules[key];
      if (rule === DURATION) out[key] = formatGoDuration(value as number);
      else if (rule === BYTES) out[key] = String(value);
      else if (rule === MODE) out[key] = '0' + (value as number).toString(8);
      else if (rule) out[key] = rule(value);
      else out[key] = isPlainMap(value) ? this.sortedMap(value as Obj, (v) => v) : value;
    }
    // Go inlines nested `x-*` keys in YAML but tags them `json:"-"`: only top-level ones reach JSON.
    const extensions = values.extensions;
    if (isPlainMap(extensions) && this.format === 'yaml')
      Object.assign(out, this.extensions(extensions as Obj));
    return out;
  }

  /** `x-*` values are free-form: Go holds them as maps, so every level prints with sorted keys. */
  extensions(map: Readonly<Obj>): Obj {
    const deep = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(deep);
      return isPlainMap(value) ? this.sortedMap(value as Obj, deep) : value;
    };
    return this.sortedMap(map, deep);
  }

  service(service: Service): Obj {
    const rules: Rules = {
      build: (b) => this.build(b as BuildConfig),
      develop: (d) =>
        this.ordered(d as Obj, ['watch'], {
          watch: (rules) =>
            (rules as Obj[]).map((r) =>
              this.ordered(r, WATCH_KEYS, { exec: (h) => this.hook(h as ServiceHook) }),
            ),
        }),
      blkio_config: (b) =>
        this.ordered(b as Obj, BLKIO_KEYS, {
          weight_device: (list) => (list as Obj[]).map((d) => this.ordered(d, ['path', 'weight'], {})),
          device_read_bps: (list) => this.throttles(list, true),
          device_write_bps: (list) => this.throttles(list, true),
          device_read_iops: (list) => this.throttles(list, false),
          device_write_iops: (list) => this.throttles(list, false),
        }),
      configs: (list) =>
        (list as FileReference[]).map((r) => this.ordered(r, FILE_REF_KEYS, { mode: MODE }, ['mode'])),
      secrets: (list) =>
        (list as FileReference[]).map((r) => this.ordered(r, FILE_REF_KEYS, { mode: MODE }, ['mode'])),
      credential_spec: (c) => this.ordered(c as Obj, ['config', 'file', 'registry'], {}),
      depends_on: (deps) =>
        this.sortedMap(deps as Obj, (d) => this.ordered(d as Obj, DEPENDENCY_KEYS, {}, ['required'])),
      deploy: (d) => this.deploy(d as Obj),
      devices: (list) => (list as Obj[]).map((d) => this.ordered(d, ['source', 'target', 'permissions'], {})),
      provider: (p) =>
        this.ordered(p as Obj, ['type', 'options'], {
          options: (o) =>
            this.sortedMap(o as Record<string, string[]>, (values) =>
              values.length === 1 ? values[0] : values,
            ),
        }),
      extra_hosts: (hosts) => this.hosts(hosts),
      gpus: (list) => (list as DeviceRequest[]).map((d) => this.deviceRequest(d)),
      healthcheck: (h) => this.healthcheck(h as HealthCheck),
      logging: (l) => this.ordered(l as Obj, ['driver', 'options'], {}),
      mem_limit: BYTES,
      mem_reservation: BYTES,
      memswap_limit: BYTES,
      mem_swappiness: BYTES,
      shm_size: BYTES,
      stop_grace_period: DURATION,
      models: (m) =>
        this.sortedMap(m as Obj, (v) =>
          v === null ? null : this.ordered(v as Obj, ['endpoint_var', 'model_var'], {}),
        ),
      networks: (n) =>
        this.sortedMap(n as Obj, (v) =>
          v === null ? null : this.ordered(v as Obj, SERVICE_NETWORK_KEYS, {}),
        ),
      ports: (list) => (list as Obj[]).map((p) => this.ordered(p, PORT_KEYS, {})),
      ulimits: (u) => this.ulimits(u),
      volumes: (list) => (list as Obj[]).map((v) => this.volumeMount(v)),
      pre_start: (list) => (list as ServiceHook[]).map((h) => this.hook(h)),
      post_start: (list) => (list as ServiceHook[]).map((h) => this.hook(h)),
      pre_stop: (list) => (list as ServiceHook[]).map((h) => this.hook(h)),
      command: (c) => c,
      entrypoint: (c) => c,
    };
    // YAML leaves out an absent command (but prints `[]`); Go's JSON always writes both, null when unset.
    const source = { ...service, command: service.command ?? null, entrypoint: service.entrypoint ?? null };
    const out = this.ordered(source, SERVICE_KEYS, rules, SERVICE_POINTER_KEYS);
    if (this.format === 'yaml') {
      if (out.command === null) delete out.command;
      if (out.entrypoint === null) delete out.entrypoint;
    }
    return out;
  }

  build(build: BuildConfig): Obj {
    return this.ordered(build, BUILD_KEYS, {
      shm_size: BYTES,
      // go: each SSH key marshals as `id` or `id: path`.
      ssh: (ssh) =>
        Object.entries(ssh as Record<string, string | null>)
          .sort(([a], [b]) => this.compare(a, b))
          .map(([id, file]) => (file === null ? id : `${id}: ${file}`)),
      extra_hosts: (hosts) => this.hosts(hosts),
      secrets: (list) =>
        (list as FileReference[]).map((r) => this.ordered(r, FILE_REF_KEYS, { mode: MODE }, ['mode'])),
      ulimits: (u) => this.ulimits(u),
    });
  }

  hosts(hosts: unknown): string[] {
    const list: string[] = [];
    for (const [host, ips] of Object.entries(hosts as Record<string, string[]>))
      for (const ip of ips) list.push(`${host}=${ip}`);
    return list.sort(compareBytes);
  }

  ulimits(ulimits: unknown): Obj {
    // A limit written as one number prints as one number; soft/hard stay a pair even when equal.
    return this.sortedMap(ulimits as Record<string, Ulimit>, (u) =>
      u.single === true && u.soft !== 0 ? u.soft : { soft: u.soft, hard: u.hard },
    );
  }

  throttles(list: unknown, bytes: boolean): Obj[] {
    return (list as Obj[]).map((d) => this.ordered(d, ['path', 'rate'], bytes ? { rate: BYTES } : {}));
  }

  volumeMount(volume: Obj): Obj {
    return this.ordered(
      volume,
      VOLUME_MOUNT_KEYS,
      {
        // create_host_path defaults to true: Docker Compose prints it only when false (so `false`
        // must survive the omission of empty values).
        bind: (b) => {
          const { create_host_path: create, ...rest } = b as Obj;
          if (create !== false) return this.ordered(rest, BIND_KEYS, {});
          return this.ordered({ ...rest, create_host_path: false }, BIND_KEYS, {}, ['create_host_path']);
        },
        volume: (v) => this.ordered(v as Obj, VOLUME_OPTION_KEYS, {}),
        tmpfs: (t) => this.ordered(t as Obj, TMPFS_KEYS, { size: BYTES }),
        image: (i) => this.ordered(i as Obj, ['subpath'], {}),
      },
      ['bind', 'volume', 'tmpfs', 'image'],
    );
  }

  healthcheck(health: HealthCheck): Obj {
    // `disable: true` is printed as written; the NONE test it implies is the model's business.
    const source = health.disable ? { ...health, test: undefined } : health;
    return this.ordered(
      source,
      HEALTHCHECK_KEYS,
      { timeout: DURATION, interval: DURATION, start_period: DURATION, start_interval: DURATION },
      ['timeout', 'interval', 'retries', 'start_period', 'start_interval'],
    );
  }

  deploy(deploy: Obj): Obj {
    const update = (u: unknown) =>
      this.ordered(u as Obj, UPDATE_KEYS, { delay: DURATION, monitor: DURATION }, ['parallelism']);
    const resource = (r: unknown) =>
      this.ordered(r as Obj, RESOURCE_KEYS, {
        memory: BYTES,
        devices: (list) => (list as DeviceRequest[]).map((d) => this.deviceRequest(d)),
        generic_resources: (list) =>
          (list as Obj[]).map((g) =>
            this.ordered(g, ['discrete_resource_spec'], {
              discrete_resource_spec: (s) => this.ordered(s as Obj, ['kind', 'value'], {}),
            }),
          ),
      });
    return this.ordered(
      deploy,
      DEPLOY_KEYS,
      {
        update_config: update,
        rollback_config: update,
        resources: (r) =>
          this.ordered(r as Obj, ['limits', 'reservations'], { limits: resource, reservations: resource }),
        restart_policy: (p) =>
          this.ordered(p as Obj, RESTART_POLICY_KEYS, { delay: DURATION, window: DURATION }, [
            'delay',
            'max_attempts',
            'window',
          ]),
        placement: (p) =>
          this.ordered(p as Obj, PLACEMENT_KEYS, {
            preferences: (list) => (list as Obj[]).map((x) => this.ordered(x, ['spread'], {})),
          }),
      },
      ['replicas'],
    );
  }

  deviceRequest(request: DeviceRequest): Obj {
    // Go keeps `all` as the count -1.
    return this.ordered(request, DEVICE_REQUEST_KEYS, { count: (c) => (c === 'all' ? -1 : c) });
  }

  hook(hook: ServiceHook): Obj {
    return this.ordered(hook, HOOK_KEYS, {});
  }

  network(network: NetworkConfig): Obj {
    return this.ordered(
      network,
      NETWORK_KEYS,
      {
        ipam: (i) =>
          this.ordered(i as Obj, IPAM_KEYS, {
            config: (list) => (list as Obj[]).map((p) => this.ordered(p, POOL_KEYS, {})),
          }),
      },
      ['enable_ipv4', 'enable_ipv6'],
    );
  }

  volume(volume: VolumeConfig): Obj {
    return this.ordered(volume, VOLUME_KEYS, {});
  }

  fileObject(object: FileObjectConfig, kind: 'secret' | 'config'): Obj {
    // Secret contents are never printed; a config's content is shown unless it came from the environment.
    const hideContent = kind === 'secret' || object.environment !== undefined;
    return this.ordered(hideContent ? { ...object, content: undefined } : object, FILE_OBJECT_KEYS, {});
  }
}

function isPlainMap(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Go's omitempty: absent, false, 0, "", empty list, empty map. Fields Go declares as pointers are
 * printed even when zero (`scale: 0`, `attach: false`): callers list those as `keep`.
 */
function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isPlainMap(value)) return Object.keys(value as object).length === 0;
  return false;
}
