// Resolves the sources of a COPY/ADD instruction against a build context, as Docker does: wildcards
// (`*`, `?`, `[...]`, `**`), a directory copies its contents, `--exclude` patterns, .dockerignore'd files are
// invisible. A source that is itself a symbolic link (or goes through one) is followed inside the context;
// links met while walking a source directory are kept as links.
// Invariant: every path in the result is inside `contextRoot`; a source whose links lead out is refused.

import type { Stats } from 'node:fs';
import { lstat, readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import { BerthError } from '../../../shared/errors.js';
import { createIgnoreMatcher, type IgnoreMatcher } from '../../../shared/build-context/dockerignore.js';
import {
  cleanPattern,
  hasWildcard,
  literalPrefix,
  maxDepth,
  patternToRegExp,
} from '../../../shared/build-context/pattern.js';
import { walkTree } from '../../../shared/build-context/walk.js';

export type SourceEntryType = 'file' | 'dir' | 'symlink';

/** One thing to copy. */
export interface SourceEntry {
  /** Host path (inside the context). */
  path: string;
  /** Path below the destination: '' for the source itself (a single file, or a directory's root). */
  target: string;
  type: SourceEntryType;
  /** Permission bits (07777). */
  mode: number;
  size: number;
  mtime: Date;
  uid: number;
  gid: number;
  /** The link's text, for a symlink. */
  linkTarget?: string;
  /** `dev:ino` of a file with more than one link, so one copy can keep hard links together. */
  linkKey?: string;
}

/** One matched source of the instruction. */
export interface ResolvedSource {
  /** The source as written in the instruction. */
  source: string;
  /** The matched path relative to the context root ('' for the root), before any link is followed. */
  rel: string;
  /** The name a file source takes inside a destination directory. */
  name: string;
  /** A single file, or a directory whose contents are copied. */
  kind: 'file' | 'dir';
  /** Host path of the file or directory (after following links). */
  path: string;
  /** For a file: the file itself. For a directory: its root (target '') then its contents, sorted. */
  entries: SourceEntry[];
}

export interface ResolveOptions {
  /** `--exclude` patterns. */
  exclude?: string[];
  /**
   * The .dockerignore matcher (createIgnoreMatcher); an ignored path does not exist for COPY. When it has
   * `mustDescend` (createIgnoreMatcher's do), ignored directories without exceptions are not walked.
   */
  ignore?: IgnoreMatcher;
}

const MAX_LINKS = 40;

/** The sources `patterns` name in `contextRoot`, in instruction order (matches of one pattern sorted). */
export async function resolveSources(
  contextRoot: string,
  patterns: string[],
  options: ResolveOptions = {},
): Promise<ResolvedSource[]> {
  const ignore: IgnoreMatcher = options.ignore ?? (() => false);
  const exclude =
    options.exclude !== undefined && options.exclude.length > 0
      ? createIgnoreMatcher(options.exclude)
      : undefined;
  const root = contextRoot.replace(/\/+$/, '') || '/';
  const out: ResolvedSource[] = [];
  for (const source of patterns) {
    const pattern = cleanPattern(source);
    const matches = hasWildcard(pattern) ? await globMatches(root, pattern, source, ignore) : [pattern];
    if (matches.length === 0 || (pattern !== '' && ignore(pattern))) throw notFound(source);
    for (const rel of matches) {
      if (exclude?.(rel) === true) continue;
      out.push(await resolveOne(root, source, rel, ignore, exclude));
    }
  }
  return out;
}

function notFound(source: string): BerthError {
  return new BerthError(
    'NotFound',
    `COPY failed: file not found in build context or excluded by .dockerignore: stat ${source}: file does not exist`,
  );
}

/** The context paths a wildcard pattern matches, walking only below its literal prefix and to its depth. */
async function globMatches(
  root: string,
  pattern: string,
  source: string,
  ignore: IgnoreMatcher,
): Promise<string[]> {
  const regexp = patternToRegExp(pattern);
  const prefix = literalPrefix(pattern);
  const limit = maxDepth(pattern);
  // The literal part may go through links: resolve it inside the context before reading anything.
  const realPrefix = await resolveInContext(root, prefix, source);
  const start = realPrefix === '' ? root : `${root}/${realPrefix}`;
  const info = await lstat(start).catch(() => undefined);
  if (info?.isDirectory() !== true) return [];
  const matches: string[] = [];
  const filter = (rel: string, stat: Stats) =>
    rel.split('/').length > limit || prunable(ignore, rel, stat) ? ('prune' as const) : ('keep' as const);
  for await (const { rel } of walkTree(start, { filter }, prefix)) {
    if (regexp.test(rel) && !ignore(rel)) matches.push(rel);
  }
  return matches;
}

async function resolveOne(
  root: string,
  source: string,
  rel: string,
  ignore: IgnoreMatcher,
  exclude: IgnoreMatcher | undefined,
): Promise<ResolvedSource> {
  const realRel = await resolveInContext(root, rel, source);
  const path = realRel === '' ? root : `${root}/${realRel}`;
  const stat = await lstat(path).catch(() => undefined);
  if (stat === undefined) throw notFound(source);
  const name = rel === '' ? posix.basename(root) : posix.basename(rel);
  if (!stat.isDirectory()) {
    if (!stat.isFile()) {
      throw new BerthError('InvalidArgument', `COPY failed: ${source} is not a regular file or directory`);
    }
    return { source, rel, name, kind: 'file', path, entries: [entryOf(path, '', stat)] };
  }
  const entries: SourceEntry[] = [entryOf(path, '', stat)];
  const filter = (sub: string, info: Stats) => {
    const contextRel = realRel === '' ? sub : `${realRel}/${sub}`;
    if (ignore(contextRel))
      return prunable(ignore, contextRel, info) ? ('prune' as const) : ('skip' as const);
    for (const path of exclude === undefined ? [] : [contextRel, sub]) {
      if (exclude?.(path) === true)
        return prunable(exclude, path, info) ? ('prune' as const) : ('skip' as const);
    }
    return 'keep' as const;
  };
  for await (const item of walkTree(path, { filter })) {
    if (!item.stat.isFile() && !item.stat.isDirectory() && !item.stat.isSymbolicLink()) continue;
    const entry = entryOf(item.path, item.rel, item.stat);
    if (entry.type === 'symlink') entry.linkTarget = await readlink(item.path);
    entries.push(entry);
  }
  return { source, rel, name, kind: 'dir', path, entries };
}

/** An ignored directory nothing below which can be re-included: the walk need not enter it. */
function prunable(matcher: IgnoreMatcher, rel: string, stat: Stats): boolean {
  return stat.isDirectory() && matcher(rel) && matcher.mustDescend !== undefined && !matcher.mustDescend(rel);
}

function entryOf(path: string, target: string, stat: Stats): SourceEntry {
  const type: SourceEntryType = stat.isDirectory() ? 'dir' : stat.isSymbolicLink() ? 'symlink' : 'file';
  const entry: SourceEntry = {
    path,
    target,
    type,
    mode: stat.mode & 0o7777,
    size: type === 'file' ? stat.size : 0,
    mtime: stat.mtime,
    uid: stat.uid,
    gid: stat.gid,
  };
  if (type === 'file' && stat.nlink > 1) entry.linkKey = `${stat.dev}:${stat.ino}`;
  return entry;
}

/**
 * `rel` with every symbolic link along it followed inside the context; a link whose target is absolute or
 * climbs above the context root is refused.
 */
export async function resolveInContext(root: string, rel: string, source = rel): Promise<string> {
  const pending = rel.split('/').filter((part) => part !== '' && part !== '.');
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const component = pending.shift() as string;
    if (component === '..') {
      if (resolved.length === 0) throw outside(source);
      resolved.pop();
      continue;
    }
    const candidate = [root, ...resolved, component].join('/');
    const info = await lstat(candidate).catch(() => undefined);
    if (info?.isSymbolicLink() === true) {
      if (++links > MAX_LINKS) {
        throw new BerthError(
          'InvalidArgument',
          `COPY failed: too many levels of symbolic links in ${source}`,
        );
      }
      const target = await readlink(candidate);
      if (posix.isAbsolute(target)) throw outside(source);
      pending.unshift(...target.split('/').filter((part) => part !== '' && part !== '.'));
      continue;
    }
    resolved.push(component);
  }
  return resolved.join('/');
}

function outside(source: string): BerthError {
  return new BerthError(
    'InvalidArgument',
    `COPY failed: ${source} is a symbolic link pointing outside the build context`,
  );
}
