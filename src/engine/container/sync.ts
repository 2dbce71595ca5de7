// Applying a batch of file changes to a running container's filesystem as its processes see it (the root of its
// init process, volumes and binds included), and listing a tree with content hashes so a client can send only
// what differs. Nothing runs inside the container: no tar, no shell, so scratch images and non-root users work.
// Invariants: every path is resolved through resolveInRoot, so a symlink in the container can never carry a
// write outside its root; a written file appears whole or not at all (temp file in the target directory, then
// rename); written files and created directories belong to the container's configured user.
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  fchmodSync,
  fchownSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import {
  chmod,
  chown,
  lchown,
  lstat,
  mkdir,
  open,
  readdir,
  readlink,
  rename,
  rm,
  symlink,
  unlink,
} from 'node:fs/promises';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { BerthError, messageOf } from '../../shared/errors.js';
import type { DecodedEntry, SyncResult, TreeEntry } from '../api/sync.js';
import { resolveInRoot } from '../runtime/root-path.js';

export interface Owner {
  uid: number;
  gid: number;
}

/** Applies decoded entries in order under `root`; a failing entry is reported and the rest still applied. */
export async function applySync(
  root: string,
  entries: AsyncIterable<DecodedEntry>,
  owner: Owner,
): Promise<SyncResult> {
  const result: SyncResult = { applied: 0, errors: [] };
  const parents = new ParentCache(root, owner);
  for await (const { entry, content } of entries) {
    const path = posix.normalize(`/${entry.path}`);
    try {
      if (path === '/') throw new BerthError('InvalidArgument', 'cannot replace the root directory');
      switch (entry.op) {
        case 'write': {
          const dir = await parents.ensure(posix.dirname(path));
          await writeAtomically(join(dir, posix.basename(path)), content, entry.size, entry.mode, owner);
          break;
        }
        case 'mkdir': {
          const dir = await parents.ensure(posix.dirname(path));
          const target = join(dir, posix.basename(path));
          const existing = await lstat(target).catch(() => undefined);
          if (existing !== undefined && !existing.isDirectory()) await rm(target, { force: true });
          if (existing === undefined || !existing.isDirectory()) {
            await mkdir(target);
            await chown(target, owner.uid, owner.gid);
          }
          await chmod(target, entry.mode);
          break;
        }
        case 'symlink': {
          const dir = await parents.ensure(posix.dirname(path));
          const target = join(dir, posix.basename(path));
          const temp = join(dir, tempName(posix.basename(path)));
          await symlink(entry.target, temp);
          await lchown(temp, owner.uid, owner.gid).catch(() => undefined);
          await replaceWith(temp, target);
          parents.forget();
          break;
        }
        case 'delete': {
          const parent = await resolveInRoot(root, posix.dirname(path));
          await rm(join(parent, posix.basename(path)), { recursive: true, force: true });
          parents.forget();
          break;
        }
      }
      result.applied++;
    } catch (error) {
      result.errors.push({ path, message: messageOf(error) });
    } finally {
      for await (const _ of content) void _; // an entry that failed early leaves its bytes behind
    }
  }
  return result;
}

/** Files up to this size are written with synchronous calls: far fewer thread-pool round trips per file. */
const SMALL_FILE = 256 * 1024;

/** Writes `content` to a temp file beside `target`, sets owner and mode, then renames it over `target`. */
async function writeAtomically(
  target: string,
  content: AsyncIterable<Buffer>,
  size: number,
  mode: number,
  owner: Owner,
): Promise<void> {
  const temp = join(posix.dirname(target), tempName(posix.basename(target)));
  if (size <= SMALL_FILE) {
    const parts: Buffer[] = [];
    for await (const chunk of content) parts.push(chunk);
    writeSmallFile(temp, target, Buffer.concat(parts), mode, owner);
    return;
  }
  const handle = await open(temp, 'wx', 0o600);
  try {
    for await (const chunk of content) await handle.write(chunk);
    await handle.chown(owner.uid, owner.gid);
    await handle.chmod(mode);
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  await replaceWith(temp, target).catch(async (error: unknown) => {
    await unlink(temp).catch(() => undefined);
    throw error;
  });
}

function writeSmallFile(temp: string, target: string, data: Buffer, mode: number, owner: Owner): void {
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, data);
    fchownSync(fd, owner.uid, owner.gid);
    fchmodSync(fd, mode);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(temp, target);
  } catch (error) {
    // A directory in the way (rename cannot replace one) or anything else: the careful path.
    if (
      (error as NodeJS.ErrnoException).code !== 'EISDIR' &&
      (error as NodeJS.ErrnoException).code !== 'ENOTEMPTY'
    ) {
      rmSync(temp, { force: true });
      throw error;
    }
    rmSync(target, { recursive: true, force: true });
    renameSync(temp, target);
  }
}

