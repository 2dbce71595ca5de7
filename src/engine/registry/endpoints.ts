// Where a repository's registry is reached: Docker Hub's API host (and its mirrors, tried first), the scheme
// (plain HTTP only for loopback hosts and registries configured as insecure), and the key credentials are
// stored under. Invariant: no endpoint is ever plain HTTP unless the host is loopback or listed as insecure.

import type { RegistrySettings } from '../config.js';
import { DEFAULT_DOMAIN } from '../image/reference.js';

export { authKeyOf, registryDomainOf } from '../api/registry.js';

/** Docker Hub's registry API host; `docker.io` is only the name users see. */
export const DOCKER_HUB_HOST = 'registry-1.docker.io';

export interface Endpoint {
  /** Base URL without a trailing slash: `https://registry-1.docker.io`, `http://127.0.0.1:5000`. */
  readonly base: string;
  /** True for a Docker Hub mirror: pulls only, and a failure falls back to the next endpoint. */
  readonly mirror: boolean;
}

/** The endpoints to try for a domain, in order: mirrors (Docker Hub pulls only), then the registry itself. */
export function endpointsFor(
  domain: string,
  settings: RegistrySettings,
  purpose: 'pull' | 'push' = 'pull',
): Endpoint[] {
  if (domain === DEFAULT_DOMAIN) {
    const mirrors =
      purpose === 'pull'
        ? settings.mirrors.map((base) => ({ base: base.replace(/\/+$/, ''), mirror: true }))
        : [];
    return [...mirrors, { base: `https://${DOCKER_HUB_HOST}`, mirror: false }];
  }
  const scheme = isInsecure(domain, settings) ? 'http' : 'https';
  return [{ base: `${scheme}://${domain}`, mirror: false }];
}

/** Loopback hosts (localhost, 127.0.0.0/8, ::1) and the configured `host[:port]`s speak plain HTTP. */
export function isInsecure(domain: string, settings: RegistrySettings): boolean {
  if (settings.insecure.includes(domain)) return true;
  const host = hostOf(domain);
  if (settings.insecure.includes(host)) return true;
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The host part of `host[:port]` or `[v6]:port`. */
export function hostOf(domain: string): string {
  if (domain.startsWith('[')) return domain.slice(1, domain.indexOf(']'));
  const colon = domain.lastIndexOf(':');
  return colon === -1 ? domain : domain.slice(0, colon);
}
