// Copying files into and out of a container's root filesystem (`docker cp`): a tar of one path, the path's
// stat in Docker's X-Docker-Container-Path-Stat shape, and extraction of a tar under a directory.
// Invariant: every path is resolved through resolveInRoot, and every tar entry is checked by safeEntryPath,
// so neither a symlink in the container nor a crafted tar can read or write outside the rootfs.
import { chmod, lchown, link, lstat, lutimes, mkdir, readdir, readlink, rm, symlink } from 'node:fs/promises';
import { createReadStream, createWriteStream } from 'node:fs';
import { basename, join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { BerthError } from '../../shared/errors.js';
import { safeEntryPath } from '../image/unpack.js';
import { resolveInRoot } from '../runtime/root-path.js';

/** What Docker puts (base64 JSON) in X-Docker-Container-Path-Stat. */
export interface PathStat {
  name: string;
  size: number;
  /** Go's os.FileMode: permission bits plus type bits (dir 1<<31, symlink 1<<27, ...). */
  mode: number;
  mtime: string;
  linkTarget: string;
}

const GO_DIR = 2 ** 31;
const GO_SYMLINK = 2 ** 27;
const GO_NAMED_PIPE = 2 ** 25;
const GO_SOCKET = 2 ** 24;
const GO_DEVICE = 2 ** 26;
const GO_CHAR_DEVICE = 2 ** 21;
const GO_SETUID = 2 ** 23;
const GO_SETGID = 2 ** 22;
const GO_STICKY = 2 ** 20;

/** The host path of `path` in the container: parents resolved inside the root, the last component not followed. */
export async function hostPathOf(rootfs: string, path: string): Promise<string> {
  const clean = posix.normalize(`/${path}`);
  if (clean === '/') return rootfs;
  const base = posix.basename(clean);
  const parent = await resolveInRoot(rootfs, posix.dirname(clean));
  // A trailing "/" or "/." asks for the directory a symlink points to.
  if (/\/\.?$/.test(path)) return resolveInRoot(rootfs, clean);
  return join(parent, base);
}

export async function statPath(rootfs: string, path: string): Promise<PathStat> {
  const host = await hostPathOf(rootfs, path);
  const info = await lstat(host).catch(() => undefined);
  if (info === undefined) throw new BerthError('NotFound', `Could not find the file ${path} in container`);
  let mode = info.mode & 0o777;
  if (info.mode & 0o4000) mode += GO_SETUID;
  if (info.mode & 0o2000) mode += GO_SETGID;
  if (info.mode & 0o1000) mode += GO_STICKY;
  if (info.isDirectory()) mode += GO_DIR;
  else if (info.isSymbolicLink()) mode += GO_SYMLINK;
  else if (info.isFIFO()) mode += GO_NAMED_PIPE;
  else if (info.isSocket()) mode += GO_SOCKET;
  else if (info.isCharacterDevice()) mode += GO_DEVICE + GO_CHAR_DEVICE;
  else if (info.isBlockDevice()) mode += GO_DEVICE;
  return {
    name: posix.basename(posix.normalize(`/${path}`)) || '/',
    size: info.size,
    mode,
    mtime: info.mtime.toISOString(),
    linkTarget: info.isSymbolicLink() ? await readlink(host) : '',
  };
}

export function encodePathStat(stat: PathStat): string {
  return Buffer.from(JSON.stringify(stat)).toString('base64');
}

/** A tar of `path` (a file, link or directory tree), its entries named from the path's base name. */
export async function packPath(rootfs: string, path: string): Promise<Readable> {
  const host = await hostPathOf(rootfs, path);
  await statPath(rootfs, path);
  const pack = tar.pack();
  const top = posix.basename(posix.normalize(`/${path}`)) || '.';
  const add = async (hostPath: string, name: string): Promise<void> => {
    const info = await lstat(hostPath);
    const common = { name, mode: info.mode & 0o7777, uid: info.uid, gid: info.gid, mtime: info.mtime };
    if (info.isDirectory()) {
      pack.entry({ ...common, type: 'directory' });
      for (const child of (await readdir(hostPath)).sort())
        await add(join(hostPath, child), `${name}/${child}`);
    } else if (info.isSymbolicLink()) {
      pack.entry({ ...common, type: 'symlink', linkname: await readlink(hostPath) });
    } else if (info.isFile()) {
      const entry = pack.entry({ ...common, type: 'file', size: info.size });
      await pipeline(createReadStream(hostPath), entry as unknown as NodeJS.WritableStream);
    }
    // Devices, FIFOs and sockets are left out: they cannot be copied meaningfully.
  };
  void add(host, top).then(
    () => pack.finalize(),
    (error: unknown) => pack.destroy(error as Error),
  );
  return pack as unknown as Readable;
}

/** Extracts a tar under the container directory `path`, which must exist. */
export async function extractInto(
  rootfs: string,
  path: string,
  source: Readable,
  options: { keepOwnership?: boolean } = {},
): Promise<void> {
  const dest = await resolveInRoot(rootfs, path);
  const info = await lstat(dest).catch(() => undefined);
  if (info === undefined) throw new BerthError('NotFound', `Could not find the file ${path} in container`);
  if (!info.isDirectory()) throw new BerthError('InvalidArgument', `extraction point is not a directory`);
  const extract = tar.extract();
  const feeding = pipeline(source, extract);
  feeding.catch(() => undefined);
  const directories: Array<{ path: string; mtime: Date }> = [];
  for await (const entry of extract) {
    const header = entry.header;
    const name = safeEntryPath(header.name, 'archive entry');
    if (name === '') {
      entry.resume();
      continue;
    }
    // Parents are resolved inside the root, so a symlinked directory cannot carry the write outside it.
    const parent = await resolveInRoot(rootfs, posix.join(path, posix.dirname(name)));
    await mkdir(parent, { recursive: true });
    const target = join(parent, basename(name));
    const mode = header.mode ?? 0o644;
    switch (header.type) {
      case 'directory': {
        const existing = await lstat(target).catch(() => undefined);
        if (existing !== undefined && !existing.isDirectory())
          await rm(target, { recursive: true, force: true });
        await mkdir(target, { recursive: true });
        await chmod(target, mode & 0o7777);
        directories.push({ path: target, mtime: header.mtime ?? new Date() });
        entry.resume();
        break;
      }
      case 'file':
      case 'contiguous-file': {
        await rm(target, { force: true, recursive: true });
        await pipeline(entry as unknown as Readable, createWriteStream(target, { mode: mode & 0o7777 }));
        await chmod(target, mode & 0o7777);
        break;
      }
      case 'symlink': {
        await rm(target, { force: true, recursive: true });
        await symlink(header.linkname ?? '', target);
        entry.resume();
        break;
      }
      case 'link': {
        const linked = safeEntryPath(header.linkname ?? '', 'archive link');
        const source = await resolveInRoot(rootfs, posix.join(path, linked));
        await rm(target, { force: true, recursive: true });
        await link(source, target);
        entry.resume();
        break;
      }
      default:
        entry.resume();
        continue;
    }
    // Without copyUIDGID Docker makes the copied files root's.
    const owner = options.keepOwnership === true ? [header.uid ?? 0, header.gid ?? 0] : [0, 0];
    await lchown(target, owner[0] ?? 0, owner[1] ?? 0).catch(() => undefined);
    if (header.type !== 'directory' && header.mtime !== undefined)
      await lutimes(target, header.mtime, header.mtime).catch(() => undefined);
  }
  await feeding;
  // Directory times last: writing their children changed them.
  for (const dir of directories.reverse())
    await lutimes(dir.path, dir.mtime, dir.mtime).catch(() => undefined);
}
