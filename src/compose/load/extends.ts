// `extends`: a service starts from another service's definition (in the same file or another one) and
// merges its own definition over it with the `-f` merge rules. Everything of the base service is
// inherited, `depends_on` and `volumes_from` included, as current Docker Compose does; the resources
// it refers to (networks, volumes, ...) are not imported.
//
// Invariants: the result has no `extends` key left; relative paths of a base service read from another
// file are rewritten to mean the same place from the extending file's directory; a chain is resolved
// once per (file, service) and a cycle is an error naming the chain.

import path from 'node:path';
import { messageOf } from '../../shared/errors.js';
import { assign, mergeValue, type Located } from './merge.js';
import type { ParsedDocument } from './parse.js';
import { isRawMap, Tagged, type Raw, type RawMap } from './raw.js';
import { ComposeError, SourceMap, type Path, type Position } from './source-map.js';

/** Resolves every `extends` of `doc`; `loadFile` reads another compose file (parsed and interpolated). */
export function resolveExtends(
  doc: ParsedDocument,
  loadFile: (file: string) => ParsedDocument,
): ParsedDocument {
  const services = doc.value.services;
  if (!isRawMap(services)) return doc;
  const names = Object.keys(services).filter((name) => extendsOf(services[name]) !== undefined);
  if (names.length === 0) return doc;

  const resolver = new ExtendsResolver(doc, loadFile);
  const sourceMap = new SourceMap();
  sourceMap.absorb(doc.sourceMap);
  const resolved: RawMap = {};
  for (const [name, service] of Object.entries(services)) {
    if (!names.includes(name)) {
      assign(resolved, name, service);
      continue;
    }
    const result = resolver.resolve(doc, name, []);
    assign(resolved, name, result.value);
    sourceMap.absorb(result.sourceMap);
  }
  const value: RawMap = {};
  for (const [key, item] of Object.entries(doc.value))
    assign(value, key, key === 'services' ? resolved : item);
  return { file: doc.file, value, sourceMap };
}

interface Frame {
  readonly key: string;
  readonly name: string;
  readonly file: string;
}

interface Where {
  readonly position: Position | undefined;
  readonly path: Path;
}

class ExtendsResolver {
  private readonly documents = new Map<string, ParsedDocument>();
  private readonly done = new Map<string, Located>();

  constructor(
    root: ParsedDocument,
    private readonly loadFile: (file: string) => ParsedDocument,
  ) {
    this.documents.set(path.resolve(root.file), root);
  }

  /** The service `name` of `document` with its whole `extends` chain applied. */
  resolve(document: ParsedDocument, name: string, stack: readonly Frame[]): Located {
    const key = `${path.resolve(document.file)}\u0000${name}`;
    const cached = this.done.get(key);
    if (cached) return cached;

    const services = document.value.services as RawMap;
    const own: Located = {
      value: services[name] ?? null,
      sourceMap: document.sourceMap,
      path: ['services', name],
    };
    const reference = extendsOf(own.value);
    if (reference === undefined) return own;

    const extendsPath: Path = ['services', name, 'extends'];
    const where = { position: document.sourceMap.nearest(extendsPath), path: extendsPath };
    const frame: Frame = { key, name, file: document.file };
    const start = stack.findIndex((known) => known.key === key);
    if (start >= 0)
      throw new ComposeError(`circular extends: ${describeChain([...stack.slice(start), frame])}`, where);

    const { service: baseName, file } = parseReference(reference, where);
    const baseDocument = file === undefined ? document : this.load(document, file, name, where);
    const baseServices = baseDocument.value.services;
    if (!isRawMap(baseServices) || !Object.hasOwn(baseServices, baseName)) {
      const inFile = file === undefined ? '' : ` in ${file}`;
      throw new ComposeError(
        `cannot extend service "${name}": service "${baseName}" not found${inFile}`,
        where,
      );
    }
    const base = this.resolve(baseDocument, baseName, [...stack, frame]);
    const rebased: Located = {
      ...base,
      value: rebaseServicePaths(base.value, path.dirname(baseDocument.file), path.dirname(document.file)),
    };

    const sourceMap = new SourceMap();
    const merged = mergeValue(
      rebased,
      { ...own, value: withoutExtends(own.value) },
      ['services', name],
      sourceMap,
    );
    const result: Located = { value: merged, sourceMap, path: ['services', name] };
    this.done.set(key, result);
    return result;
  }

