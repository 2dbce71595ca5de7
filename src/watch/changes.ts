// Turns host paths into sync changes for a container: each changed path is read as it is now (a file becomes a
// write, a directory a mkdir plus its contents, a symlink a symlink, a missing path a delete), and an initial
// sync compares the whole host tree with the container's by content. Invariant: deletes come first, then
// directories by depth, then files, so a batch that renames a directory applies cleanly in one pass; contents
// are read only when the frame is sent, one file at a time, so thousands of files never sit in memory at once.
import { createHash } from 'node:crypto';
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { SyncChange, TreeEntry } from '../engine/api/sync.js';
import { relativeInside, type IgnoreModel } from './ignore-model.js';

export interface SyncMapping {
  /** The rule's path on the host (absolute). */
  root: string;
  /** Where that path is in the container (absolute). */
  target: string;
  ignore: IgnoreModel;
}

export function containerPathOf(mapping: SyncMapping, hostPath: string): string | undefined {
  const rel = relativeInside(mapping.root, hostPath);
  if (rel === undefined) return undefined;
  return rel === '' ? mapping.target : path.posix.join(mapping.target, rel);
}

/**
 * The changes that make the container match the host for these paths (ignored ones left out). With `sent` (the
 * file signatures last sent to this service), a file whose size, mtime, inode and mode have not changed since is
 * left out: editors and `writeFile` report a create and then a change of the same save.
 */
export async function changesFor(
  mapping: SyncMapping,
  hostPaths: Iterable<string>,
  sent?: Map<string, string>,
): Promise<SyncChange[]> {
  const deletes: SyncChange[] = [];
  const dirs: SyncChange[] = [];
  const files: SyncChange[] = [];
  const seen = new Set<string>();
  const visit = async (hostPath: string, walk: boolean): Promise<void> => {
    if (seen.has(hostPath)) return;
    seen.add(hostPath);
    const containerPath = containerPathOf(mapping, hostPath);
    if (containerPath === undefined) return;
    const info = await lstat(hostPath).catch(() => undefined);
    if (info === undefined) {
      sent?.delete(containerPath);
      if (!mapping.ignore.isIgnored(hostPath)) deletes.push({ op: 'delete', path: containerPath });
      return;
    }
    if (mapping.ignore.isIgnored(hostPath, info.isDirectory())) return;
    if (info.isDirectory()) {
      dirs.push({ op: 'mkdir', path: containerPath, mode: info.mode & 0o7777 });
      if (!walk) return;
      // A directory that appears (or is renamed into place) brings its whole content.
      for (const name of await readdir(hostPath).catch(() => []))
        await visit(path.join(hostPath, name), true);
    } else if (info.isSymbolicLink()) {
      files.push({ op: 'symlink', path: containerPath, target: await readlink(hostPath) });
    } else if (info.isFile()) {
      const signature = `${info.size}:${info.mtimeMs}:${info.ino}:${info.mode}`;
      if (sent !== undefined) {
        if (sent.get(containerPath) === signature) return;
        sent.set(containerPath, signature);
      }
      files.push({
        op: 'write',
        path: containerPath,
        mode: info.mode & 0o7777,
        content: () => readFile(hostPath),
      });
    }
  };
  for (const hostPath of hostPaths) await visit(hostPath, true);
  dirs.sort((a, b) => depth(a.path) - depth(b.path));
  return [...deletes, ...dirs, ...files];
}

/** What initial_sync sends: host entries missing or different in the container, and container extras deleted. */
export async function initialSyncChanges(
  mapping: SyncMapping,
  container: readonly TreeEntry[],
): Promise<SyncChange[]> {
  const inContainer = new Map(container.map((entry) => [entry.path, entry]));
  const onHost = new Set<string>();
  const deletes: SyncChange[] = [];
  const dirs: SyncChange[] = [];
  const files: SyncChange[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const name of (await readdir(dir).catch(() => [])).sort()) {
      const hostPath = path.join(dir, name);
      const info = await lstat(hostPath).catch(() => undefined);
      if (info === undefined || mapping.ignore.isIgnored(hostPath, info.isDirectory())) continue;
      const rel = relativeInside(mapping.root, hostPath) as string;
      const containerPath = path.posix.join(mapping.target, rel);
      const there = inContainer.get(rel);
      const mode = info.mode & 0o7777;
      onHost.add(rel);
      if (info.isDirectory()) {
        if (there?.type !== 'dir' || there.mode !== mode) {
          if (there !== undefined && there.type !== 'dir')
            deletes.push({ op: 'delete', path: containerPath });
          dirs.push({ op: 'mkdir', path: containerPath, mode });
        }
        await walk(hostPath);
      } else if (info.isSymbolicLink()) {
        const target = await readlink(hostPath);
        if (there?.type !== 'symlink' || there.target !== target)
          files.push({ op: 'symlink', path: containerPath, target });
      } else if (info.isFile()) {
        const same =
          there?.type === 'file' &&
          there.mode === mode &&
          there.size === info.size &&
          there.sha256 === (await sha256Of(hostPath));
        if (!same) files.push({ op: 'write', path: containerPath, mode, content: () => readFile(hostPath) });
      }
    }
  };
  await walk(mapping.root);
  // Extras: entries the host does not have, unless the host would ignore them (installed dependencies...).
  const deleted: string[] = [];
  for (const entry of container) {
    if (onHost.has(entry.path)) continue;
    if (deleted.some((dir) => entry.path.startsWith(`${dir}/`))) continue;
    if (mapping.ignore.isIgnored(path.join(mapping.root, entry.path), entry.type === 'dir')) continue;
    deletes.push({ op: 'delete', path: path.posix.join(mapping.target, entry.path) });
    deleted.push(entry.path);
  }
  dirs.sort((a, b) => depth(a.path) - depth(b.path));
  return [...deletes, ...dirs, ...files];
}

function depth(p: string): number {
  return p.split('/').length;
}

async function sha256Of(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}
