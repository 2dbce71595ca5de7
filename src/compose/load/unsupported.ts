// Attributes that are valid Compose but that berth's engine does not honour (yet). They are kept in
// the model and shown by `berth config`; a warning for each tells the user it has no effect.
// Invariant: UNSUPPORTED is the one list of them (the README's table is written from it).

import type { Raw, RawMap } from './raw.js';
import { formatPath, type SourceMap } from './source-map.js';
import { forEachAt } from './semantic.js';
import type { LoadWarning } from './warnings.js';

export interface UnsupportedAttribute {
  /** Dotted path from the top of the model; `*` matches any key or list index. */
  readonly path: string;
  /** Why berth does not honour it, in one line. */
  readonly reason: string;
  /** When only some values are unsupported: true for those. Absent: any value. */
  readonly when?: (value: Raw) => boolean;
}

const HOST_ARCH = process.arch === 'x64' ? 'amd64' : process.arch;
const truthy = (value: Raw) => value === true || value === 'true';
const otherThan =
  (...supported: string[]) =>
  (value: Raw) =>
    typeof value === 'string' && !supported.includes(value);

export const UNSUPPORTED: readonly UnsupportedAttribute[] = [
  { path: 'services.*.gpus', reason: 'no GPU support' },
  { path: 'services.*.models', reason: 'AI models need Docker Model Runner' },
  { path: 'services.*.provider', reason: 'services run by an external provider binary' },
  { path: 'services.*.runtime', reason: 'one OCI runtime for the whole engine' },
  {
    path: 'services.*.platform',
    reason: `images run on the host's own platform (linux/${HOST_ARCH}) only`,
    when: otherThan('linux', `linux/${HOST_ARCH}`),
  },
  { path: 'services.*.cgroup_parent', reason: 'the engine places every container in its own cgroup' },
  { path: 'services.*.isolation', reason: 'Windows containers only' },
  { path: 'services.*.credential_spec', reason: 'Windows containers only' },
  { path: 'services.*.cpu_count', reason: 'Windows containers only' },
  { path: 'services.*.cpu_percent', reason: 'Windows containers only' },
  { path: 'services.*.cpu_rt_period', reason: 'no real-time scheduler settings' },
  { path: 'services.*.cpu_rt_runtime', reason: 'no real-time scheduler settings' },
  { path: 'services.*.blkio_config', reason: 'no block I/O limits' },
  { path: 'services.*.storage_opt', reason: 'overlay snapshots have no size quota' },
  {
    path: 'services.*.mem_swappiness',
    reason: 'not set in the cgroup (cgroup v2 has no per-container swappiness)',
  },
  { path: 'services.*.oom_kill_disable', reason: 'not set in the cgroup (cgroup v2 has no OOM-kill switch)' },
  { path: 'services.*.userns_mode', reason: 'no user namespace remapping' },
  { path: 'services.*.uts', reason: 'containers always get their own UTS namespace' },
  {
    path: 'services.*.use_api_socket',
    reason: 'the engine socket is not mounted into containers',
    when: truthy,
  },
  {
    path: 'services.*.logging.driver',
    reason: 'the engine keeps its own json logs',
    when: otherThan('json-file', 'local', 'none'),
  },
  {
    path: 'services.*.volumes.*.type',
    reason: 'Windows named pipes and cluster volumes',
    when: otherThan('bind', 'volume', 'tmpfs', 'image'),
  },
  { path: 'services.*.volumes.*.consistency', reason: 'macOS file sharing only' },
  { path: 'services.*.build.ssh', reason: 'the builder does not forward SSH agents' },
  { path: 'services.*.build.cache_to', reason: 'the builder keeps its cache locally only' },
  { path: 'services.*.build.provenance', reason: 'no build attestations' },
  { path: 'services.*.build.sbom', reason: 'no build attestations' },
  { path: 'services.*.build.entitlements', reason: 'no BuildKit entitlements' },
  { path: 'services.*.build.isolation', reason: 'Windows containers only' },
  {
    path: 'services.*.build.platforms',
    reason: 'the builder builds for the host platform only',
    when: (value) => Array.isArray(value) && value.length > 1,
  },
  {
    path: 'services.*.deploy.mode',
    reason: 'swarm-only: a single host runs replicated services',
    when: otherThan('replicated'),
  },
  { path: 'services.*.deploy.placement', reason: 'swarm-only scheduling' },
  { path: 'services.*.deploy.update_config', reason: 'swarm-only rolling updates' },
  { path: 'services.*.deploy.rollback_config', reason: 'swarm-only rolling updates' },
  { path: 'services.*.deploy.endpoint_mode', reason: 'swarm-only service discovery' },
  { path: 'services.*.deploy.labels', reason: 'swarm service labels (use labels)' },
  { path: 'services.*.deploy.restart_policy.delay', reason: 'the engine uses its own restart back-off' },
  { path: 'services.*.deploy.restart_policy.window', reason: 'the engine uses its own restart back-off' },
  { path: 'services.*.deploy.resources.reservations.cpus', reason: 'no CPU reservations' },
  { path: 'services.*.deploy.resources.reservations.devices', reason: 'no GPU or device requests' },
  { path: 'services.*.deploy.resources.reservations.generic_resources', reason: 'swarm-only' },
  { path: 'networks.*.driver', reason: 'networks are Linux bridges', when: otherThan('bridge') },
  { path: 'networks.*.enable_ipv6', reason: 'IPv4 networks only', when: truthy },
  { path: 'networks.*.attachable', reason: 'swarm-only' },
  { path: 'networks.*.ipam.driver', reason: "the engine's own address pool", when: otherThan('default') },
  { path: 'volumes.*.driver', reason: 'volumes are local directories', when: otherThan('local') },
  { path: 'secrets.*.driver', reason: 'swarm-only secret stores' },
  { path: 'secrets.*.template_driver', reason: 'swarm-only templating' },
  { path: 'configs.*.template_driver', reason: 'swarm-only templating' },
  { path: 'models', reason: 'AI models need Docker Model Runner' },
];

