// Content-addressed blobs under <root>/blobs/sha256/<hex>. Invariant: a blob becomes visible only after its
// bytes have been hashed and the digest checked — it is written to a temp file first and renamed into place,
// so a wrong or interrupted ingest leaves nothing behind under its name.
//
//   const blobs = new BlobStore(root);
//   const { digest, size } = await blobs.ingest(Buffer.from('{}'));   // digest computed
//   await blobs.ingest(stream, 'sha256:…');                           // digest verified before the rename

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError } from '../../shared/errors.js';
import { isErrno } from '../store/atomic-json.js';
import { layout, digestHex } from '../store/layout.js';
import { isDigest, parseDigest, type Digest } from './digest.js';

export interface IngestResult {
  digest: Digest;
  size: number;
}

export class BlobStore {
  readonly dir: string;
  private readonly tmp: string;

  constructor(root: string) {
    this.dir = layout.blobsDir(root);
    this.tmp = layout.tmpDir(root);
  }

  /** Stores bytes or a stream; when `expected` is given a mismatch throws InvalidArgument and stores nothing. */
  async ingest(
    source: Uint8Array | Readable | AsyncIterable<Uint8Array>,
    expected?: Digest,
  ): Promise<IngestResult> {
    if (expected !== undefined) parseDigest(expected);
    await mkdir(this.dir, { recursive: true });
    await mkdir(this.tmp, { recursive: true });
    const temp = join(this.tmp, `blob-${randomBytes(8).toString('hex')}`);
    const hash = createHash('sha256');
    let size = 0;
    try {
      const chunks: AsyncIterable<Uint8Array> =
        source instanceof Uint8Array
          ? (async function* () {
              yield source;
            })()
          : source;
      await pipeline(
        chunks,
        async function* (input: AsyncIterable<Uint8Array>) {
          for await (const chunk of input) {
            hash.update(chunk);
            size += chunk.length;
            yield chunk;
          }
        },
        createWriteStream(temp, { flags: 'wx', mode: 0o644, flush: true }),
      );
      const digest: Digest = `sha256:${hash.digest('hex')}`;
      if (expected !== undefined && digest !== expected) {
        throw new BerthError('InvalidArgument', `digest mismatch: expected ${expected}, got ${digest}`);
      }
      await rename(temp, this.pathOf(digest));
      return { digest, size };
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  /**
   * Adopts a file already written under the store's temp dir (a download): hashes it, checks digest and
   * size, and renames it into place. On a mismatch the file is removed and InvalidArgument thrown.
   */
  async ingestFile(path: string, expected: Digest, expectedSize?: number): Promise<IngestResult> {
    parseDigest(expected);
    await mkdir(this.dir, { recursive: true });
    try {
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of createReadStream(path)) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
      const digest: Digest = `sha256:${hash.digest('hex')}`;
      if (expectedSize !== undefined && size !== expectedSize) {
        throw new BerthError('InvalidArgument', `size mismatch: expected ${expectedSize} bytes, got ${size}`);
      }
      if (digest !== expected) {
        throw new BerthError('InvalidArgument', `digest mismatch: expected ${expected}, got ${digest}`);
      }
      await rename(path, this.pathOf(digest));
      return { digest, size };
    } catch (error) {
      await rm(path, { force: true });
      throw error;
    }
  }

  /** The directory for temp files that may later be adopted with ingestFile (same filesystem). */
  get tempDir(): string {
    return this.tmp;
  }

  async has(digest: Digest): Promise<boolean> {
    try {
      await stat(this.pathOf(digest));
      return true;
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return false;
      throw error;
    }
  }

  /** A stream of the blob's bytes; NotFound when absent. */
  async open(digest: Digest): Promise<Readable> {
    await this.size(digest);
    return createReadStream(this.pathOf(digest));
  }

  async read(digest: Digest): Promise<Buffer> {
    try {
      return await readFile(this.pathOf(digest));
    } catch (error) {
      throw notFound(digest, error);
    }
  }

  async readJson<T = unknown>(digest: Digest): Promise<T> {
    const bytes = await this.read(digest);
    try {
      return JSON.parse(bytes.toString('utf8')) as T;
    } catch (error) {
      throw new BerthError('InvalidArgument', `blob ${digest} is not valid JSON`, { cause: error });
    }
  }

  async size(digest: Digest): Promise<number> {
    try {
      return (await stat(this.pathOf(digest))).size;
    } catch (error) {
      throw notFound(digest, error);
    }
  }

  /** Removes the blob; true when it existed. */
  async delete(digest: Digest): Promise<boolean> {
    const existed = await this.has(digest);
    await rm(this.pathOf(digest), { force: true });
    return existed;
  }

  async list(): Promise<Digest[]> {
    try {
      return (await readdir(this.dir))
        .map((hex): string => `sha256:${hex}`)
        .filter(isDigest)
        .sort();
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return [];
      throw error;
    }
  }

  pathOf(digest: Digest): string {
    return join(this.dir, digestHex(parseDigest(digest)));
  }
}

function notFound(digest: string, cause: unknown): unknown {
  return isErrno(cause, 'ENOENT') ? new BerthError('NotFound', `blob ${digest} not found`, { cause }) : cause;
}
