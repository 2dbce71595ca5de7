// API versions the engine speaks. We advertise 1.44 and accept 1.24-1.44, as Podman's Docker-compatible API
// does: the docker CLI negotiates down to the advertised version, docker-py and compose v1 use /version's.
// Invariant: versions are compared numerically per component ("1.9" < "1.10"), never as strings.

import { BerthError } from '../../shared/errors.js';

export const API_VERSION = '1.44';
export const MIN_API_VERSION = '1.24';

/** The version prefix of a request path: `/v1.41/containers/json` → { version: '1.41', rest: '/containers/json' }. */
export function splitVersionPrefix(pathname: string): { version: string | undefined; rest: string } {
  const match = /^\/v(\d+\.\d+)(\/.*)?$/.exec(pathname);
  if (!match) return { version: undefined, rest: pathname };
  return { version: match[1], rest: match[2] ?? '/' };
}

/** Negative when a < b, 0 when equal, positive when a > b. */
export function compareApiVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return aMajor !== bMajor ? aMajor - bMajor : aMinor - bMinor;
}

export function apiVersionAtLeast(version: string, minimum: string): boolean {
  return compareApiVersions(version, minimum) >= 0;
}

/** Throws InvalidArgument (HTTP 400) for a version outside what we serve, with Docker's wording. */
export function checkApiVersion(version: string): void {
  if (compareApiVersions(version, MIN_API_VERSION) < 0) {
    throw new BerthError(
      'InvalidArgument',
      `client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`,
    );
  }
  if (compareApiVersions(version, API_VERSION) > 0) {
    throw new BerthError(
      'InvalidArgument',
      `client version ${version} is too new. Maximum supported API version is ${API_VERSION}`,
    );
  }
}
