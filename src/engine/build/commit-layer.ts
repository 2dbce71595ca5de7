// A build step's changes become a layer: the step ran on an overlay whose upper dir holds exactly what it
// changed; that dir is written as a layer blob (for manifests and pushes) and then moved into the layer store
// as the layer's files (no second unpack). Mount points the runtime had to create (an image without
// /etc/hosts, /proc, ...) are not the step's doing and are dropped first, as Docker's init layer keeps them out.
// Invariant: a step that changed nothing gives no layer.

import { lstat, readdir, rmdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { diffToLayer } from '../image/diff.js';
import type { Digest } from '../image/digest.js';
import type { Descriptor, ImageStore } from '../image/image-store.js';

export interface NewLayer {
  chainId: Digest;
  diffId: Digest;
  /** The layer blob as a manifest lists it. */
  blob: Descriptor;
}

/** Paths the runtime mounts over in every container: their mount points are not part of a step's changes. */
export const RUNTIME_MOUNT_POINTS = [
  '/etc/hosts',
  '/etc/hostname',
  '/etc/resolv.conf',
  '/proc',
  '/sys',
  '/dev',
];

/**
 * Commits `upper` (the step's overlay upper dir, not mounted any more) as a layer over `parents` (chain IDs,
 * base first). `mountPoints` are container paths mounted during the step besides the runtime's own.
 */
export async function commitUpper(
  images: ImageStore,
  upper: string,
  parents: readonly Digest[],
  mountPoints: readonly string[] = [],
): Promise<NewLayer | undefined> {
  const lowers = [...parents].reverse().map((chainId) => images.layers.diffPath(chainId));
  for (const target of [...RUNTIME_MOUNT_POINTS, ...mountPoints]) await dropMountPoint(upper, lowers, target);
  if ((await readdir(upper)).length === 0) return undefined;
  const diff = await diffToLayer(upper, lowers, images.blobs);
  const parent = parents[parents.length - 1];
  const record = await images.layers.adopt(parent, diff.diffId, upper, diff.uncompressedSize);
  return {
    chainId: record.chainId,
    diffId: diff.diffId,
    blob: { mediaType: diff.mediaType, digest: diff.digest, size: diff.size },
  };
}

/** Removes `target` and the parents made for it from `upper` when they are empty and no lower layer has them. */
async function dropMountPoint(upper: string, lowers: readonly string[], target: string): Promise<void> {
  let rel = target.replace(/^\/+/, '').replace(/\/+$/, '');
  while (rel !== '' && rel !== '.') {
    const path = join(upper, rel);
    const info = await lstat(path).catch(() => undefined);
    if (info === undefined) return;
    if (await existsInAny(lowers, rel)) return;
    if (info.isDirectory()) {
      if ((await readdir(path)).length > 0) return;
      await rmdir(path);
    } else if (info.isFile() && info.size === 0) {
      await unlink(path);
    } else {
      return;
    }
    rel = dirname(rel);
  }
}

async function existsInAny(dirs: readonly string[], rel: string): Promise<boolean> {
  for (const dir of dirs) {
    if ((await lstat(join(dir, rel)).catch(() => undefined)) !== undefined) return true;
  }
  return false;
}
