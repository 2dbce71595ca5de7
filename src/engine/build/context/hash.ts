// The cache key of a COPY/ADD's files: sha256 over each source's kind and (for a file) name and, for every entry, its
// path below the destination, type, mode, link text and content digest. Times and owners are left out, so
// a fresh checkout of the same tree hits the cache.
// Invariant: the digest depends only on what the copy would write, in a fixed order, never on timing.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { ResolvedSource, SourceEntry } from './sources.js';

const PARALLEL_READS = 8;

/** `sha256:<hex>` of the resolved sources (from resolveSources, under `contextRoot`). */
export async function hashSources(_contextRoot: string, resolved: ResolvedSource[]): Promise<string> {
  const files = resolved.flatMap((source) => source.entries.filter((entry) => entry.type === 'file'));
  const contentDigests = await mapLimited(files, PARALLEL_READS, (entry) => fileDigest(entry.path));
  const digestOf = new Map<SourceEntry, string>();
  files.forEach((entry, i) => digestOf.set(entry, contentDigests[i] as string));

  const hash = createHash('sha256');
  const field = (text: string) => hash.update(`${text}\0`);
  for (const source of resolved) {
    field('source');
    field(source.kind);
    field(source.kind === 'file' ? source.name : ''); // a directory's own name is not copied
    for (const entry of source.entries) {
      field(entry.type);
      field(entry.target);
      field(entry.mode.toString(8));
      if (entry.type === 'symlink') field(entry.linkTarget ?? '');
      if (entry.type === 'file') field(digestOf.get(entry) ?? '');
    }
  }
  return `sha256:${hash.digest('hex')}`;
}

async function fileDigest(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** `fn` over `items` with at most `limit` running at once; results in input order. */
async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
