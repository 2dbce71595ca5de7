// Resolves a mount's `subpath` inside a volume, refusing anything that would leave it (`..`, absolute paths,
// symlinks pointing out). Invariant: the returned path's real location is the volume root or below it.

import { realpath } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { BerthError } from '../../shared/errors.js';
import { isErrno } from '../store/atomic-json.js';

export async function resolveSubpathIn(root: string, volume: string, subpath: string): Promise<string> {
  const fail = (detail: string): BerthError =>
    new BerthError('InvalidArgument', `subpath ${JSON.stringify(subpath)} of volume ${volume}: ${detail}`);
  if (subpath === '' || subpath.startsWith('/')) throw fail('must be a relative path');
  if (subpath.split('/').includes('..')) throw fail('must not contain ".."');
  const realRoot = await realpath(root);
  let resolved: string;
  try {
    resolved = await realpath(join(realRoot, subpath));
  } catch (error) {
    if (isErrno(error, 'ENOENT')) throw fail('does not exist in the volume');
    throw error;
  }
  const rel = relative(realRoot, resolved);
  if (rel === '..' || rel.startsWith(`..${sep}`) || rel.startsWith(sep)) {
    throw fail('resolves outside the volume');
  }
  return resolved;
}
