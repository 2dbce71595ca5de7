// `docker import --change` instructions applied to a new image's config: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL,
// USER, VOLUME, WORKDIR, STOPSIGNAL, the subset Docker accepts there. Invariant: pure — the input config is
// never mutated.

import { BerthError } from '../../shared/errors.js';

export interface ChangeableConfig {
  Env?: string[];
  Cmd?: string[];
  Entrypoint?: string[];
  ExposedPorts?: Record<string, object>;
  Labels?: Record<string, string>;
  User?: string;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  StopSignal?: string;
}

export function applyChanges(config: ChangeableConfig, changes: readonly string[]): ChangeableConfig {
  let out: ChangeableConfig = { ...config };
  for (const change of changes) out = applyChange(out, change);
  return out;
}

function applyChange(config: ChangeableConfig, change: string): ChangeableConfig {
  const match = /^\s*(\w+)\s*(.*?)\s*$/s.exec(change);
  if (match === null) throw invalid(change, 'empty instruction');
  const instruction = (match[1] as string).toUpperCase();
  const rest = match[2] as string;
  switch (instruction) {
    case 'CMD':
      return { ...config, Cmd: commandOf(rest) };
    case 'ENTRYPOINT':
      return { ...config, Entrypoint: commandOf(rest) };
    case 'ENV': {
      const env = [...(config.Env ?? [])];
      for (const [key, value] of pairs(rest, change)) {
        const index = env.findIndex((e) => e.split('=', 1)[0] === key);
        if (index === -1) env.push(`${key}=${value}`);
        else env[index] = `${key}=${value}`;
      }
      return { ...config, Env: env };
    }
    case 'LABEL':
      return { ...config, Labels: { ...(config.Labels ?? {}), ...Object.fromEntries(pairs(rest, change)) } };
    case 'EXPOSE': {
      const ports = { ...(config.ExposedPorts ?? {}) };
      for (const port of words(rest)) {
        if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/.test(port)) throw invalid(change, `bad port ${port}`);
        ports[port.includes('/') ? port : `${port}/tcp`] = {};
      }
      return { ...config, ExposedPorts: ports };
    }
    case 'VOLUME': {
      const volumes = { ...(config.Volumes ?? {}) };
      for (const path of rest.startsWith('[') ? jsonArray(rest, change) : words(rest)) volumes[path] = {};
      return { ...config, Volumes: volumes };
    }
    case 'USER':
      return { ...config, User: rest };
    case 'WORKDIR':
      return { ...config, WorkingDir: rest };
    case 'STOPSIGNAL':
      return { ...config, StopSignal: rest };
    default:
      throw invalid(
        change,
        `${instruction} is not supported by import (use CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR, STOPSIGNAL)`,
      );
  }
}

/** JSON form `["a","b"]` as is; shell form runs under /bin/sh -c, as Docker does. */
function commandOf(rest: string): string[] {
  if (rest.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(rest);
      if (Array.isArray(parsed) && parsed.every((p) => typeof p === 'string')) return parsed;
    } catch {
      // not JSON: Docker falls back to the shell form
    }
  }
  return ['/bin/sh', '-c', rest];
}

/** `K=V K2="v 2"` or the legacy `K V with spaces`. */
function pairs(rest: string, change: string): Array<[string, string]> {
  if (!/^[^\s=]+=/.test(rest)) {
    const space = rest.search(/\s/);
    if (space === -1) throw invalid(change, 'needs a value');
    return [[rest.slice(0, space), rest.slice(space).trim()]];
  }
  const out: Array<[string, string]> = [];
  const re = /([^\s=]+)=("((?:[^"\\]|\\.)*)"|'([^']*)'|(\S*))/g;
  for (const m of rest.matchAll(re)) {
    const value = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : (m[4] ?? m[5] ?? '');
    out.push([m[1] as string, value]);
  }
  return out;
}

function words(rest: string): string[] {
  return rest.split(/\s+/).filter((w) => w !== '');
}

function jsonArray(rest: string, change: string): string[] {
  try {
    const parsed: unknown = JSON.parse(rest);
    if (Array.isArray(parsed) && parsed.every((p) => typeof p === 'string')) return parsed;
  } catch {
    // reported below
  }
  throw invalid(change, 'expected a JSON array of strings');
}

function invalid(change: string, why: string): BerthError {
  return new BerthError('InvalidArgument', `invalid change ${JSON.stringify(change)}: ${why}`);
}
