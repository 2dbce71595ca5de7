// Cache keys of build steps. A step's key hashes its parent's key with everything that decides its result: the
// instruction after variable expansion, the build arguments a RUN sees, and the digest of the files a COPY or
// ADD reads. Invariant: keys never include times (mtimes, clocks), so an unchanged step has an unchanged key.

import { createHash } from 'node:crypto';

export function stepKey(parent: string, ...parts: unknown[]): string {
  const hash = createHash('sha256').update(parent);
  for (const part of parts) hash.update('\0').update(typeof part === 'string' ? part : canonicalJson(part));
  return hash.digest('hex');
}

/** JSON with object keys sorted, so equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
