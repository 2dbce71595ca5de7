// Merges compose models the way the Compose Specification's merge rules say (and Docker Compose does):
// mappings merge per key, scalars and most values are taken from the later file, plain sequences are
// appended, and a table of attributes gets its own rule (replaced, merged by key, de-duplicated by a
// unique key, converted to a mapping first, ...). `!reset` and `!override` on the later side decide
// instead of the rules.
//
// Invariants: inputs are never mutated (results may share unchanged subtrees with them); every value
// in a result has its position copied from the document it came from, so positions of the later file
// win; a tag on the later side is kept in the result, so it still acts against whatever is merged under
// it later (an `include`), and `stripTags` removes the tags at the end.

import { isRawMap, Tagged, type Raw, type RawMap } from './raw.js';
import type { ParsedDocument } from './parse.js';
import { ComposeError, SourceMap, type Path, type Position } from './source-map.js';

/** A value and where its positions are recorded: `sourceMap` keys them under `path`. */
export interface Located {
  readonly value: Raw;
  readonly sourceMap: SourceMap;
  readonly path: Path;
}

/** Merges the `-f` files in order: each later file is merged over all earlier ones. */
export function mergeComposeFiles(documents: readonly ParsedDocument[]): ParsedDocument {
  const [first, ...rest] = documents;
  if (!first) throw new ComposeError('no compose file to merge');
  let merged: ParsedDocument = first;
  for (const next of rest) {
    const out = new SourceMap();
    const value = mergeValue(locate(merged), locate(next), [], out);
    merged = { file: first.file, value: isRawMap(value) ? value : {}, sourceMap: out };
  }
  return merged;
}

/**
 * Merges `over` onto `base` (absent when only `over` defines the value) and returns the result; the
 * positions of the result are written to `out` under `target`, which also selects the merge rule
 * (`['services', 'web', 'ports']` uses the ports rule whatever the services are called).
 */
export function mergeValue(base: Located | undefined, over: Located, target: Path, out: SourceMap): Raw {
  const rule = ruleAt(target);
  // A tag on the later side decides by itself: the value is kept with its tag.
  if (over.value instanceof Tagged) return take(over, target, out);
  const earlier = base === undefined ? undefined : untag(base);
  if (earlier === undefined || earlier.value === null) return take(over, target, out);
  // An empty value in a later file does not erase the earlier one, except where the value is replaced.
  if (over.value === null && rule !== replace) return take(earlier, target, out);
  return (rule ?? mergeDefault)(earlier, over, target, out);
}

type Rule = (base: Located, over: Located, target: Path, out: SourceMap) => Raw;

// ---------------------------------------------------------------------------------------------------
// Generic rules

function mergeDefault(base: Located, over: Located, target: Path, out: SourceMap): Raw {
  if (isRawMap(base.value) && isRawMap(over.value)) return mergeMaps(base, over, target, out);
  if (Array.isArray(base.value) && Array.isArray(over.value)) return append(base, over, target, out);
  return take(over, target, out);
}

function mergeMaps(base: Located, over: Located, target: Path, out: SourceMap): RawMap {
  const earlier = base.value as RawMap;
  const later = over.value as RawMap;
  mark(out, target, over, base);
  const result: RawMap = {};
  for (const key of Object.keys(earlier)) {
    const value = Object.hasOwn(later, key)
      ? mergeValue(child(base, key), child(over, key), [...target, key], out)
      : take(child(base, key), [...target, key], out);
    assign(result, key, value);
  }
  for (const key of Object.keys(later)) {
    if (!Object.hasOwn(earlier, key)) assign(result, key, take(child(over, key), [...target, key], out));
  }
  return result;
}

/** The later value replaces the earlier one, even when empty (`command`, `entrypoint`, `healthcheck.test`). */
const replace: Rule = (_base, over, target, out) => take(over, target, out);

