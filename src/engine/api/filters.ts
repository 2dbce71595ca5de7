// The `filters` query parameter of list and events routes. It is JSON in two dialects — Go clients send
// {"label":{"a=b":true}}, docker-py sends {"label":["a=b"]} — and both become one Filters value.
// Invariant: a parsed filter never holds a value whose legacy flag was false.

import { BerthError } from '../../shared/errors.js';

/** Filter name → accepted values (a match on any value of a name; every name must match). */
export type Filters = ReadonlyMap<string, readonly string[]>;

export const NO_FILTERS: Filters = new Map();

/** Parses the raw `filters` query value (absent or empty = no filters). */
export function parseFilters(raw: string | null | undefined): Filters {
  if (raw === null || raw === undefined || raw.trim() === '') return NO_FILTERS;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new BerthError('InvalidArgument', `invalid filter: not JSON: ${raw}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BerthError('InvalidArgument', `invalid filter: expected an object, got ${raw}`);
  }
  const filters = new Map<string, string[]>();
  for (const [name, value] of Object.entries(parsed)) {
    filters.set(name, filterValues(name, value));
  }
  return filters;
}

function filterValues(name: string, value: unknown): string[] {
  if (Array.isArray(value)) {
    if (!value.every((v): v is string => typeof v === 'string')) {
      throw new BerthError('InvalidArgument', `invalid filter '${name}': values must be strings`);
    }
    return value;
  }
  if (typeof value === 'string') return [value];
  if (typeof value === 'object' && value !== null) {
    const values: string[] = [];
    for (const [v, enabled] of Object.entries(value)) {
      if (typeof enabled !== 'boolean') {
        throw new BerthError('InvalidArgument', `invalid filter '${name}': expected {"value": true}`);
      }
      if (enabled) values.push(v);
    }
    return values;
  }
  throw new BerthError('InvalidArgument', `invalid filter '${name}': expected a list or a map of values`);
}

/** Encodes filters the way Go clients do (the dialect every engine accepts). */
export function encodeFilters(filters: Record<string, readonly string[]>): string {
  const out: Record<string, Record<string, true>> = {};
  for (const [name, values] of Object.entries(filters)) {
    out[name] = Object.fromEntries(values.map((v) => [v, true]));
  }
  return JSON.stringify(out);
}

/** Rejects filter names a route does not know, with Docker's message. */
export function checkFilterNames(filters: Filters, accepted: readonly string[]): void {
  for (const name of filters.keys()) {
    if (!accepted.includes(name)) throw new BerthError('InvalidArgument', `invalid filter '${name}'`);
  }
}

/**
 * The `label` filter: every entry must hold — `key` (the label exists) or `key=value` (it has that value).
 *
 *   matchLabels({ a: '1' }, ['a', 'a=1']) === true;  matchLabels({ a: '1' }, ['a=2']) === false
 */
export function matchLabels(
  labels: Readonly<Record<string, string>>,
  wanted: readonly string[] | undefined,
): boolean {
  if (wanted === undefined) return true;
  return wanted.every((entry) => {
    const eq = entry.indexOf('=');
    if (eq === -1) return Object.hasOwn(labels, entry);
    const key = entry.slice(0, eq);
    return Object.hasOwn(labels, key) && labels[key] === entry.slice(eq + 1);
  });
}

/** A plain-valued filter: no values given, or the candidate equals one of them. */
export function matchAny(candidates: readonly string[], wanted: readonly string[] | undefined): boolean {
  if (wanted === undefined || wanted.length === 0) return true;
  return wanted.some((w) => candidates.includes(w));
}
