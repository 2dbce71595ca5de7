// A depth-first walk of a directory tree in sorted order, never following symbolic links. Packing a context
// and resolving COPY sources both walk this way, so their output is deterministic.
// Invariant: `rel` is always relative to the walk's root with `/` separators; the root itself is never yielded.

import type { Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';

export interface WalkEntry {
  /** Path relative to the root of the walk. */
  rel: string;
  /** Host path. */
  path: string;
  stat: Stats;
}

export interface WalkOptions {
  /**
   * Called for each entry before it is yielded: 'skip' leaves the entry out (a directory is still entered),
   * 'prune' leaves it and everything below it out.
   */
  filter?: (rel: string, stat: Stats) => 'keep' | 'skip' | 'prune';
}

/** Yields every entry below `root` (`rel` prefixed by `base` when given), parents before children. */
export async function* walkTree(
  root: string,
  options: WalkOptions = {},
  base = '',
): AsyncGenerator<WalkEntry> {
  const names = (await readdir(root)).sort(byCodeUnit);
  for (const name of names) {
    const path = `${root}/${name}`;
    const rel = base === '' ? name : `${base}/${name}`;
    const stat = await lstat(path);
    const verdict = options.filter?.(rel, stat) ?? 'keep';
    if (verdict === 'prune') continue;
    if (verdict === 'keep') yield { rel, path, stat };
    if (stat.isDirectory()) yield* walkTree(path, options, rel);
  }
}

/** Byte-order comparison, independent of the locale. */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
