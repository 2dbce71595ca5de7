// The built image's config in the OCI/Docker JSON shape, from the typed state the builder keeps. Invariant:
// pure, and the same state always gives the same bytes apart from `created`, so two builds of the same steps at
// the same time produce the same image ID.

import type { Digest } from '../image/digest.js';
import type { ContainerDefaults, HistoryEntry } from '../image/image-config.js';

export interface ImageJsonInput {
  platform: { os: string; architecture: string; variant?: string | undefined };
  created: string;
  author: string;
  config: ContainerDefaults;
  diffIds: readonly Digest[];
  history: readonly HistoryEntry[];
}

export function imageConfigJson(input: ImageJsonInput): Record<string, unknown> {
  const c = input.config;
  const set = (keys: readonly string[]) =>
    keys.length === 0 ? undefined : Object.fromEntries(keys.map((k) => [k, {}]));
  const config: Record<string, unknown> = {
    User: c.user === '' ? undefined : c.user,
    ExposedPorts: set(c.exposedPorts),
    Env: c.env.length === 0 ? undefined : c.env,
    Entrypoint: c.entrypoint,
    Cmd: c.cmd,
    Volumes: set(c.volumes),
    WorkingDir: c.workingDir === '' ? undefined : c.workingDir,
    Labels: Object.keys(c.labels).length === 0 ? undefined : c.labels,
    StopSignal: c.stopSignal,
    ArgsEscaped: c.argsEscaped ? true : undefined,
    Shell: c.shell,
    OnBuild: c.onBuild.length === 0 ? undefined : c.onBuild,
    Healthcheck:
      c.healthcheck === undefined
        ? undefined
        : {
            Test: c.healthcheck.test,
            Interval: c.healthcheck.interval || undefined,
            Timeout: c.healthcheck.timeout || undefined,
            StartPeriod: c.healthcheck.startPeriod || undefined,
            StartInterval: c.healthcheck.startInterval || undefined,
            Retries: c.healthcheck.retries || undefined,
          },
  };
  return {
    architecture: input.platform.architecture,
    ...(input.platform.variant === undefined ? {} : { variant: input.platform.variant }),
    os: input.platform.os,
    created: input.created,
    ...(input.author === '' ? {} : { author: input.author }),
    config: dropUndefined(config),
    rootfs: { type: 'layers', diff_ids: [...input.diffIds] },
    history: input.history.map((h) =>
      dropUndefined({
        created: h.created,
        created_by: h.createdBy,
        author: h.author === '' ? undefined : h.author,
        comment: h.comment === '' ? undefined : h.comment,
        empty_layer: h.emptyLayer ? true : undefined,
      }),
    ),
  };
}

function dropUndefined(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    out[k] =
      v !== null && typeof v === 'object' && !Array.isArray(v)
        ? dropUndefined(v as Record<string, unknown>)
        : v;
  }
  return out;
}