/** One warning per attribute of the model that berth accepts but does not apply, in file order. */
export function unsupportedAttributes(model: RawMap, sourceMap: SourceMap): LoadWarning[] {
  const warnings: LoadWarning[] = [];
  const report = (entry: UnsupportedAttribute, value: Raw, path: (string | number)[]) => {
    if (entry.when && !entry.when(value)) return;
    // Name the value when only some values are unsupported (a driver, a mode), not for switches.
    const named = entry.when && typeof value === 'string' && !/^(true|false)$/i.test(value);
    const shown = named ? `${JSON.stringify(value)} is ` : '';
    warnings.push({
      message: `${formatPath(path)}: ${shown}not supported by berth's engine yet (ignored)`,
      position: sourceMap.nearest(path),
    });
  };
  for (const entry of UNSUPPORTED) {
    forEachAt(model, entry.path.split('.'), (value, path) => report(entry, value, path));
  }
  return inFileOrder(warnings);
}

/** Sorted by file (in order of first appearance), line and column, so the warnings read like the files. */
function inFileOrder(warnings: LoadWarning[]): LoadWarning[] {
  const files: string[] = [];
  for (const warning of warnings) {
    if (warning.position && !files.includes(warning.position.file)) files.push(warning.position.file);
  }
  const key = (warning: LoadWarning): [number, number, number] =>
    warning.position
      ? [files.indexOf(warning.position.file), warning.position.line, warning.position.col]
      : [files.length, 0, 0];
  return [...warnings].sort((a, b) => {
    const [fa, la, ca] = key(a);
    const [fb, lb, cb] = key(b);
    return fa - fb || la - lb || ca - cb;
  });
}