  private load(from: ParsedDocument, file: string, name: string, where: Where) {
    const target = path.isAbsolute(file) ? file : path.join(path.dirname(from.file), file);
    const key = path.resolve(target);
    const known = this.documents.get(key);
    if (known) return known;
    let loaded: ParsedDocument;
    try {
      loaded = this.loadFile(target);
    } catch (error) {
      if (error instanceof ComposeError) throw error;
      throw new ComposeError(`cannot extend service "${name}" from ${file}: ${messageOf(error)}`, where, {
        cause: error,
      });
    }
    this.documents.set(key, loaded);
    return loaded;
  }
}

/** `web -> base -> web`, naming the files when the chain crosses files. */
function describeChain(frames: readonly Frame[]): string {
  const acrossFiles = new Set(frames.map((frame) => path.resolve(frame.file))).size > 1;
  return frames
    .map((frame) => (acrossFiles ? `${frame.name} (${path.basename(frame.file)})` : frame.name))
    .join(' -> ');
}

/** The `extends` value of a service definition, if it has one. */
function extendsOf(service: Raw | undefined): Raw | undefined {
  const definition = service instanceof Tagged ? service.value : service;
  if (!isRawMap(definition)) return undefined;
  const value = definition.extends;
  return value instanceof Tagged ? (value.tag === 'reset' ? undefined : value.value) : value;
}

function withoutExtends(service: Raw): Raw {
  if (service instanceof Tagged) return new Tagged(service.tag, withoutExtends(service.value));
  if (!isRawMap(service)) return service;
  const copy: RawMap = {};
  for (const [key, value] of Object.entries(service)) if (key !== 'extends') assign(copy, key, value);
  return copy;
}

function parseReference(reference: Raw, where: Where): { service: string; file: string | undefined } {
  if (typeof reference === 'string' && reference !== '') return { service: reference, file: undefined };
  if (isRawMap(reference)) {
    const { service, file } = reference;
    if (typeof service !== 'string' || service === '')
      throw new ComposeError('extends.service is required', where);
    if (file !== undefined && file !== null && typeof file !== 'string') {
      throw new ComposeError('extends.file must be a string', where);
    }
    return { service, file: typeof file === 'string' && file !== '' ? file : undefined };
  }
  throw new ComposeError('extends must name a service or be a mapping with `service` and `file`', where);
}

// ---------------------------------------------------------------------------------------------------
// Rebasing relative paths of a base service read from another file.

/** Rewrites the relative host paths of `service` written in `fromDir` so they mean the same from `toDir`. */
export function rebaseServicePaths(service: Raw, fromDir: string, toDir: string): Raw {
  if (path.resolve(fromDir) === path.resolve(toDir)) return service;
  if (service instanceof Tagged)
    return new Tagged(service.tag, rebaseServicePaths(service.value, fromDir, toDir));
  if (!isRawMap(service)) return service;
  const move = (value: string) => rebase(value, fromDir, toDir);
  const result: RawMap = {};
  for (const [key, value] of Object.entries(service)) {
    assign(result, key, rebaseAttribute(key, value, move));
  }
  return result;
}

