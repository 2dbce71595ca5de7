// The wire shape of POST /build: Docker's JSON progress lines, each optionally carrying a `berth` field with the
// same information structured (which step, cache hit, timing), so berth's CLI draws clear progress without
// parsing text while the docker CLI, which ignores unknown fields, prints the `stream` text as ever.

import type { ProgressMessage } from './images.js';

export type BuildProgress =
  | { kind: 'step'; step: number; total: number; stage: string; text: string }
  | { kind: 'cached'; step: number }
  | { kind: 'done'; step: number; ms: number }
  | { kind: 'output'; step: number; stderr: boolean };

export interface BuildMessage extends ProgressMessage {
  berth?: BuildProgress;
}

/** The query of POST /build that berth's clients send (Docker's names). */
export interface BuildQuery {
  t?: string[];
  dockerfile?: string;
  buildargs?: Record<string, string | null>;
  labels?: Record<string, string>;
  target?: string;
  nocache?: boolean;
  pull?: boolean;
  q?: boolean;
  networkmode?: string;
  shmsize?: number;
  extrahosts?: string[];
  /** berth only: the tar carries named contexts and secrets under `.berth-build/`. */
  berthextras?: boolean;
  /**
   * berth only: build from this directory of the engine's host in place, with no tar (the client and an engine
   * it started share one filesystem); the body is empty.
   */
  berthcontext?: string;
}

/** Where berth's clients put named contexts (`contexts/<name>/`) and secrets (`secrets/<id>`) in the tar. */
export const BUILD_EXTRAS_DIR = '.berth-build';

/** The query as POST /build takes it: maps as JSON, hosts comma-separated, repeated `t`. */
export function buildQueryParams(
  query: BuildQuery,
): Record<string, string | number | boolean | readonly string[] | undefined> {
  const json = (value: unknown) => (value === undefined ? undefined : JSON.stringify(value));
  return {
    t: query.t,
    dockerfile: query.dockerfile,
    buildargs: json(query.buildargs),
    labels: json(query.labels),
    target: query.target,
    nocache: query.nocache,
    pull: query.pull,
    q: query.q,
    networkmode: query.networkmode,
    shmsize: query.shmsize,
    extrahosts: query.extrahosts?.join(','),
    berthextras: query.berthextras,
    berthcontext: query.berthcontext,
  };
}