const append: Rule = (base, over, target, out) => {
  const items = [...(itemsOf(base, true) ?? []), ...(itemsOf(over, true) ?? [])];
  return writeList(items, target, out, over, base);
};

/** Sequences whose entries are unique by a key: a later entry takes the earlier one's place. */
function uniqueBy(keyOf: (item: Raw) => string | undefined, scalarIsList = false): Rule {
  return (base, over, target, out) => {
    const earlier = itemsOf(base, scalarIsList);
    const later = itemsOf(over, scalarIsList);
    if (!earlier || !later) return take(over, target, out);
    const items: Located[] = [];
    const indexOfKey = new Map<string, number>();
    for (const item of [...earlier, ...later]) {
      const key = keyOf(item.value);
      const known = key === undefined ? undefined : indexOfKey.get(key);
      if (known !== undefined) {
        items[known] = item;
      } else {
        if (key !== undefined) indexOfKey.set(key, items.length);
        items.push(item);
      }
    }
    return writeList(items, target, out, over, base);
  };
}

// ---------------------------------------------------------------------------------------------------
// Key/value attributes: `environment`, `labels`, ... are a mapping or a list of `KEY=VALUE`; they merge
// by key whatever form each file used. Two lists stay a list; otherwise the result is a mapping.

interface KeyValueEntry {
  readonly key: string;
  /** The value in mapping form (`null` for a bare `KEY` in a list); may carry a tag. */
  readonly value: Raw;
  /** The source node: the list item or the mapping's value. */
  readonly source: Located;
}

const keyValue: Rule = (base, over, target, out) => {
  const earlier = keyValueEntries(base);
  const later = keyValueEntries(over);
  if (!earlier || !later) return take(over, target, out);
  const entries = new Map<string, KeyValueEntry>();
  for (const entry of [...earlier, ...later]) entries.set(entry.key, entry);
  if (Array.isArray(base.value) && Array.isArray(over.value)) {
    return writeList(
      [...entries.values()].map((entry) => entry.source),
      target,
      out,
      over,
      base,
    );
  }
  mark(out, target, over, base);
  const result: RawMap = {};
  for (const entry of entries.values()) {
    assign(result, entry.key, entry.value);
    copyPositions(entry.source, [...target, entry.key], out);
  }
  return result;
};

function keyValueEntries(located: Located): KeyValueEntry[] | undefined {
  if (isRawMap(located.value)) {
    return Object.entries(located.value).map(([key, value]) => ({ key, value, source: child(located, key) }));
  }
  const items = itemsOf(located, false);
  if (!items) return undefined;
  return items.map((item) => {
    const text = scalarText(item.value);
    const equals = text.indexOf('=');
    return equals < 0
      ? { key: text, value: null, source: item }
      : { key: text.slice(0, equals), value: text.slice(equals + 1), source: item };
  });
}

/** `extra_hosts`: both sides become `host=ip` entries (a mapping's list of addresses gives one each). */
const extraHosts: Rule = (base, over, target, out) => {
  const earlier = hostEntries(base);
  const later = hostEntries(over);
  if (!earlier || !later) return take(over, target, out);
  const seen = new Set<string>();
  const items: Located[] = [];
  for (const item of [...earlier, ...later]) {
    const text = scalarText(item.value);
    if (seen.has(text)) continue;
    seen.add(text);
    items.push(item);
  }
  return writeList(items, target, out, over, base);
};

function hostEntries(located: Located): Located[] | undefined {
  if (!isRawMap(located.value)) return itemsOf(located, false);
  const entries: Located[] = [];
  // Docker Compose orders a mapping's entries by their text.
  const names = Object.keys(located.value).sort();
  for (const host of names) {
    const address = untag(child(located, host));
    if (address === undefined) continue;
    const addresses = Array.isArray(address.value) ? (itemsOf(address, false) ?? []) : [address];
    for (const one of addresses) {
      const value = one.value === null ? host : `${host}=${scalarText(one.value)}`;
      entries.push({ value, sourceMap: one.sourceMap, path: one.path });
    }
  }
  return entries;
}

