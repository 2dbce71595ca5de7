// Extracts an uploaded build context (a tar, plain or compressed as POST /build allows) into a fresh directory, and the archives that ADD
// unpacks. The context comes from any client, so it is treated as hostile. Invariant: nothing is written
// outside `destDir`:
//   - names are normalised by the image unpacker's safeEntryPath: absolute names and `..` escapes are refused;
//   - every parent of an entry is checked with lstat, and a symlink parent is refused, so a symlink planted
//     by an earlier entry (`evil -> /etc`, then `evil/passwd`) is never written through;
//   - an existing final path is removed first and files are created with O_EXCL, so a final symlink is never
//     followed either;
//   - hard links must name a file already extracted, reached without symlinks.
// Device nodes and fifos are skipped: a build context has no use for them. Whiteouts are plain files here.

import type { Stats } from 'node:fs';
import { chmod, lchown, link, lstat, lutimes, mkdir, open, rm, symlink, utimes } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { BerthError, messageOf } from '../../../shared/errors.js';
import { safeEntryPath } from '../../image/unpack.js';
import { ALL_COMPRESSIONS, openDecompressed } from '../../image/compression.js';

export interface ExtractOptions {
  /** Owner given to every entry; the archive's owners when absent (and `keepOwners`), else the caller's. */
  owner?: { uid: number; gid: number };
  /** Apply the archive's uid/gid (ADD keeps them, a context does not need them). */
  keepOwners?: boolean;
  /** Used in error messages: `build context`, or the archive's name. */
  what?: string;
}

/** Extracts a context tar (plain, gzip, bzip2, xz or zstd) into `destDir`, an existing (empty) directory. */
export async function extractContext(
  tarStream: Readable | AsyncIterable<Uint8Array>,
  destDir: string,
): Promise<void> {
  const { stream } = await openDecompressed(tarStream, 'build context', ALL_COMPRESSIONS);
  await extractTar(stream, destDir, { what: 'build context' });
}

/** Extracts an uncompressed tar stream into `destDir` with the checks above. */
export async function extractTar(
  stream: Readable,
  destDir: string,
  options: ExtractOptions = {},
): Promise<void> {
  const extract = tar.extract();
  const feeding = pipeline(stream, extract);
  feeding.catch(() => undefined); // awaited below; this only keeps an early rejection from going unhandled
  let tarError: unknown; // the parser's own error ("Unexpected end of data") says more than the entry's
  extract.on('error', (error: unknown) => (tarError ??= error));
  const extractor = new Extractor(destDir, options);
  try {
    for await (const entry of extract) {
      const body = entry as unknown as Readable;
      try {
        await extractor.place(entry.header, body);
      } finally {
        body.resume();
      }
    }
    await feeding;
  } catch (error) {
    stream.destroy();
    if (error instanceof BerthError) throw error;
    const cause = tarError ?? error;
    throw new BerthError(
      'InvalidArgument',
      `cannot extract the ${options.what ?? 'archive'}: ${messageOf(cause)}`,
      { cause },
    );
  }
  await extractor.finish();
}

interface Meta {
  uid: number;
  gid: number;
  mode: number;
  mtime: Date;
}

class Extractor {
  private readonly knownDirs = new Set<string>(['']);
  private readonly dirMeta = new Map<string, Meta>();
  private readonly what: string;

  constructor(
    private readonly dest: string,
    private readonly options: ExtractOptions,
  ) {
    this.what = options.what ?? 'archive';
  }

  async place(header: tar.Header, body: Readable): Promise<void> {
    const rel = this.safe(header.name);
    const meta = this.metaOf(header);
    if (rel === '') {
      if (header.type === 'directory') this.dirMeta.set('', meta);
      return;
    }
    await this.ensureParents(rel, header.name);
    const path = this.abs(rel);
    const existing = await lstatOrUndefined(path);
    if (existing !== undefined && !(existing.isDirectory() && header.type === 'directory')) {
      await rm(path, { recursive: true, force: true });
      for (const dir of [...this.knownDirs])
        if (dir === rel || dir.startsWith(`${rel}/`)) this.knownDirs.delete(dir);
      for (const dir of [...this.dirMeta.keys()])
        if (dir === rel || dir.startsWith(`${rel}/`)) this.dirMeta.delete(dir);
    }
    switch (header.type) {
      case 'file':
      case 'contiguous-file':
      case null:
      case undefined:
        await writeBody(body, path);
        await this.applyMeta(path, meta);
        return;
      case 'directory':
        if (existing === undefined || !existing.isDirectory()) await mkdir(path, { mode: 0o700 });
        this.knownDirs.add(rel);
        this.dirMeta.set(rel, meta);
        return;
      case 'symlink':
        await symlink(header.linkname ?? '', path);
        if (this.owned(meta)) await lchown(path, meta.uid, meta.gid);
        await lutimes(path, meta.mtime, meta.mtime);
        return;
      case 'link': {
        let target: string;
        try {
          target = safeEntryPath(header.linkname ?? '', 'hard link target');
        } catch {
          throw this.unsafe(header.name, `is a hard link pointing outside the ${this.what}`);
        }
        const stat =
          target === '' || !(await this.parentsAreDirs(target))
            ? undefined
            : await lstatOrUndefined(this.abs(target));
        if (stat === undefined || !stat.isFile()) {
          throw this.unsafe(
            header.name,
            `is a hard link to ${JSON.stringify(header.linkname)}, which is not a file extracted before it`,
          );
        }
        await link(this.abs(target), path);
        return;
      }
      default:
        return; // devices, fifos and GNU extensions carry nothing a build needs
    }
  }

