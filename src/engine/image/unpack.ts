// Extracts one layer tar into a directory, turning OCI whiteouts into overlay whiteouts. This is the engine's
// main defence against hostile images. Invariant: nothing is ever written outside `dest`:
//   - names are normalised; absolute names and names that climb out with `..` are rejected;
//   - every parent directory of an entry is checked with lstat and a symlink parent is rejected, so a symlink
//     planted by an earlier entry (`evil -> /etc`, then `evil/passwd`) is never followed;
//   - files are created with O_EXCL after removing what was there, so a final symlink is never followed either;
//   - hard links must point to an existing entry inside the layer, reached without symlinks;
//   - work deferred to the end (device nodes, whiteouts, xattrs, directory times) re-checks its parents first,
//     because a later entry may have replaced a directory with a symlink.

import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, lchown, link, lstat, lutimes, mkdir, rm, symlink, utimes } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { BerthError, messageOf } from '../../shared/errors.js';
import { isErrno } from '../store/atomic-json.js';
import { openDecompressed } from './compression.js';
import type { Digest } from './digest.js';
import { applySpecialOps, OPAQUE_XATTR, S_IFBLK, S_IFCHR, S_IFIFO, type SpecialOp } from './special-files.js';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_WHITEOUT = '.wh..wh..opq';

export interface UnpackResult {
  /** sha256 of the uncompressed tar. */
  diffId: Digest;
  /** Bytes of file content written. */
  size: number;
}

interface Meta {
  uid: number;
  gid: number;
  mode: number;
  mtime: Date;
}

/** Normalises a tar member name to a path relative to the layer root ('' is the root itself); throws if unsafe. */
export function safeEntryPath(name: string, what = 'entry'): string {
  if (name.includes('\0')) throw unsafe(name, what, 'contains a NUL byte');
  if (name.startsWith('/')) throw unsafe(name, what, 'is an absolute path');
  const normal = posix.normalize(name).replace(/\/+$/, '');
  if (normal === '.' || normal === '') return '';
  if (normal === '..' || normal.startsWith('../')) throw unsafe(name, what, 'escapes the layer directory');
  return normal;
}

function unsafe(name: string, what: string, why: string): BerthError {
  return new BerthError('InvalidArgument', `layer ${what} ${JSON.stringify(name)} ${why}`);
}

/** Unpacks a (gzip or plain) layer tar into `dest`, an existing empty directory. */
export async function unpackLayerTar(
  source: Readable | AsyncIterable<Uint8Array>,
  dest: string,
): Promise<UnpackResult> {
  const { stream } = await openDecompressed(source);
  const hash = createHash('sha256');
  const hasher = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const extract = tar.extract();
  const feeding = pipeline(stream, hasher, extract);
  feeding.catch(() => undefined); // awaited below; this only stops an early rejection going unhandled
  const unpacker = new Unpacker(dest);
  try {
    for await (const entry of extract) {
      await unpacker.entry(entry.header, entry as unknown as Readable);
    }
    await feeding;
  } catch (error) {
    stream.destroy();
    throw error;
  }
  await unpacker.finish();
  return { diffId: `sha256:${hash.digest('hex')}`, size: unpacker.size };
}

class Unpacker {
  size = 0;
  /** Relative paths known to be real directories (not symlinks) created or checked by us. */
  private readonly knownDirs = new Set<string>(['']);
  private readonly dirMeta = new Map<string, Meta>();
  private readonly nodes = new Map<string, { op: SpecialOp; meta: Meta }>();
  private readonly whiteouts = new Set<string>();
  private readonly opaque = new Set<string>();
  private readonly xattrs: Array<{ rel: string; name: string; value: Buffer }> = [];

  constructor(private readonly dest: string) {}

  async entry(header: tar.Header, body: Readable): Promise<void> {
    try {
      await this.place(header, body);
    } finally {
      body.resume(); // drain whatever was not consumed so the extractor moves on
    }
  }

