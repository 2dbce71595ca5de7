// `include`: other compose applications loaded as sub-projects (own project directory, own `.env`)
// whose resources are copied into this model. As in current Docker Compose, a resource defined both by
// an included file and by the including model is merged, the including definition over the imported
// one, so `!reset` and `!override` work there too.
//
// Invariants: the result has no `include` key; paths of entries are resolved against the including
// project's directory; relative host paths inside an included model keep meaning the same place (they
// are written from the entry's project directory and rewritten for the including one); a file never
// includes itself through any chain (a cycle is an error naming it).

import path from 'node:path';
import { rebaseServicePaths } from './extends.js';
import { assign, copyPositions, mergeValue } from './merge.js';
import type { ParsedDocument } from './parse.js';
import { isRawMap, Tagged, type Raw, type RawMap } from './raw.js';
import { ComposeError, SourceMap, type Path } from './source-map.js';

/** One `include` entry, resolved: what the loader needs to load it as a sub-project. */
export interface IncludeEntry {
  /** Absolute paths of the files, merged in order. */
  readonly paths: string[];
  /** `project_directory`, or the directory of the first file. */
  readonly projectDirectory: string;
  /** `env_file`, absolute (`/dev/null` kept: it reads as empty); empty means the default `.env`. */
  readonly envFiles: string[];
  /** The files including this one, outermost first, for a loader that resolves nested includes itself. */
  readonly chain: readonly string[];
}

export interface IncludeContext {
  /** The including project's directory: relative paths of entries start here. */
  readonly projectDirectory: string;
  /** Runs the per-file pipeline on an entry and merges its files. */
  readonly loadIncluded: (entry: IncludeEntry) => Promise<ParsedDocument>;
  /** The files including `doc`, outermost first (`[doc.file]` at the top). */
  readonly chain?: readonly string[];
}

/** The kinds of resources an included model brings in; anything else of it (`name`, `x-*`) stays behind. */
const RESOURCES = ['services', 'volumes', 'networks', 'secrets', 'configs', 'models'] as const;

export async function resolveIncludes(doc: ParsedDocument, ctx: IncludeContext): Promise<ParsedDocument> {
  if (!Object.hasOwn(doc.value, 'include')) return doc;
  const chain = ctx.chain ?? [path.resolve(doc.file)];
  const entries = parseIncludes(doc, ctx.projectDirectory, chain);

  const value: RawMap = {};
  for (const [key, item] of Object.entries(doc.value)) if (key !== 'include') assign(value, key, item);
  const sourceMap = new SourceMap();
  sourceMap.absorb(doc.sourceMap);

  for (const { entry, where } of entries) {
    for (const file of entry.paths) {
      if (chain.includes(file)) {
        throw new ComposeError(`include cycle: ${describeChain([...chain, file])}`, where);
      }
    }
    let included = await ctx.loadIncluded(entry);
    if (Object.hasOwn(included.value, 'include')) {
      included = await resolveIncludes(included, {
        projectDirectory: entry.projectDirectory,
        loadIncluded: ctx.loadIncluded,
        chain: entry.chain,
      });
    }
    const rebased = rebaseModelPaths(included.value, entry.projectDirectory, ctx.projectDirectory);
    importResources({ ...included, value: rebased }, value, sourceMap);
  }
  return { file: doc.file, value, sourceMap };
}

interface ParsedEntry {
  readonly entry: IncludeEntry;
  readonly where: { position: ReturnType<SourceMap['nearest']>; path: Path };
}

function parseIncludes(
  doc: ParsedDocument,
  projectDirectory: string,
  chain: readonly string[],
): ParsedEntry[] {
  const raw = plain(doc.value.include);
  const listWhere = { position: doc.sourceMap.nearest(['include']), path: ['include'] };
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new ComposeError('include must be a list', listWhere);
  return raw.map((item, index) => {
    const itemPath: Path = ['include', index];
    const where = { position: doc.sourceMap.nearest(itemPath), path: itemPath };
    const fail = (message: string, at: Path = itemPath): never => {
      throw new ComposeError(message, { position: doc.sourceMap.nearest(at), path: at });
    };
    const value = plain(item);
    let files: string[];
    let directory: string | undefined;
    let envFiles: string[] = [];
    if (typeof value === 'string') {
      files = [value];
    } else if (isRawMap(value)) {
      const allowed = new Set(['path', 'project_directory', 'env_file']);
      const unknown = Object.keys(value).find((key) => !allowed.has(key));
      if (unknown !== undefined)
        fail(`include entry has an unknown attribute "${unknown}"`, [...itemPath, unknown]);
      files =
        stringList(plain(value.path)) ?? fail('include entry needs a path (a string or a list of strings)');
      const projectDir = plain(value.project_directory);
      if (projectDir !== undefined && projectDir !== null) {
        if (typeof projectDir !== 'string')
          fail('project_directory must be a string', [...itemPath, 'project_directory']);
        directory = path.resolve(projectDirectory, projectDir as string);
      }
      const env = plain(value.env_file);
      if (env !== undefined && env !== null) {
        envFiles = (
          stringList(env) ?? fail('env_file must be a string or a list of strings', [...itemPath, 'env_file'])
        ).map((file) => path.resolve(projectDirectory, file));
      }
    } else {
      return fail('include entry must be a path or a mapping with `path`');
    }
    if (files.length === 0) fail('include entry needs a path (a string or a list of strings)');
    const paths = files.map((file) => path.resolve(projectDirectory, file));
    const first = paths[0] as string;
    const entry: IncludeEntry = {
      paths,
      projectDirectory: directory ?? path.dirname(first),
      envFiles,
      chain: [...chain, first],
    };
    return { entry, where };
  });
}

