// Unpacked layers, each once, keyed by chain ID: <root>/layers/<chain-hex>/{diff/, layer.json}. Invariant: a
// layer directory exists only complete — unpacking happens in a temp dir that is synced and renamed into place,
// and removal renames it away before deleting — so a crash never leaves a half layer under a valid name.

import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { BerthError } from '../../shared/errors.js';
import { isErrno, readJsonIfExists, writeJsonAtomic } from '../store/atomic-json.js';
import { digestHex, layout, shortLinkName } from '../store/layout.js';
import { sha256Of, type Digest } from './digest.js';
import { unpackLayerTar } from './unpack.js';

export interface LayerRecord {
  chainId: Digest;
  diffId: Digest;
  parent: Digest | undefined;
  /** Bytes of file content in this layer alone. */
  size: number;
}

const TEMP_PREFIX = '.tmp-';
const DOOMED_PREFIX = '.del-';

export class LayerStore {
  readonly dir: string;
  private readonly inFlight = new Map<string, Promise<LayerRecord>>();

  constructor(private readonly root: string) {
    this.dir = layout.layersDir(root);
  }

  async get(chainId: Digest): Promise<LayerRecord | undefined> {
    return readJsonIfExists<LayerRecord>(join(layout.layerDir(this.root, chainId), 'layer.json'));
  }

  async has(chainId: Digest): Promise<boolean> {
    return (await this.get(chainId)) !== undefined;
  }

  diffPath(chainId: Digest): string {
    return layout.layerDiff(this.root, chainId);
  }

  /**
   * Unpacks a layer on top of `parent` unless it already is. With `expectedDiffId` the work is skipped when the
   * layer exists and the tar is checked against it; without, the diffID is what the tar hashes to.
   */
  async unpack(
    parent: Digest | undefined,
    expectedDiffId: Digest | undefined,
    open: () => Promise<Readable | AsyncIterable<Uint8Array>>,
  ): Promise<LayerRecord> {
    if (expectedDiffId !== undefined) {
      const chainId = chainOf(parent, expectedDiffId);
      const existing = await this.get(chainId);
      if (existing !== undefined) return existing;
      const running = this.inFlight.get(chainId);
      if (running !== undefined) return running;
      const work = this.unpackNew(parent, expectedDiffId, open).finally(() => this.inFlight.delete(chainId));
      this.inFlight.set(chainId, work);
      return work;
    }
    return this.unpackNew(parent, undefined, open);
  }

  private async unpackNew(
    parent: Digest | undefined,
    expectedDiffId: Digest | undefined,
    open: () => Promise<Readable | AsyncIterable<Uint8Array>>,
  ): Promise<LayerRecord> {
    if (parent !== undefined && !(await this.has(parent))) {
      throw new BerthError('FailedPrecondition', `parent layer ${parent} is not unpacked`);
    }
    await mkdir(this.dir, { recursive: true });
    const temp = join(this.dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
    await mkdir(join(temp, 'diff'), { recursive: true, mode: 0o755 });
    try {
      const { diffId, size } = await unpackLayerTar(await open(), join(temp, 'diff'));
      if (expectedDiffId !== undefined && diffId !== expectedDiffId) {
        throw new BerthError(
          'InvalidArgument',
          `layer content does not match its diffID: expected ${expectedDiffId}, got ${diffId}`,
        );
      }
      return await this.publish(temp, { chainId: chainOf(parent, diffId), diffId, parent, size });
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * Takes `dir` (an overlay upper dir whose layer tar hashed to `diffId`) as the layer's files, moving it into
   * place instead of unpacking the tar again; the builder's committed steps come in this way. `dir` must be on
   * the state root's filesystem and is gone afterwards.
   */
  async adopt(parent: Digest | undefined, diffId: Digest, dir: string, size: number): Promise<LayerRecord> {
    const chainId = chainOf(parent, diffId);
    const existing = await this.get(chainId);
    if (existing !== undefined) return existing;
    if (parent !== undefined && !(await this.has(parent))) {
      throw new BerthError('FailedPrecondition', `parent layer ${parent} is not unpacked`);
    }
    await mkdir(this.dir, { recursive: true });
    const temp = join(this.dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
    await mkdir(temp, { mode: 0o755 });
    try {
      await rename(dir, join(temp, 'diff'));
      return await this.publish(temp, { chainId, diffId, parent, size });
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      throw error;
    }
  }

  /** Records, syncs and renames a complete temp layer dir into place. */
  private async publish(temp: string, record: LayerRecord): Promise<LayerRecord> {
    await writeJsonAtomic(join(temp, 'layer.json'), record);
    await syncFilesystem(temp);
    try {
      await rename(temp, layout.layerDir(this.root, record.chainId));
    } catch (error) {
      // Someone else finished the same layer first: theirs is as good as ours.
      if (!isErrno(error, 'ENOTEMPTY') && !isErrno(error, 'EEXIST')) throw error;
      await rm(temp, { recursive: true, force: true });
    }
    return record;
  }

  /** Chain IDs of all complete layers. */
  async list(): Promise<Digest[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return [];
      throw error;
    }
    return names
      .filter((name) => /^[0-9a-f]{64}$/.test(name))
      .map((hex): Digest => `sha256:${hex}`)
      .sort();
  }

  /** Removes a layer and its short link. The caller makes sure no image or snapshot still uses it. */
  async remove(chainId: Digest): Promise<void> {
    await rm(join(layout.linksDir(this.root), shortLinkName(chainId)), { force: true });
    const doomed = join(this.dir, `${DOOMED_PREFIX}${digestHex(chainId)}-${randomBytes(4).toString('hex')}`);
    try {
      await rename(layout.layerDir(this.root, chainId), doomed);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return;
      throw error;
    }
    await rm(doomed, { recursive: true, force: true });
  }

  /** Deletes leftovers of unpacks and removals cut short by a crash; run at engine start. */
  async cleanTemp(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return;
      throw error;
    }
    for (const name of names) {
      if (name.startsWith(TEMP_PREFIX) || name.startsWith(DOOMED_PREFIX)) {
        await rm(join(this.dir, name), { recursive: true, force: true });
      }
    }
  }
}

function chainOf(parent: Digest | undefined, diffId: Digest): Digest {
  return parent === undefined ? diffId : sha256Of(`${parent} ${diffId}`);
}

/** syncfs(2) on the filesystem holding `path` (coreutils `sync -f`), so a renamed layer is really on disk. */
function syncFilesystem(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sync', ['-f', path], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new BerthError('Internal', `sync -f ${path} exited with ${code}`)),
    );
  });
}
