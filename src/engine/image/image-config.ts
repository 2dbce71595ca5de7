// The OCI image config (and Docker's schema2 config, a superset): typed and with defaults filled, so that the
// runtime reads `config.env` instead of probing optional JSON. Invariant: parsing never throws on unknown or
// missing optional fields (images in the wild omit most of them) but does on a missing or bad rootfs.diff_ids.

import { BerthError } from '../../shared/errors.js';
import { parseDigest, type Digest } from './digest.js';

export interface Healthcheck {
  /** ["NONE"] | ["CMD", ...] | ["CMD-SHELL", cmd]; empty = inherit. */
  test: string[];
  /** Nanoseconds, as the config stores them; 0 = default. */
  interval: number;
  timeout: number;
  startPeriod: number;
  startInterval: number;
  retries: number;
}

export interface ContainerDefaults {
  user: string;
  exposedPorts: string[];
  env: string[];
  entrypoint: string[] | undefined;
  cmd: string[] | undefined;
  volumes: string[];
  workingDir: string;
  labels: Record<string, string>;
  stopSignal: string | undefined;
  healthcheck: Healthcheck | undefined;
  argsEscaped: boolean;
  shell: string[] | undefined;
  onBuild: string[];
}

export interface HistoryEntry {
  created: string | undefined;
  createdBy: string;
  author: string;
  comment: string;
  emptyLayer: boolean;
}

export interface ImageConfig {
  architecture: string;
  os: string;
  variant: string | undefined;
  created: string | undefined;
  author: string;
  config: ContainerDefaults;
  diffIds: Digest[];
  history: HistoryEntry[];
}

type Json = Record<string, unknown>;

export function parseImageConfig(raw: unknown): ImageConfig {
  if (!isObject(raw)) throw invalid('not a JSON object');
  const rootfs = raw.rootfs;
  if (!isObject(rootfs) || !Array.isArray(rootfs.diff_ids)) throw invalid('rootfs.diff_ids is missing');
  if (rootfs.type !== undefined && rootfs.type !== 'layers')
    throw invalid(`rootfs.type ${String(rootfs.type)}`);
  const diffIds = rootfs.diff_ids.map((d, i) => parseDigest(d, `rootfs.diff_ids[${i}]`));
  const c = isObject(raw.config) ? raw.config : {};
  return {
    architecture: str(raw.architecture) ?? '',
    os: str(raw.os) ?? '',
    variant: str(raw.variant),
    created: str(raw.created),
    author: str(raw.author) ?? '',
    config: {
      user: str(c.User) ?? '',
      exposedPorts: keys(c.ExposedPorts),
      env: strings(c.Env) ?? [],
      entrypoint: strings(c.Entrypoint),
      cmd: strings(c.Cmd),
      volumes: keys(c.Volumes),
      workingDir: str(c.WorkingDir) ?? '',
      labels: stringMap(c.Labels),
      stopSignal: str(c.StopSignal) || undefined,
      healthcheck: healthcheck(c.Healthcheck),
      argsEscaped: c.ArgsEscaped === true,
      shell: strings(c.Shell),
      onBuild: strings(c.OnBuild) ?? [],
    },
    diffIds,
    history: Array.isArray(raw.history) ? raw.history.filter(isObject).map(historyEntry) : [],
  };
}

/** The history entries that produced a layer, paired with that layer's index in diffIds. */
export function layerHistory(config: ImageConfig): Array<{ entry: HistoryEntry; layer: number | undefined }> {
  let layer = 0;
  return config.history.map((entry) => ({ entry, layer: entry.emptyLayer ? undefined : layer++ }));
}

function historyEntry(h: Json): HistoryEntry {
  return {
    created: str(h.created),
    createdBy: str(h.created_by) ?? '',
    author: str(h.author) ?? '',
    comment: str(h.comment) ?? '',
    emptyLayer: h.empty_layer === true,
  };
}

function healthcheck(value: unknown): Healthcheck | undefined {
  if (!isObject(value)) return undefined;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return {
    test: strings(value.Test) ?? [],
    interval: num(value.Interval),
    timeout: num(value.Timeout),
    startPeriod: num(value.StartPeriod),
    startInterval: num(value.StartInterval),
    retries: num(value.Retries),
  };
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
}
function keys(value: unknown): string[] {
  return isObject(value) ? Object.keys(value).sort() : [];
}
function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObject(value)) for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}
function invalid(why: string): BerthError {
  return new BerthError('InvalidArgument', `invalid image config: ${why}`);
}