// ---------------------------------------------------------------------------------------------------
// Attributes converted to a mapping before merging

/** `networks`, `models`, `depends_on`: a list of names becomes a mapping (with `defaults` per name). */
function asMapping(defaults: RawMap | null): Rule {
  return (base, over, target, out) => {
    const earlier = toMapping(base, defaults);
    const later = toMapping(over, defaults);
    if (!earlier || !later) return take(over, target, out);
    return mergeMaps(earlier, later, target, out);
  };
}

function toMapping(located: Located, defaults: RawMap | null): Located | undefined {
  if (isRawMap(located.value)) return located;
  const items = itemsOf(located, false);
  if (!items) return undefined;
  const sourceMap = new SourceMap();
  const position = located.sourceMap.exact(located.path);
  if (position) sourceMap.set([], position);
  const value: RawMap = {};
  for (const item of items) {
    const name = scalarText(item.value);
    assign(value, name, defaults === null ? null : { ...defaults });
    copyPositions(item, [name], sourceMap);
  }
  return { value, sourceMap, path: [] };
}

/** `build: ./dir` is `build: {context: ./dir}`. */
const build: Rule = (base, over, target, out) => {
  const earlier = buildMapping(base);
  const later = buildMapping(over);
  if (!earlier || !later) return take(over, target, out);
  return mergeMaps(earlier, later, target, out);
};

function buildMapping(located: Located): Located | undefined {
  if (isRawMap(located.value)) return located;
  if (typeof located.value !== 'string') return undefined;
  const sourceMap = new SourceMap();
  const position = located.sourceMap.exact(located.path);
  if (position) sourceMap.set([], position);
  copyPositions(located, ['context'], sourceMap);
  return { value: { context: located.value }, sourceMap, path: [] };
}

/** Logging options merge only when both sides use the same driver (or one names none). */
const logging: Rule = (base, over, target, out) => {
  if (!isRawMap(base.value) || !isRawMap(over.value)) return take(over, target, out);
  const earlierDriver = base.value.driver;
  const laterDriver = over.value.driver;
  if (earlierDriver !== undefined && laterDriver !== undefined && earlierDriver !== laterDriver) {
    return take(over, target, out);
  }
  return mergeMaps(base, over, target, out);
};

/** `networks.*.ipam.config`: entries with the same subnet are merged, others appended. */
const ipamConfig: Rule = (base, over, target, out) => {
  const earlier = itemsOf(base, false);
  const later = itemsOf(over, false);
  if (!earlier || !later) return take(over, target, out);
  const items = [...earlier];
  for (const item of later) {
    const subnet = isRawMap(item.value) ? item.value.subnet : undefined;
    const index = items.findIndex((known) => isRawMap(known.value) && known.value.subnet === subnet);
    const existing = items[index];
    if (existing === undefined) {
      items.push(item);
      continue;
    }
    const sourceMap = new SourceMap();
    const value = mergeValue(existing, item, [], sourceMap);
    items[index] = { value, sourceMap, path: [] };
  }
  return writeList(items, target, out, over, base);
};

// ---------------------------------------------------------------------------------------------------
// Unique keys of sequence entries (Docker Compose's, extended to short and long syntax alike since the
// files are merged before they are normalised).

function keyValueKey(item: Raw): string | undefined {
  const text = scalarText(item);
  const equals = text.indexOf('=');
  return equals < 0 ? text : text.slice(0, equals);
}

function textKey(item: Raw): string | undefined {
  return scalarText(item);
}