function rebaseAttribute(key: string, value: Raw, move: (value: string) => string): Raw {
  switch (key) {
    case 'build':
      return typeof value === 'string' ? moveContext(value, move) : mapEntries(value, rebaseBuild(move));
    case 'env_file':
      return mapItems(value, (item) =>
        typeof item === 'string'
          ? move(item)
          : mapEntries(item, (k, v) => (k === 'path' ? mapString(v, move) : v)),
      );
    case 'label_file':
      return mapItems(value, (item) => mapString(item, move));
    case 'volumes':
      return mapItems(value, (item) => rebaseVolume(item, move));
    case 'develop':
      return mapEntries(value, (k, v) =>
        k === 'watch'
          ? mapItems(v, (rule) => mapEntries(rule, (rk, rv) => (rk === 'path' ? mapString(rv, move) : rv)))
          : v,
      );
    default:
      return value;
  }
}

function rebaseBuild(move: (value: string) => string): (key: string, value: Raw) => Raw {
  return (key, value) => {
    switch (key) {
      case 'context':
        return typeof value === 'string' ? moveContext(value, move) : value;
      case 'additional_contexts':
        if (isRawMap(value))
          return mapEntries(value, (_, v) => mapString(v, (text) => moveContext(text, move)));
        return mapItems(value, (item) =>
          mapString(item, (text) => moveAfterEquals(text, (v) => moveContext(v, move))),
        );
      case 'ssh':
        if (isRawMap(value)) return mapEntries(value, (_, v) => mapString(v, move));
        return mapItems(value, (item) =>
          mapString(item, (text) => (text.includes('=') ? moveAfterEquals(text, move) : text)),
        );
      default:
        return value;
    }
  };
}

/** Short volume syntax: a source starting with `.` is a host path; long syntax: `type: bind`. */
function rebaseVolume(item: Raw, move: (value: string) => string): Raw {
  if (typeof item === 'string') {
    const colon = item.indexOf(':');
    if (colon < 0 || !item.startsWith('.')) return item;
    return move(item.slice(0, colon)) + item.slice(colon);
  }
  if (isRawMap(item) && item.type === 'bind') {
    return mapEntries(item, (k, v) => (k === 'source' ? mapString(v, move) : v));
  }
  return item;
}

/** A build context may be a URL or another kind of reference (`docker-image://`, `service:`). */
function moveContext(value: string, move: (value: string) => string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(value) || value.startsWith('git@') || value.startsWith('github.com/'))
    return value;
  return move(value);
}

function moveAfterEquals(text: string, move: (value: string) => string): string {
  const equals = text.indexOf('=');
  return equals < 0 ? text : text.slice(0, equals + 1) + move(text.slice(equals + 1));
}

/** Relative paths only; the result keeps a leading `./` so short volume syntax still reads as a path. */
function rebase(value: string, fromDir: string, toDir: string): string {
  if (value === '' || path.isAbsolute(value) || value.startsWith('~')) return value;
  const moved = path.relative(path.resolve(toDir), path.resolve(fromDir, value));
  if (moved === '') return '.';
  if (path.isAbsolute(moved)) return moved;
  return moved.startsWith('..') ? moved : `./${moved}`;
}

function mapString(value: Raw, fn: (text: string) => string): Raw {
  return typeof value === 'string' ? fn(value) : value;
}

/** A list's items (or a single scalar, which several attributes accept for a one-item list). */
function mapItems(value: Raw, fn: (item: Raw) => Raw): Raw {
  if (value instanceof Tagged) return new Tagged(value.tag, mapItems(value.value, fn));
  if (Array.isArray(value))
    return value.map((item) => (item instanceof Tagged ? new Tagged(item.tag, fn(item.value)) : fn(item)));
  return typeof value === 'string' ? fn(value) : value;
}

function mapEntries(value: Raw, fn: (key: string, value: Raw) => Raw): Raw {
  if (value instanceof Tagged) return new Tagged(value.tag, mapEntries(value.value, fn));
  if (!isRawMap(value)) return value;
  const result: RawMap = {};
  for (const [key, item] of Object.entries(value)) assign(result, key, fn(key, item));
  return result;
}
