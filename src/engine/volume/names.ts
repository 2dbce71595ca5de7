// Volume names: the rule Docker applies to user-chosen names, and the 64-hex names given to anonymous volumes.
// Invariant: a name that passes validateVolumeName is a single safe path component (no `/`, never `.` or `..`).

import { randomBytes } from 'node:crypto';
import { BerthError } from '../../shared/errors.js';

/** Docker's rule for volume names: at least two characters, starting with a letter or digit. */
export const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** The label Docker (>= 23) puts on anonymous volumes; prune without `all` removes only these. */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

export function isValidVolumeName(name: string): boolean {
  return VOLUME_NAME.test(name) && name.length <= 255;
}

/** Throws InvalidArgument with Docker's wording when the name is not allowed. */
export function validateVolumeName(name: string): void {
  if (!isValidVolumeName(name)) {
    throw new BerthError(
      'InvalidArgument',
      `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    );
  }
}

/** A fresh name for an anonymous volume: 64 lowercase hex characters, like a Docker ID. */
export function generateVolumeName(random: (bytes: number) => Buffer = randomBytes): string {
  return random(32).toString('hex');
}
