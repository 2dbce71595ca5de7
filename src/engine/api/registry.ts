// Wire shapes of registry operations: the X-Registry-Auth header (base64url JSON, as the docker CLI sends it
// on pull and push), the body and answer of POST /auth, and the human form of a progress line.

import type { ProgressMessage } from './images.js';

/** The key Docker's config.json uses for Docker Hub credentials. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';
const HUB_DOMAIN = 'docker.io';

/** Decoded X-Registry-Auth / POST /auth body. */
export interface AuthConfig {
  username?: string;
  password?: string;
  /** An email, ignored (Docker keeps it for compatibility). */
  email?: string;
  serveraddress?: string;
  identitytoken?: string;
  registrytoken?: string;
}

/** The answer of POST /auth. */
export interface AuthResponse {
  Status: string;
  IdentityToken?: string;
}

/** X-Registry-Auth value for credentials: base64url of their JSON, as Docker encodes it. */
export function encodeRegistryAuth(auth: AuthConfig): string {
  return Buffer.from(JSON.stringify(auth)).toString('base64url');
}

/** Decodes X-Registry-Auth (base64url or base64); undefined for an absent or empty header. */
export function decodeRegistryAuth(header: string | undefined): AuthConfig | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(header.trim(), 'base64url').toString('utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as AuthConfig) : undefined;
  } catch {
    return undefined;
  }
}

/** Docker's text progress bar: `[=====>      ]  1.2MB/3.4MB`. */
export function progressBar(current: number, total: number): string {
  const width = 50;
  const done = total > 0 ? Math.min(width, Math.floor((current / total) * width)) : 0;
  const bar = '='.repeat(Math.max(0, done - 1)) + (done > 0 ? (done === width ? '=' : '>') : '');
  return `[${bar.padEnd(width, ' ')}] ${bytes(current)}/${bytes(total)}`;
}

function bytes(n: number): string {
  if (n < 1000) return `${n}B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 'B';
  for (const u of units) {
    if (value < 1000) break;
    value /= 1000;
    unit = u;
  }
  return `${value.toFixed(value < 10 ? 3 : value < 100 ? 2 : 1)}${unit}`;
}

/** A progress line as the CLI prints it plainly: `abc123def456: Downloading [==>   ] 1MB/2MB`. */
export function progressLine(message: ProgressMessage): string {
  const prefix = message.id === undefined || message.id === '' ? '' : `${message.id}: `;
  const tail = message.progress === undefined || message.progress === '' ? '' : ` ${message.progress}`;
  return `${prefix}${message.status ?? ''}${tail}`;
}

/** The config.json key of a registry: Docker Hub's legacy URL, or the bare `host[:port]`. */
export function authKeyOf(serverOrDomain: string): string {
  const domain = registryDomainOf(serverOrDomain);
  return domain === HUB_DOMAIN ? DOCKER_HUB_AUTH_KEY : domain;
}

/**
 * The registry domain a user or a config.json key names: `https://index.docker.io/v1/` → `docker.io`,
 * `http://127.0.0.1:5000/` → `127.0.0.1:5000`, `ghcr.io` → `ghcr.io`; empty means Docker Hub.
 */
export function registryDomainOf(server: string): string {
  let host = server.trim();
  if (host === '') return HUB_DOMAIN;
  host = host.replace(/^[a-z]+:\/\//i, '');
  host = host.split('/')[0] ?? host;
  const lower = host.toLowerCase();
  if (
    lower === 'docker.io' ||
    lower === 'index.docker.io' ||
    lower === 'registry-1.docker.io' ||
    lower === 'registry.hub.docker.com'
  ) {
    return HUB_DOMAIN;
  }
  return host;
}

/** The registry domain of an image name, by Docker's rule: a first component with `.` or `:`, or `localhost`. */
export function registryDomainOfImage(name: string): string {
  const slash = name.indexOf('/');
  if (slash === -1) return HUB_DOMAIN;
  const first = name.slice(0, slash);
  const isDomain =
    first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase();
  return isDomain ? registryDomainOf(first) : HUB_DOMAIN;
}
