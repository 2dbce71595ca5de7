// Writes resolved COPY/ADD sources into a build container's root filesystem with Docker's destination
// rules: a destination relative to WORKDIR; a destination ending in `/`, an existing directory, several
// sources or a directory source mean "into this directory"; otherwise a single file takes the destination's
// name. Missing parents are created (owned by the --chown user); files keep their mode unless --chmod;
// owner 0:0 unless --chown; hard links within one copy stay links.
// Invariant: every path written is resolved with resolveInRoot, so symlinks already in the rootfs are
// followed as the container would see them and can never lead onto the host; the final component of a
// file or link is removed first and created exclusively, so it is never written through.

import type { Stats } from 'node:fs';
import { constants } from 'node:fs';
import { chmod, copyFile, lchown, link, lstat, lutimes, mkdir, rm, symlink, utimes } from 'node:fs/promises';
import { posix } from 'node:path';
import { BerthError } from '../../../shared/errors.js';
import { resolveInRoot } from '../../runtime/root-path.js';
import { resolveUser } from '../../runtime/user.js';
import type { ResolvedSource, SourceEntry } from './sources.js';

export interface Owner {
  uid: number;
  gid: number;
}

export interface CopyOptions {
  /** The stage's WORKDIR (absolute, inside the container). */
  workdir: string;
  chown?: Owner;
  /** Permission bits given to every file and directory copied. */
  chmod?: number;
  /** Keep each entry's own uid/gid when no chown is given (ADD of an archive does). */
  keepOwners?: boolean;
}

/** Copies `resolved` to `dest` inside the rootfs at `rootfs`. */
export async function copyInto(
  rootfs: string,
  resolved: ResolvedSource[],
  dest: string,
  options: CopyOptions,
): Promise<void> {
  const destPath = containerPath(dest, options.workdir);
  const parentOwner = options.chown ?? { uid: 0, gid: 0 };
  let intoDir =
    dest.endsWith('/') ||
    dest === '.' ||
    dest.endsWith('/.') ||
    resolved.length > 1 ||
    resolved.some((source) => source.kind === 'dir');
  if (!intoDir) {
    const existing = await lstatOrUndefined(await resolveInRoot(rootfs, destPath));
    intoDir = existing?.isDirectory() === true;
  }
  const writer = new Writer(rootfs, options);
  if (intoDir) {
    const dirHost = await mkdirInRoot(rootfs, destPath, parentOwner);
    for (const source of resolved) {
      if (source.kind === 'dir') await writer.tree(source.entries, destPath, dirHost);
      else await writer.file(source.entries[0] as SourceEntry, `${dirHost}/${source.name}`);
    }
  } else {
    const source = resolved[0];
    if (source === undefined) return;
    const parentHost = await mkdirInRoot(rootfs, posix.dirname(destPath), parentOwner);
    await writer.file(source.entries[0] as SourceEntry, `${parentHost}/${posix.basename(destPath)}`);
  }
  await writer.finish();
}

/** `user[:group]` of --chown, against the rootfs's /etc/passwd and /etc/group; no group means gid = uid. */
export async function resolveChown(rootfs: string, spec: string): Promise<Owner> {
  const text = spec.trim();
  if (text === '') throw new BerthError('InvalidArgument', '--chown needs a user');
  const user = await resolveUser(rootfs, text);
  return { uid: user.uid, gid: text.includes(':') ? user.gid : user.uid };
}

/** `--chmod` as octal digits (`755`, `0640`), the form Docker's builders accept everywhere. */
export function parseChmod(spec: string): number {
  const text = spec.trim();
  if (!/^[0-7]{1,4}$/.test(text)) {
    throw new BerthError('InvalidArgument', `invalid --chmod=${spec}: expected an octal mode such as 755`);
  }
  return parseInt(text, 8);
}

/** The absolute container path of a COPY destination. */
export function containerPath(dest: string, workdir: string): string {
  const base = workdir === '' ? '/' : workdir;
  const joined = posix.isAbsolute(dest) ? dest : posix.join(base.startsWith('/') ? base : `/${base}`, dest);
  return posix.normalize(joined);
}

/**
 * Creates `path` (a container path) and its missing parents inside the rootfs, each owned by `owner`,
 * following existing symlinks inside the rootfs. Returns the host path of the directory.
 */
export async function mkdirInRoot(rootfs: string, path: string, owner: Owner): Promise<string> {
  const parts = path.split('/').filter((part) => part !== '' && part !== '.');
  let current = '/';
  let host = rootfs;
  for (const part of parts) {
    current = posix.join(current, part);
    host = await resolveInRoot(rootfs, current);
    const stat = await lstatOrUndefined(host);
    if (stat === undefined) {
      await mkdir(host, { mode: 0o755 });
      await lchown(host, owner.uid, owner.gid);
    } else if (!stat.isDirectory()) {
      throw new BerthError(
        'InvalidArgument',
        `COPY failed: ${current} exists in the image and is not a directory`,
      );
    }
  }
  return host;
}