/** Copies the resources of `included` into `target`, merging the including definitions over clashes. */
function importResources(included: ParsedDocument, target: RawMap, sourceMap: SourceMap): void {
  for (const kind of RESOURCES) {
    const imported = plain(included.value[kind]);
    if (!isRawMap(imported)) continue;
    const own = target[kind];
    if (own === undefined || own === null) {
      assign(target, kind, imported);
      copyPositions({ value: imported, sourceMap: included.sourceMap, path: [kind] }, [kind], sourceMap);
      continue;
    }
    if (!isRawMap(own)) continue;
    const result: RawMap = { ...own };
    // Merged positions go to a separate map first: the including side is read from `sourceMap` itself.
    const positions = new SourceMap();
    for (const [name, definition] of Object.entries(imported)) {
      const base = { value: definition, sourceMap: included.sourceMap, path: [kind, name] };
      if (!Object.hasOwn(own, name)) {
        assign(result, name, definition);
        copyPositions(base, base.path, positions);
        continue;
      }
      const over = { value: own[name] ?? null, sourceMap, path: [kind, name] };
      assign(result, name, mergeValue(base, over, [kind, name], positions));
    }
    sourceMap.absorb(positions);
    assign(target, kind, result);
  }
}

/**
 * The relative host paths of an included model, rewritten from its project directory to the including
 * one: service paths (build, env_file, volumes, ...), secret and config files, local bind volumes.
 */
export function rebaseModelPaths(model: RawMap, fromDir: string, toDir: string): RawMap {
  if (path.resolve(fromDir) === path.resolve(toDir)) return model;
  const result: RawMap = {};
  for (const [kind, section] of Object.entries(model)) {
    const entries = plain(section);
    if (!isRawMap(entries) || !['services', 'secrets', 'configs', 'volumes'].includes(kind)) {
      assign(result, kind, section);
      continue;
    }
    const rebased: RawMap = {};
    for (const [name, definition] of Object.entries(entries)) {
      assign(rebased, name, rebaseResource(kind, definition, fromDir, toDir));
    }
    assign(result, kind, rebased);
  }
  return result;
}

function rebaseResource(kind: string, definition: Raw, fromDir: string, toDir: string): Raw {
  if (kind === 'services') return rebaseServicePaths(definition, fromDir, toDir);
  const map = plain(definition);
  if (!isRawMap(map)) return definition;
  const move = (value: Raw): Raw =>
    typeof value === 'string' && value !== '' && !path.isAbsolute(value) && !value.startsWith('~')
      ? path.relative(path.resolve(toDir), path.resolve(fromDir, value)) || '.'
      : value;
  const copy: RawMap = {};
  for (const [key, value] of Object.entries(map)) assign(copy, key, value);
  if ((kind === 'secrets' || kind === 'configs') && typeof copy.file === 'string') {
    assign(copy, 'file', move(copy.file));
  }
  // A local volume mounted with `o: bind` names a host directory as its device.
  const options = plain(copy.driver_opts);
  if (kind === 'volumes' && copy.driver === 'local' && isRawMap(options) && options.o === 'bind') {
    const opts: RawMap = {};
    for (const [key, value] of Object.entries(options))
      assign(opts, key, key === 'device' ? move(value) : value);
    assign(copy, 'driver_opts', opts);
  }
  return copy;
}

/** A value with its tags resolved the way a reader of this file sees them. */
function plain(value: Raw | undefined): Raw | undefined {
  if (!(value instanceof Tagged)) return value;
  return value.tag === 'reset' ? undefined : value.value;
}

function stringList(value: Raw | undefined): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) return undefined;
  const items = value.map(plain);
  return items.every((item): item is string => typeof item === 'string') ? items : undefined;
}

/** Files shown relative to the outermost one's directory, which is where the user stands. */
function describeChain(files: readonly string[]): string {
  const root = path.dirname(files[0] ?? '.');
  return files
    .map((file) => {
      const relative = path.relative(root, file);
      return relative === '' || relative.startsWith('..') ? file : relative;
    })
    .join(' -> ');
}
