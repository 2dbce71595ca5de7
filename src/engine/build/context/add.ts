// What ADD does beyond COPY: a local tar archive (plain, gzip, bzip2 or xz, told by content, not by name) is
// unpacked into the destination instead of copied, and an http(s) URL is downloaded (mode 0600, as Docker
// does), with `--checksum=sha256:<hex>` verified before the file is used.
// Invariant: archives are unpacked by extract.ts into a private temporary directory and then copied with
// copyInto, so the archive's own checks (no `..`, no absolute names, nothing written through a symlink) and
// the rootfs's (symlinks resolved inside the root) both apply.

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdtemp, open, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError, messageOf } from '../../../shared/errors.js';
import { ALL_COMPRESSIONS, detectCompression, openDecompressed } from '../../image/compression.js';
import { copyInto, type CopyOptions } from './copy.js';
import { extractTar } from './extract.js';
import { resolveSources, type ResolvedSource } from './sources.js';

export type ArchiveKind = 'tar' | 'gzip' | 'bzip2' | 'xz';

export interface AddOptions extends CopyOptions {
  /** Where archives are unpacked before being copied; the system's temporary directory by default. */
  tmpDir?: string;
}

export interface FetchedSource {
  /** Host path of the downloaded file. */
  path: string;
  /** `sha256:<hex>` of its content. */
  digest: string;
  /** The name taken from the URL path (`index.html` when it has none). */
  name: string;
  /** Last-Modified, or now. */
  mtime: Date;
}

/** Whether an ADD source is a remote URL rather than a context path. */
export function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/**
 * Downloads `url` into a new directory under `tmpDir`; with `checksum` (`sha256:<hex>`) the content must
 * match, else the file is removed and the error names the URL and both digests.
 */
export async function fetchUrlSource(url: string, tmpDir: string, checksum?: string): Promise<FetchedSource> {
  const expected = checksum === undefined ? undefined : parseChecksum(checksum);
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'follow' });
  } catch (error) {
    throw new BerthError('Unavailable', `ADD failed: cannot download ${url}: ${messageOf(error)}`, {
      cause: error,
    });
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    throw new BerthError('Unavailable', `ADD failed: cannot download ${url}: HTTP ${response.status}`);
  }
  const name = nameFromUrl(url);
  const dir = await mkdtemp(`${tmpDir.replace(/\/+$/, '')}/add-`);
  const path = `${dir}/${name}`;
  const hash = createHash('sha256');
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  body.on('data', (chunk: Buffer) => hash.update(chunk));
  try {
    await pipeline(body, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new BerthError('Unavailable', `ADD failed: cannot download ${url}: ${messageOf(error)}`, {
      cause: error,
    });
  }
  const digest = `sha256:${hash.digest('hex')}`;
  if (expected !== undefined && expected !== digest) {
    await rm(dir, { recursive: true, force: true });
    throw new BerthError(
      'InvalidArgument',
      `ADD failed: checksum of ${url} does not match: expected ${expected}, got ${digest}`,
    );
  }
  const lastModified = Date.parse(response.headers.get('last-modified') ?? '');
  const mtime = Number.isFinite(lastModified) ? new Date(lastModified) : new Date();
  await chmod(path, 0o600);
  await utimes(path, mtime, mtime);
  return { path, digest, name, mtime };
}

/** A downloaded file as a resolved source, ready for copyInto (a URL source is never unpacked). */
export async function urlSource(url: string, fetched: FetchedSource): Promise<ResolvedSource> {
  const info = await stat(fetched.path);
  return {
    source: url,
    rel: fetched.name,
    name: fetched.name,
    kind: 'file',
    path: fetched.path,
    entries: [
      {
        path: fetched.path,
        target: '',
        type: 'file',
        mode: 0o600,
        size: info.size,
        mtime: fetched.mtime,
        uid: 0,
        gid: 0,
      },
    ],
  };
}

/**
 * ADD of local sources: tar archives are unpacked into `dest` (as a directory), everything else is copied
 * with COPY's rules.
 */
export async function addInto(
  rootfs: string,
  resolved: ResolvedSource[],
  dest: string,
  options: AddOptions,
): Promise<void> {
  const archives: Array<{ source: ResolvedSource; kind: ArchiveKind }> = [];
  const plain: ResolvedSource[] = [];
  for (const source of resolved) {
    const kind = source.kind === 'file' && !isUrl(source.source) ? await archiveKind(source.path) : undefined;
    if (kind === undefined) plain.push(source);
    else archives.push({ source, kind });
  }
  const asDir = resolved.length > 1 && !dest.endsWith('/') ? `${dest}/` : dest;
  if (plain.length > 0)
    await copyInto(rootfs, plain, plain.length === resolved.length ? dest : asDir, options);
  for (const { source, kind } of archives) {
    const scratch = await mkdtemp(`${(options.tmpDir ?? tmpdir()).replace(/\/+$/, '')}/add-archive-`);
    try {
      await extractTar(await openArchive(source.path, kind), scratch, {
        what: `archive ${source.source}`,
        keepOwners: true,
      });
      const tree = await resolveSources(scratch, ['.']);
      await copyInto(rootfs, tree, dest.endsWith('/') ? dest : `${dest}/`, {
        ...options,
        keepOwners: options.chown === undefined,
      });
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
}

/** The kind of tar archive at `path`, or undefined when it is not one (then ADD copies it as it is). */
export async function archiveKind(path: string): Promise<ArchiveKind | undefined> {
  const head = await readHead(path, 512);
  const compression = detectCompression(head);
  if (compression === 'none') return isTarHeader(head) ? 'tar' : undefined;
  if (compression === 'zstd') return undefined;
  const stream = await openArchive(path, compression);
  let inner = Buffer.alloc(0);
  try {
    for await (const chunk of stream) {
      inner = Buffer.concat([inner, chunk as Buffer]);
      if (inner.length >= 512) break;
    }
  } catch {
    return undefined; // not valid compressed data after all
  } finally {
    stream.destroy();
  }
  return isTarHeader(inner) ? compression : undefined;
}

/** The uncompressed bytes of the archive at `path` (its kind was told by archiveKind). */
export async function openArchive(path: string, _kind: ArchiveKind): Promise<Readable> {
  return (await openDecompressed(createReadStream(path), posix.basename(path), ALL_COMPRESSIONS)).stream;
}

/** A tar header block: its checksum field matches the sum of its bytes (with that field as spaces). */
function isTarHeader(block: Buffer): boolean {
  if (block.length < 512) return false;
  const field = block.subarray(148, 156).toString('latin1').replace(/\0.*$/s, '').trim();
  if (!/^[0-7]+$/.test(field)) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] as number);
  return sum === parseInt(field, 8);
}

async function readHead(path: string, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function parseChecksum(checksum: string): string {
  const match = /^sha256:([0-9a-fA-F]{64})$/.exec(checksum.trim());
  if (match === null) {
    throw new BerthError(
      'InvalidArgument',
      `ADD --checksum ${checksum}: only sha256:<64 hex digits> is supported`,
    );
  }
  return `sha256:${(match[1] as string).toLowerCase()}`;
}

function nameFromUrl(url: string): string {
  let name = '';
  try {
    name = decodeURIComponent(posix.basename(new URL(url).pathname));
  } catch {
    name = '';
  }
  return name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')
    ? 'index.html'
    : name;
}