/** Renames `temp` over `target`; a directory in the way is removed first (rename cannot replace one). */
async function replaceWith(temp: string, target: string): Promise<void> {
  const existing = await lstat(target).catch(() => undefined);
  if (existing?.isDirectory() === true) await rm(target, { recursive: true, force: true });
  await rename(temp, target);
}

function tempName(base: string): string {
  return `.${base.slice(0, 100)}.berth-sync-${randomBytes(6).toString('hex')}`;
}

/**
 * Host directories of the batch's parent paths, created (and owned by the user) where missing. Resolution is
 * cached within a batch; deletes and symlinks clear the cache since they can change what a path resolves to.
 */
class ParentCache {
  private readonly resolved = new Map<string, string>();
  constructor(
    private readonly root: string,
    private readonly owner: Owner,
  ) {}

  forget(): void {
    this.resolved.clear();
  }

  async ensure(dir: string): Promise<string> {
    const known = this.resolved.get(dir);
    if (known !== undefined) return known;
    let host = this.root;
    let containerPath = '/';
    for (const part of dir.split('/').filter((p) => p !== '')) {
      containerPath = posix.join(containerPath, part);
      const cached = this.resolved.get(containerPath);
      if (cached !== undefined) {
        host = cached;
        continue;
      }
      host = await resolveInRoot(this.root, containerPath);
      const info = await lstat(host).catch(() => undefined);
      if (info === undefined) {
        // recursive: a dangling link's target may lack several levels (all inside the root).
        await mkdir(host, { recursive: true });
        await chown(host, this.owner.uid, this.owner.gid);
      } else if (!info.isDirectory()) {
        // A file where the batch needs a directory: the host tree says it is a directory now.
        await rm(host, { force: true });
        await mkdir(host);
        await chown(host, this.owner.uid, this.owner.gid);
      }
      this.resolved.set(containerPath, host);
    }
    this.resolved.set(dir, host);
    return host;
  }
}

/** Every entry under `path` in the container (not following symlinks), files with their sha256. */
export async function listTree(root: string, path: string, limit = 200_000): Promise<TreeEntry[]> {
  const base = await resolveInRoot(root, path);
  const info = await lstat(base).catch(() => undefined);
  if (info === undefined || !info.isDirectory()) return [];
  const entries: TreeEntry[] = [];
  const walk = async (hostDir: string, rel: string): Promise<void> => {
    for (const name of (await readdir(hostDir)).sort()) {
      if (entries.length >= limit)
        throw new BerthError('FailedPrecondition', `more than ${limit} entries under ${path}`);
      const host = join(hostDir, name);
      const relPath = rel === '' ? name : `${rel}/${name}`;
      const stat = await lstat(host).catch(() => undefined);
      if (stat === undefined) continue;
      const common = { path: relPath, mode: stat.mode & 0o7777, size: stat.size };
      if (stat.isDirectory()) {
        entries.push({ ...common, type: 'dir' });
        await walk(host, relPath);
      } else if (stat.isSymbolicLink()) {
        entries.push({ ...common, type: 'symlink', target: await readlink(host) });
      } else if (stat.isFile()) {
        entries.push({ ...common, type: 'file', sha256: await sha256Of(host) });
      } else entries.push({ ...common, type: 'other' });
    }
  };
  await walk(base, '');
  return entries;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}
