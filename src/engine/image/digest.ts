// Digests and layer identities as the OCI image spec defines them. Invariant: only sha256 is accepted, and a
// digest is always `sha256:` + 64 lowercase hex characters.

import { createHash } from 'node:crypto';
import { BerthError } from '../../shared/errors.js';

export type Digest = `sha256:${string}`;

const DIGEST = /^sha256:[0-9a-f]{64}$/;

export function isDigest(value: unknown): value is Digest {
  return typeof value === 'string' && DIGEST.test(value);
}

/** The digest, checked; anything else (another algorithm, bad hex) is InvalidArgument. */
export function parseDigest(value: unknown, what = 'digest'): Digest {
  if (isDigest(value)) return value;
  throw new BerthError(
    'InvalidArgument',
    `invalid ${what}: ${JSON.stringify(value)} (expected sha256:<64 hex>)`,
  );
}

export function sha256Of(data: string | Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** ChainID(L0) = DiffID(L0); ChainID(L0..n) = sha256(ChainID(L0..n-1) + " " + DiffID(Ln)). */
export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const diffId of diffIds) {
    const parent = out[out.length - 1];
    out.push(parent === undefined ? diffId : sha256Of(`${parent} ${diffId}`));
  }
  return out;
}
