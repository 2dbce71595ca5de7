// The build cache: for each step that makes a layer, the layer its key produced. Records are small JSON files
// under <root>/build/cache/, one per key, written atomically. Invariant: a record is used only while its layer
// and blob are still in the stores (images removed or pruned take them away), so a hit never names a layer that
// is gone; `--no-cache` skips lookups but still records what it builds.

import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonIfExists, writeJsonAtomic } from '../store/atomic-json.js';
import { isDigest } from '../image/digest.js';
import type { ImageStore } from '../image/image-store.js';
import type { NewLayer } from './commit-layer.js';

export interface CacheRecord {
  key: string;
  /** null: the step changed nothing. */
  layer: NewLayer | null;
}

export class BuildCache {
  private readonly dir: string;

  constructor(
    root: string,
    private readonly images: ImageStore,
  ) {
    this.dir = join(root, 'build', 'cache');
  }

  async get(key: string): Promise<CacheRecord | undefined> {
    const record = await readJsonIfExists<CacheRecord>(join(this.dir, `${key}.json`));
    if (record === undefined) return undefined;
    if (record.layer !== null) {
      const present =
        (await this.images.layers.has(record.layer.chainId)) &&
        (await this.images.blobs.has(record.layer.blob.digest));
      if (!present) return undefined;
    }
    return record;
  }

  /** The manifest a build whose every step was the same produced before, while it is still stored. */
  async getImage(key: string): Promise<string | undefined> {
    const record = await readJsonIfExists<{ manifest: string }>(join(this.dir, `image-${key}.json`));
    if (record === undefined || !isDigest(record.manifest)) return undefined;
    return (await this.images.blobs.has(record.manifest)) ? record.manifest : undefined;
  }

  async putImage(key: string, manifest: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeJsonAtomic(join(this.dir, `image-${key}.json`), { manifest });
  }

  /** Forgets every record; returns the keys it forgot. */
  async clear(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    await rm(this.dir, { recursive: true, force: true });
    return names.filter((n) => n.endsWith('.json') && !n.startsWith('image-')).map((n) => n.slice(0, -5));
  }

  async put(record: CacheRecord): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeJsonAtomic(join(this.dir, `${record.key}.json`), record);
  }
}