  private async place(header: tar.Header, body: Readable): Promise<void> {
    const rel = safeEntryPath(header.name);
    const pax = (header.pax ?? {}) as Record<string, string>;
    const meta = metaOf(header, pax);
    const base = posix.basename(rel);

    if (base.startsWith(WHITEOUT_PREFIX)) {
      const parent = posix.dirname(rel) === '.' ? '' : posix.dirname(rel);
      await this.ensureParents(rel, header.name);
      if (base === OPAQUE_WHITEOUT) {
        this.opaque.add(parent);
        return;
      }
      const hidden = base.slice(WHITEOUT_PREFIX.length);
      if (hidden === '' || hidden === '.' || hidden === '..' || hidden.startsWith(WHITEOUT_PREFIX)) {
        throw unsafe(header.name, 'entry', 'is a malformed whiteout');
      }
      const target = parent === '' ? hidden : `${parent}/${hidden}`;
      await this.removeExisting(target);
      this.whiteouts.add(target);
      return;
    }

    if (rel === '') {
      if (header.type === 'directory') this.dirMeta.set('', meta);
      return;
    }
    await this.ensureParents(rel, header.name);
    this.whiteouts.delete(rel);
    this.nodes.delete(rel);
    const path = this.abs(rel);
    const existing = await lstatOrUndefined(path);
    if (existing !== undefined && !(existing.isDirectory() && header.type === 'directory')) {
      await this.removeExisting(rel);
    }

    switch (header.type) {
      case 'file':
      case 'contiguous-file':
        await pipeline(body, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
        this.size += header.size;
        await applyMeta(path, meta);
        break;
      case 'directory':
        if (existing === undefined || !existing.isDirectory()) await mkdir(path, { mode: 0o700 });
        this.knownDirs.add(rel);
        this.dirMeta.set(rel, meta);
        break;
      case 'symlink':
        await symlink(header.linkname, path);
        await lchown(path, meta.uid, meta.gid);
        await lutimes(path, meta.mtime, meta.mtime);
        break;
      case 'link': {
        let target: string;
        try {
          target = safeEntryPath(header.linkname, 'hard link target');
        } catch (error) {
          throw unsafe(header.name, 'hard link', `points outside the layer (${messageOf(error)})`);
        }
        if (target === '') throw unsafe(header.name, 'hard link', 'points to the layer root');
        if ((await this.parentsState(target)) !== 'ok') {
          throw unsafe(
            header.name,
            'hard link',
            `target ${JSON.stringify(header.linkname)} is not inside the layer`,
          );
        }
        if (this.nodes.has(target)) await this.flushNodes();
        const stat = await lstatOrUndefined(this.abs(target));
        if (stat === undefined || stat.isDirectory()) {
          throw unsafe(
            header.name,
            'hard link',
            `target ${JSON.stringify(header.linkname)} is not a file in the layer`,
          );
        }
        await link(this.abs(target), path);
        break;
      }
      case 'character-device':
      case 'block-device':
      case 'fifo': {
        const kind = header.type === 'fifo' ? S_IFIFO : header.type === 'block-device' ? S_IFBLK : S_IFCHR;
        const op: SpecialOp = {
          op: 'mknod',
          path,
          mode: kind | (meta.mode & 0o7777),
          major: header.devmajor,
          minor: header.devminor,
        };
        this.nodes.set(rel, { op, meta });
        break;
      }
      default:
        return; // other GNU extension types carry nothing for a rootfs
    }
    for (const [key, value] of Object.entries(pax)) {
      if (key.startsWith('SCHILY.xattr.')) {
        this.xattrs.push({ rel, name: key.slice('SCHILY.xattr.'.length), value: Buffer.from(value, 'utf8') });
      }
    }
  }

  /** Deferred work, in an order that leaves directory times as the tar gave them. */
  async finish(): Promise<void> {
    await this.flushNodes();
    const ops: SpecialOp[] = [];
    const cache = new Map<string, ParentState>();
    for (const rel of [...this.whiteouts].sort()) {
      if ((await this.checkDeferred(rel, cache)) && (await lstatOrUndefined(this.abs(rel))) === undefined) {
        ops.push({ op: 'mknod', path: this.abs(rel), mode: S_IFCHR, major: 0, minor: 0 });
      }
    }
    for (const rel of [...this.opaque].sort()) {
      if (!(await this.checkDeferred(rel, cache))) continue;
      const stat = await lstatOrUndefined(this.abs(rel));
      if (stat?.isDirectory() === true) {
        ops.push({ op: 'setxattr', path: this.abs(rel), name: OPAQUE_XATTR, value: Buffer.from('y') });
      }
    }
    for (const { rel, name, value } of this.xattrs) {
      if (await this.checkDeferred(rel, cache))
        ops.push({ op: 'setxattr', path: this.abs(rel), name, value });
    }
    await applySpecialOps(ops);
    // Deepest first, so setting a child's time does not disturb its parent's afterwards.
    const dirs = [...this.dirMeta.entries()].sort((a, b) => depth(b[0]) - depth(a[0]));
    for (const [rel, meta] of dirs) {
      if (!(await this.checkDeferred(rel, cache))) continue;
      const stat = await lstatOrUndefined(this.abs(rel));
      if (stat?.isDirectory() === true) await applyMeta(this.abs(rel), meta);
    }
  }

  private async flushNodes(): Promise<void> {
    const pending = [...this.nodes.entries()];
    this.nodes.clear();
    const cache = new Map<string, ParentState>();
    const live: typeof pending = [];
    for (const item of pending) if (await this.checkDeferred(item[0], cache)) live.push(item);
    await applySpecialOps(live.map(([, { op }]) => op));
    for (const [rel, { meta }] of live) await applyMeta(this.abs(rel), meta);
  }

  /**
   * Creates missing parent directories of `rel` and rejects the entry when one of them is a symlink or not a
   * directory: following it could write outside the layer.
   */
  private async ensureParents(rel: string, name: string): Promise<void> {
    const parts = rel.split('/');
    let current = '';
    for (let i = 0; i < parts.length - 1; i++) {
      current = current === '' ? (parts[i] as string) : `${current}/${parts[i] as string}`;
      if (this.knownDirs.has(current)) continue;
      const stat = await lstatOrUndefined(this.abs(current));
      if (stat === undefined) {
        await mkdir(this.abs(current), { mode: 0o755 });
      } else if (stat.isSymbolicLink()) {
        throw unsafe(name, 'entry', `goes through the symbolic link ${JSON.stringify(current)}`);
      } else if (!stat.isDirectory()) {
        throw unsafe(name, 'entry', `has a parent ${JSON.stringify(current)} that is not a directory`);
      }
      this.knownDirs.add(current);
    }
  }

  /** Whether every parent of `rel` is a real directory now (deferred work skips paths that were replaced). */
  private async checkDeferred(rel: string, cache: Map<string, ParentState>): Promise<boolean> {
    const state = await this.parentsState(rel, cache);
    if (state === 'symlink') throw unsafe(rel, 'entry', 'would be written through a symbolic link');
    return state === 'ok';
  }

  private async parentsState(rel: string, cache = new Map<string, ParentState>()): Promise<ParentState> {
    const parts = rel.split('/');
    let current = '';
    for (let i = 0; i < parts.length - 1; i++) {
      current = current === '' ? (parts[i] as string) : `${current}/${parts[i] as string}`;
      let state = cache.get(current);
      if (state === undefined) {
        const stat = await lstatOrUndefined(this.abs(current));
        state =
          stat === undefined
            ? 'missing'
            : stat.isSymbolicLink()
              ? 'symlink'
              : stat.isDirectory()
                ? 'ok'
                : 'missing';
        cache.set(current, state);
      }
      if (state !== 'ok') return state;
    }
    return 'ok';
  }

  private async removeExisting(rel: string): Promise<void> {
    await rm(this.abs(rel), { recursive: true, force: true });
    // Pending work under the removed path is void: the tar replaced it.
    const under = (path: string) => path === rel || path.startsWith(`${rel}/`);
    for (const dir of this.knownDirs) if (under(dir)) this.knownDirs.delete(dir);
    for (const dir of this.dirMeta.keys()) if (under(dir)) this.dirMeta.delete(dir);
    for (const path of this.nodes.keys()) if (under(path)) this.nodes.delete(path);
    for (const path of this.whiteouts) if (under(path)) this.whiteouts.delete(path);
    for (const path of this.opaque) if (under(path)) this.opaque.delete(path);
    for (let i = this.xattrs.length - 1; i >= 0; i--)
      if (under(this.xattrs[i]?.rel ?? '')) this.xattrs.splice(i, 1);
  }

  private abs(rel: string): string {
    return rel === '' ? this.dest : `${this.dest}/${rel}`;
  }
}

type ParentState = 'ok' | 'missing' | 'symlink';

function metaOf(header: tar.Header, pax: Record<string, string>): Meta {
  const num = (value: string | undefined, fallback: number) => {
    const n = value === undefined ? NaN : Number(value);
    return Number.isFinite(n) ? n : fallback;
  };
  const mtimeSeconds = num(pax.mtime, header.mtime.getTime() / 1000);
  return {
    uid: num(pax.uid, header.uid),
    gid: num(pax.gid, header.gid),
    mode: header.mode,
    mtime: new Date(mtimeSeconds * 1000),
  };
}

/** chown before chmod: chown clears setuid/setgid bits. Never called on a symlink. */
async function applyMeta(path: string, meta: Meta): Promise<void> {
  await lchown(path, meta.uid, meta.gid);
  await chmod(path, meta.mode & 0o7777);
  await utimes(path, meta.mtime, meta.mtime);
}

async function lstatOrUndefined(path: string) {
  try {
    return await lstat(path);
  } catch (error) {
    if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) return undefined;
    throw error;
  }
}

function depth(rel: string): number {
  return rel === '' ? 0 : rel.split('/').length;
}