/** `[host_ip:][published:]target[/protocol]`, or the long form: ports are unique by all four. */
export function portKey(item: Raw): string | undefined {
  if (isRawMap(item)) {
    if (item.target === undefined) return undefined;
    const ip = item.host_ip ?? '0.0.0.0';
    const published = item.published ?? '';
    const protocol = item.protocol ?? 'tcp';
    return `${scalarText(ip)}:${scalarText(published)}:${scalarText(item.target)}/${scalarText(protocol)}`;
  }
  if (typeof item !== 'string' && typeof item !== 'number') return undefined;
  const text = String(item);
  const slash = text.lastIndexOf('/');
  const body = slash < 0 ? text : text.slice(0, slash);
  const protocol = slash < 0 ? 'tcp' : text.slice(slash + 1);
  let ip = '0.0.0.0';
  let rest = body;
  if (body.startsWith('[')) {
    const close = body.indexOf(']');
    ip = body.slice(1, close);
    rest = body.slice(close + 2);
  }
  const parts = rest.split(':');
  const portTarget = parts[parts.length - 1] ?? '';
  const published = parts.length >= 2 ? (parts[parts.length - 2] ?? '') : '';
  if (parts.length >= 3) ip = parts.slice(0, -2).join(':');
  return `${ip}:${published}:${portTarget}/${protocol}`;
}

/** Volumes and devices are unique by their path in the container (`source:target[:mode]` or `target`). */
export function volumeKey(item: Raw): string | undefined {
  if (isRawMap(item)) return typeof item.target === 'string' ? item.target : undefined;
  if (typeof item !== 'string') return undefined;
  const parts = item.split(':');
  return parts.length === 1 ? parts[0] : parts[1];
}

/** Secrets and configs are unique by target, which defaults to a path named after the source. */
function mountKey(defaultDirectory: string): (item: Raw) => string | undefined {
  return (item) => {
    if (typeof item === 'string') return `${defaultDirectory}/${item}`;
    if (!isRawMap(item)) return undefined;
    if (typeof item.target === 'string') return item.target;
    return `${defaultDirectory}/${scalarText(item.source ?? '')}`;
  };
}

