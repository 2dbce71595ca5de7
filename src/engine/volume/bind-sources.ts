// Makes sure the host side of each bind exists before a container starts: the short syntax creates a missing
// source as a directory (as Docker does); the long syntax fails naming it unless CreateMountpoint was asked.
// Invariant: nothing is created for a spec whose createHostPath is false.

import { mkdir, stat } from 'node:fs/promises';
import { BerthError } from '../../shared/errors.js';
import { isErrno } from '../store/atomic-json.js';
import type { MountSpec } from './mount-spec.js';

export async function prepareBindSources(specs: readonly MountSpec[]): Promise<void> {
  for (const spec of specs) {
    if (spec.kind !== 'bind') continue;
    try {
      await stat(spec.source);
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) throw error;
      if (!spec.createHostPath) {
        throw new BerthError(
          'InvalidArgument',
          `invalid mount config for type "bind": bind source path does not exist: ${spec.source}`,
        );
      }
      await mkdir(spec.source, { recursive: true, mode: 0o755 });
    }
  }
}