  /** Directory modes and times last, deepest first, re-checking that each is still a real directory. */
  async finish(): Promise<void> {
    const dirs = [...this.dirMeta.entries()].sort((a, b) => depth(b[0]) - depth(a[0]));
    for (const [rel, meta] of dirs) {
      if (!(await this.parentsAreDirs(rel))) continue;
      const stat = await lstatOrUndefined(this.abs(rel));
      if (stat?.isDirectory() === true) await this.applyMeta(this.abs(rel), meta);
    }
  }

  private safe(name: string, what = 'entry'): string {
    try {
      return safeEntryPath(name, what);
    } catch {
      const why = name.startsWith('/')
        ? 'is an absolute path'
        : name.includes('\0')
          ? 'contains a NUL byte'
          : `leaves the ${this.what}`;
      throw this.unsafe(name, why);
    }
  }

  private unsafe(name: string, why: string): BerthError {
    return new BerthError('InvalidArgument', `${this.what} entry ${JSON.stringify(name)} ${why}`);
  }

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
        throw this.unsafe(name, `goes through the symbolic link ${JSON.stringify(current)}`);
      } else if (!stat.isDirectory()) {
        throw this.unsafe(name, `has a parent ${JSON.stringify(current)} that is not a directory`);
      }
      this.knownDirs.add(current);
    }
  }

  private async parentsAreDirs(rel: string): Promise<boolean> {
    const parts = rel.split('/');
    let current = '';
    for (let i = 0; i < parts.length - 1; i++) {
      current = current === '' ? (parts[i] as string) : `${current}/${parts[i] as string}`;
      const stat = await lstatOrUndefined(this.abs(current));
      if (stat === undefined || stat.isSymbolicLink() || !stat.isDirectory()) return false;
    }
    return true;
  }

  private metaOf(header: tar.Header): Meta {
    const pax = (header.pax ?? {}) as Record<string, string>;
    const paxMtime = Number(pax.mtime);
    const mtime = Number.isFinite(paxMtime) ? new Date(paxMtime * 1000) : (header.mtime ?? new Date(0));
    const owner = this.options.owner;
    return {
      uid: owner?.uid ?? header.uid ?? 0,
      gid: owner?.gid ?? header.gid ?? 0,
      mode: header.mode ?? (header.type === 'directory' ? 0o755 : 0o644),
      mtime,
    };
  }

  private owned(_meta: Meta): boolean {
    return this.options.owner !== undefined || this.options.keepOwners === true;
  }

  /** chown before chmod: chown clears setuid/setgid bits. Never called on a symlink. */
  private async applyMeta(path: string, meta: Meta): Promise<void> {
    if (this.owned(meta)) await lchown(path, meta.uid, meta.gid);
    await chmod(path, meta.mode & 0o7777);
    await utimes(path, meta.mtime, meta.mtime);
  }

  private abs(rel: string): string {
    return rel === '' ? this.dest : `${this.dest}/${rel}`;
  }
}

/**
 * Writes an entry's body to a new file. Read with async iteration rather than stream.pipeline: a truncated
 * tar errors the entry stream in a way pipeline does not notice, and the write would wait forever.
 */
async function writeBody(body: Readable, path: string): Promise<void> {
  const handle = await open(path, 'wx', 0o600);
  try {
    for await (const chunk of body) await handle.write(chunk as Buffer);
  } finally {
    await handle.close();
  }
}

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

function depth(rel: string): number {
  return rel === '' ? 0 : rel.split('/').length;
}