function envFileKey(item: Raw): string | undefined {
  if (typeof item === 'string') return item;
  return isRawMap(item) && typeof item.path === 'string' ? item.path : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Where each rule applies ('*' matches any one element)

const RULES: ReadonlyArray<readonly [string, Rule]> = [
  ['services.*.command', replace],
  ['services.*.entrypoint', replace],
  ['services.*.healthcheck.test', replace],
  ['services.*.environment', keyValue],
  ['services.*.labels', keyValue],
  ['services.*.annotations', keyValue],
  ['services.*.sysctls', keyValue],
  ['services.*.deploy.labels', keyValue],
  ['services.*.build', build],
  ['services.*.build.args', keyValue],
  ['services.*.build.labels', keyValue],
  ['services.*.build.additional_contexts', keyValue],
  ['services.*.build.extra_hosts', extraHosts],
  ['services.*.build.tags', uniqueBy(keyValueKey)],
  ['services.*.build.platforms', uniqueBy(keyValueKey)],
  ['services.*.extra_hosts', extraHosts],
  ['services.*.ports', uniqueBy(portKey)],
  ['services.*.volumes', uniqueBy(volumeKey)],
  ['services.*.devices', uniqueBy(volumeKey)],
  ['services.*.secrets', uniqueBy(mountKey('/run/secrets'))],
  ['services.*.configs', uniqueBy(mountKey(''))],
  ['services.*.env_file', uniqueBy(envFileKey, true)],
  ['services.*.label_file', append],
  ['services.*.expose', uniqueBy(textKey)],
  ['services.*.cap_add', uniqueBy(keyValueKey)],
  ['services.*.cap_drop', uniqueBy(keyValueKey)],
  ['services.*.dns', uniqueBy(keyValueKey, true)],
  ['services.*.dns_opt', uniqueBy(keyValueKey)],
  ['services.*.dns_search', uniqueBy(keyValueKey, true)],
  ['services.*.tmpfs', uniqueBy(keyValueKey, true)],
  ['services.*.links', uniqueBy(keyValueKey)],
  ['services.*.profiles', uniqueBy(keyValueKey)],
  ['services.*.depends_on', asMapping({ condition: 'service_started', required: true })],
  ['services.*.networks', asMapping(null)],
  ['services.*.networks.*.aliases', uniqueBy(keyValueKey)],
  ['services.*.networks.*.link_local_ips', uniqueBy(keyValueKey)],
  ['services.*.models', asMapping(null)],
  ['services.*.logging', logging],
  ['services.*.ulimits.*', replace],
  ['networks.*.labels', keyValue],
  ['networks.*.ipam.config', ipamConfig],
  ['volumes.*.labels', keyValue],
];

const COMPILED_RULES = RULES.map(([pattern, rule]) => ({ pattern: pattern.split('.'), rule }));

function ruleAt(path: Path): Rule | undefined {
  for (const { pattern, rule } of COMPILED_RULES) {
    if (pattern.length !== path.length) continue;
    if (pattern.every((element, index) => element === '*' || element === String(path[index]))) return rule;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Helpers

function locate(document: ParsedDocument): Located {
  return { value: document.value, sourceMap: document.sourceMap, path: [] };
}

function child(located: Located, key: string | number): Located {
  const container = located.value as RawMap | Raw[];
  const value = (container as Record<string | number, Raw>)[key] ?? null;
  return { value, sourceMap: located.sourceMap, path: [...located.path, key] };
}

/** The value an earlier file really holds: `!override x` is `x`, `!reset` is nothing. */
function untag(located: Located): Located | undefined {
  if (!(located.value instanceof Tagged)) return located;
  return located.value.tag === 'reset' ? undefined : { ...located, value: located.value.value };
}

/** The entries of a sequence (a scalar counts as a one-entry list when `scalarIsList`), tags resolved. */
function itemsOf(located: Located, scalarIsList: boolean): Located[] | undefined {
  const value = located.value;
  if (Array.isArray(value)) {
    const items: Located[] = [];
    value.forEach((_, index) => {
      const item = untag(child(located, index));
      if (item) items.push(item);
    });
    return items;
  }
  if (scalarIsList && value !== null && typeof value !== 'object') return [located];
  return undefined;
}

/** Takes a value as it is, with all the positions under it. */
function take(located: Located, target: Path, out: SourceMap): Raw {
  copyPositions(located, target, out);
  return located.value;
}

/**
 * Copies the positions of a value and everything under it to `target`. It walks the value rather than
 * the whole source map (as `SourceMap.copySubtree` does), so merging stays linear in the model's size;
 * that is enough because positions are recorded only for values that exist.
 */
export function copyPositions(located: Located, target: Path, out: SourceMap): void {
  const position = located.sourceMap.exact(located.path);
  if (position) out.set(target, position);
  const value = located.value instanceof Tagged ? located.value.value : located.value;
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      copyPositions(
        { value: item, sourceMap: located.sourceMap, path: [...located.path, index] },
        [...target, index],
        out,
      );
    });
  } else if (isRawMap(value)) {
    for (const [key, item] of Object.entries(value)) {
      copyPositions(
        { value: item, sourceMap: located.sourceMap, path: [...located.path, key] },
        [...target, key],
        out,
      );
    }
  }
}

function writeList(items: readonly Located[], target: Path, out: SourceMap, ...owners: Located[]): Raw[] {
  mark(out, target, ...owners);
  return items.map((item, index) => take(item, [...target, index], out));
}

/** Records the position of a merged node: the first of `owners` that has one (the later file's). */
function mark(out: SourceMap, target: Path, ...owners: Located[]): void {
  let position: Position | undefined;
  for (const owner of owners) {
    position = owner.sourceMap.exact(owner.path);
    if (position) break;
  }
  if (position) out.set(target, position);
}

function scalarText(value: Raw): string {
  if (value instanceof Tagged) return scalarText(value.value);
  if (value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Sets a key even if it is `__proto__`, which a plain assignment would turn into a prototype change. */
export function assign(map: RawMap, key: string, value: Raw): void {
  Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
}