class Writer {
  /** dev:ino of a source file → where its first copy went. */
  private readonly links = new Map<string, string>();
  private readonly dirs: Array<{ host: string; entry: SourceEntry; depth: number }> = [];

  constructor(
    private readonly rootfs: string,
    private readonly options: CopyOptions,
  ) {}

  /** The contents of a directory source into `destPath` (container path) whose host path is `destHost`. */
  async tree(entries: SourceEntry[], destPath: string, destHost: string): Promise<void> {
    const hostOf = new Map<string, string>([['', destHost]]);
    const parentOwner = this.options.chown ?? { uid: 0, gid: 0 };
    for (const entry of entries) {
      if (entry.target === '') continue;
      const parentRel = posix.dirname(entry.target) === '.' ? '' : posix.dirname(entry.target);
      let parentHost = hostOf.get(parentRel);
      if (parentHost === undefined) {
        // a parent skipped by .dockerignore or --exclude while a child was kept
        parentHost = await mkdirInRoot(this.rootfs, posix.join(destPath, parentRel), parentOwner);
        hostOf.set(parentRel, parentHost);
      }
      if (entry.type === 'dir') {
        const host = await this.directory(
          `${parentHost}/${posix.basename(entry.target)}`,
          posix.join(destPath, entry.target),
        );
        hostOf.set(entry.target, host);
        this.dirs.push({ host, entry, depth: entry.target.split('/').length });
      } else {
        await this.file(entry, `${parentHost}/${posix.basename(entry.target)}`);
      }
    }
  }

  /**
   * The directory at `direct` (a host path whose parent is a real directory in the rootfs): an existing
   * directory, or a symlink to one (followed inside the rootfs, as /lib -> usr/lib), is used as it is;
   * anything else there (a file, a link to a file or to nothing) is replaced by a new directory.
   */
  private async directory(direct: string, path: string): Promise<string> {
    const stat = await lstatOrUndefined(direct);
    if (stat?.isDirectory() === true) return direct;
    if (stat?.isSymbolicLink() === true) {
      const resolved = await resolveInRoot(this.rootfs, path);
      if ((await lstatOrUndefined(resolved))?.isDirectory() === true) return resolved;
    }
    if (stat !== undefined) await rm(direct, { recursive: true, force: true });
    await mkdir(direct, { mode: 0o700 });
    return direct;
  }

  /** A file or symlink to `host`, whose parent is a real directory inside the rootfs. */
  async file(entry: SourceEntry, host: string): Promise<void> {
    const existing = await lstatOrUndefined(host);
    if (existing !== undefined) await rm(host, { recursive: true, force: true });
    const owner = this.ownerOf(entry);
    if (entry.type === 'symlink') {
      await symlink(entry.linkTarget ?? '', host);
      await lchown(host, owner.uid, owner.gid);
      await lutimes(host, entry.mtime, entry.mtime);
      return;
    }
    if (entry.type === 'dir') {
      throw new BerthError('Internal', `a directory cannot be copied as a file: ${entry.path}`);
    }
    if (entry.linkKey !== undefined) {
      const first = this.links.get(entry.linkKey);
      if (first !== undefined) {
        try {
          await link(first, host);
          return;
        } catch {
          // another filesystem or a link limit: fall back to a copy
        }
      } else {
        this.links.set(entry.linkKey, host);
      }
    }
    await copyFile(entry.path, host, constants.COPYFILE_EXCL);
    await lchown(host, owner.uid, owner.gid); // before chmod: chown clears setuid bits
    await chmod(host, this.options.chmod ?? entry.mode);
    await utimes(host, entry.mtime, entry.mtime);
  }

  /** Directory owners, modes and times, deepest first so a child's update does not touch its parent's time. */
  async finish(): Promise<void> {
    for (const { host, entry } of this.dirs.sort((a, b) => b.depth - a.depth)) {
      const owner = this.ownerOf(entry);
      await lchown(host, owner.uid, owner.gid);
      await chmod(host, this.options.chmod ?? entry.mode);
      await utimes(host, entry.mtime, entry.mtime);
    }
  }

  private ownerOf(entry: SourceEntry): Owner {
    if (this.options.chown !== undefined) return this.options.chown;
    return this.options.keepOwners === true ? { uid: entry.uid, gid: entry.gid } : { uid: 0, gid: 0 };
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
