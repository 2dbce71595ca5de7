// Turns an overlay upper dir back into an OCI layer (what `commit` and the builder need): overlay whiteouts
// (char device 0/0) become `.wh.<name>` files, opaque dirs (trusted.overlay.opaque=y) get a `.wh..wh..opq`
// entry when the dir hides something in a lower layer. Invariant: entries are written in sorted order with the
// files' own metadata, so the same upper dir always gives the same bytes, hence the same diffID and digest.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { isErrno } from '../store/atomic-json.js';
import type { BlobStore } from './blob-store.js';
import type { Digest } from './digest.js';
import { MediaType } from './media-types.js';
import { OPAQUE_XATTR, readXattrs } from './special-files.js';
import { OPAQUE_WHITEOUT, WHITEOUT_PREFIX } from './unpack.js';

export interface LayerDiff {
  /** Digest of the gzip'd blob now in the blob store. */
  digest: Digest;
  /** Digest of the uncompressed tar. */
  diffId: Digest;
  mediaType: string;
  /** Bytes of the gzip'd blob. */
  size: number;
  uncompressedSize: number;
}

interface Item {
  rel: string;
  stat: Stats;
}

/** Writes the layer for `upperDir` into `blobs`. `lowerDirs` are the diff dirs below it (any order). */
export async function diffToLayer(
  upperDir: string,
  lowerDirs: readonly string[],
  blobs: BlobStore,
): Promise<LayerDiff> {
  const items = await walk(upperDir);
  const dirs = items.filter((i) => i.stat.isDirectory());
  const opaqueValues = await readXattrs(
    dirs.map((d) => join(upperDir, d.rel)),
    OPAQUE_XATTR,
  );
  const opaque = new Set<string>();
  for (const [i, dir] of dirs.entries()) {
    if (opaqueValues[i]?.toString() === 'y' && (await existsBelow(lowerDirs, dir.rel))) opaque.add(dir.rel);
  }

  const pack = tar.pack();
  const diffHash = createHash('sha256');
  let uncompressedSize = 0;
  const hasher = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      diffHash.update(chunk);
      uncompressedSize += chunk.length;
      done(null, chunk);
    },
  });
  const gzip = createGzip();
  const piping = pipeline(pack as unknown as NodeJS.ReadableStream, hasher, gzip);
  const ingesting = blobs.ingest(gzip);
  const producing = (async () => {
    const firstPath = new Map<string, string>();
    for (const { rel, stat } of items) await writeEntry(pack, upperDir, rel, stat, opaque, firstPath);
    pack.finalize();
  })().catch((error: unknown) => {
    pack.destroy(error as Error);
    throw error;
  });
  const [, , stored] = await Promise.all([producing, piping, ingesting]);
  return {
    digest: stored.digest,
    diffId: `sha256:${diffHash.digest('hex')}`,
    mediaType: MediaType.ociLayerGzip,
    size: stored.size,
    uncompressedSize,
  };
}

async function writeEntry(
  pack: tar.Pack,
  upperDir: string,
  rel: string,
  stat: Stats,
  opaque: ReadonlySet<string>,
  firstPath: Map<string, string>,
): Promise<void> {
  const base = { uid: stat.uid, gid: stat.gid, mode: stat.mode & 0o7777, mtime: stat.mtime };
  const abs = join(upperDir, rel);
  if (stat.isCharacterDevice() && stat.rdev === 0) {
    const slash = rel.lastIndexOf('/');
    const name = `${rel.slice(0, slash + 1)}${WHITEOUT_PREFIX}${rel.slice(slash + 1)}`;
    return add(pack, { ...base, name, type: 'file', size: 0 });
  }
  if (stat.isDirectory()) {
    await add(pack, { ...base, name: `${rel}/`, type: 'directory' });
    if (opaque.has(rel))
      await add(pack, { ...base, name: `${rel}/${OPAQUE_WHITEOUT}`, type: 'file', size: 0 });
    return;
  }
  if (stat.isSymbolicLink())
    return add(pack, { ...base, name: rel, type: 'symlink', linkname: await readlink(abs) });
  if (stat.isFile()) {
    const key = `${stat.dev}:${stat.ino}`;
    const earlier = stat.nlink > 1 ? firstPath.get(key) : undefined;
    if (earlier !== undefined) return add(pack, { ...base, name: rel, type: 'link', linkname: earlier });
    if (stat.nlink > 1) firstPath.set(key, rel);
    return addFile(pack, { ...base, name: rel, type: 'file', size: stat.size }, abs);
  }
  if (stat.isCharacterDevice() || stat.isBlockDevice() || stat.isFIFO()) {
    const type = stat.isFIFO() ? 'fifo' : stat.isBlockDevice() ? 'block-device' : 'character-device';
    const devmajor = (stat.rdev >>> 8) & 0xfff;
    const devminor = (stat.rdev & 0xff) | ((stat.rdev >>> 12) & 0xfff00);
    return add(pack, { ...base, name: rel, type, devmajor, devminor });
  }
  // Sockets have no place in a layer.
}

function add(pack: tar.Pack, header: Partial<tar.Header> & { name: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    // A file entry without a body waits for one: give empty files an empty buffer.
    const done = (error?: Error | null) => (error ? reject(error) : resolve());
    if (header.type === 'file') pack.entry(header, Buffer.alloc(0), done);
    else pack.entry(header, done);
  });
}

function addFile(
  pack: tar.Pack,
  header: Partial<tar.Header> & { name: string },
  path: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const sink = pack.entry(header, (error) => (error ? reject(error) : resolve()));
    const source = createReadStream(path);
    source.on('error', (error) => {
      sink.destroy(error);
      reject(error);
    });
    source.pipe(sink as unknown as NodeJS.WritableStream);
  });
}

/** Every path under `root`, depth first, siblings in byte order. */
async function walk(root: string): Promise<Item[]> {
  const out: Item[] = [];
  const visit = async (rel: string): Promise<void> => {
    const names = (await readdir(rel === '' ? root : join(root, rel))).sort(compareBytes);
    for (const name of names) {
      const child = rel === '' ? name : `${rel}/${name}`;
      const stat = await lstat(join(root, child));
      out.push({ rel: child, stat });
      if (stat.isDirectory()) await visit(child);
    }
  };
  await visit('');
  return out;
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

async function existsBelow(lowerDirs: readonly string[], rel: string): Promise<boolean> {
  for (const lower of lowerDirs) {
    try {
      await lstat(join(lower, rel));
      return true;
    } catch (error) {
      if (!isErrno(error, 'ENOENT') && !isErrno(error, 'ENOTDIR')) throw error;
    }
  }
  return false;
}
