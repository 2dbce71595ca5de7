// Finds a static, reaping init on the host for `init: true` (Docker ships docker-init, i.e. tini).
// Invariant: only statically linked candidates are listed, since the binary runs inside any image.
import { access, constants } from 'node:fs/promises';

/** Debian's tini (package `tini`: /usr/bin/tini-static) first, then catatonit (package `catatonit`). */
export const INIT_CANDIDATES: readonly string[] = [
  '/usr/bin/tini-static',
  '/usr/libexec/podman/catatonit',
  '/usr/bin/catatonit',
];

/** The first executable candidate, or undefined when none is installed. */
export async function findInitBinary(
  candidates: readonly string[] = INIT_CANDIDATES,
): Promise<string | undefined> {
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not installed here; try the next
    }
  }
  return undefined;
}
