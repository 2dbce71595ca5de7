// Resolves a path inside a container's rootfs the way the container would see it: symlinks are
// followed relative to the rootfs, so an absolute or `..`-laden link can never lead outside it.
// Invariant: the returned path is always `root` itself or below it.
import { lstat, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';

const MAX_LINKS = 40; // as the kernel's own limit for one lookup (ELOOP)

/** The host path of `path` (absolute within the container) under `root`, symlinks resolved inside root. */
export async function resolveInRoot(root: string, path: string): Promise<string> {
  const pending = splitComponents(path);
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const component = pending.shift() as string;
    if (component === '..') {
      resolved.pop(); // at the root, `..` stays at the root
      continue;
    }
    const candidate = join(root, ...resolved, component);
    const info = await lstat(candidate).catch(() => undefined);
    if (info?.isSymbolicLink()) {
      if (++links > MAX_LINKS) throw new Error(`too many levels of symbolic links in ${path}`);
      const target = await readlink(candidate);
      if (posix.isAbsolute(target)) resolved.length = 0;
      pending.unshift(...splitComponents(target));
      continue;
    }
    resolved.push(component);
  }
  return join(root, ...resolved);
}

function splitComponents(path: string): string[] {
  return path.split('/').filter((part) => part !== '' && part !== '.');
}
