// Where things live under an engine's state root, in one place, because image/ (which unpacks layers) and
// snapshot/ (which mounts them) must agree without importing each other. Invariant: every path is derived
// from the root passed in; nothing here is hard-coded to a host location.

import { createHash } from 'node:crypto';
import { join } from 'node:path';

/** Hex part of a `sha256:<hex>` digest (or the string itself when it has no algorithm). */
export function digestHex(digest: string): string {
  const colon = digest.indexOf(':');
  return colon === -1 ? digest : digest.slice(colon + 1);
}

export const layout = {
  blobsDir: (root: string) => join(root, 'blobs', 'sha256'),
  layersDir: (root: string) => join(root, 'layers'),
  /** A layer unpacked once, keyed by its chain ID: <root>/layers/<hex>/diff holds its files. */
  layerDir: (root: string, chainId: string) => join(root, 'layers', digestHex(chainId)),
  layerDiff: (root: string, chainId: string) => join(root, 'layers', digestHex(chainId), 'diff'),
  /** Short symlinks to layer diffs, so many lowers fit in one page of overlay mount options. */
  linksDir: (root: string) => join(root, 'l'),
  containersRwDir: (root: string) => join(root, 'containers-rw'),
  imagesDir: (root: string) => join(root, 'images'),
  refsDir: (root: string) => join(root, 'refs'),
  tmpDir: (root: string) => join(root, 'tmp'),
};

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * The short link name of a layer: 26 base32 characters derived from its chain ID. Deterministic, so there is no
 * link file to keep in step; 130 bits make collisions practically impossible.
 */
export function shortLinkName(chainId: string): string {
  const bytes = createHash('sha256').update(digestHex(chainId)).digest();
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 26) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
    if (out.length === 26) break;
  }
  return out;
}
