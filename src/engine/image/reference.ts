// Image references normalised the way Docker does: `busybox` → `docker.io/library/busybox:latest`, and back to
// the familiar form for display. Kept small on purpose: the registry client extends it (domains → endpoints).
// Invariant: a Reference's `name` is always fully qualified (domain/path), lowercase path, at most 255 chars.

import { BerthError } from '../../shared/errors.js';
import { isDigest, type Digest } from './digest.js';

export const DEFAULT_DOMAIN = 'docker.io';
export const DEFAULT_TAG = 'latest';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const HEX64 = /^[a-f0-9]{64}$/;

export interface Reference {
  /** Fully qualified repository name: `docker.io/library/busybox`, `localhost:5000/app`. */
  readonly name: string;
  readonly domain: string;
  /** The repository path within the domain: `library/busybox`. */
  readonly path: string;
  readonly tag: string | undefined;
  readonly digest: Digest | undefined;
}

/** Parses and normalises a reference; InvalidArgument for anything Docker would reject. */
export function parseReference(input: string): Reference {
  const fail = (why: string): never => {
    throw new BerthError('InvalidArgument', `invalid reference format: ${JSON.stringify(input)}: ${why}`);
  };
  if (input === '') fail('empty');
  if (HEX64.test(input)) fail('a 64-character hexadecimal string is an image ID, not a repository name');

  let rest = input;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    const candidate = rest.slice(at + 1);
    if (!isDigest(candidate)) fail('bad digest');
    digest = candidate as Digest;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    if (!TAG.test(tag)) fail('bad tag');
    rest = rest.slice(0, lastColon);
  }

  let domain = DEFAULT_DOMAIN;
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash !== -1) {
    const first = rest.slice(0, slash);
    if (
      first.includes('.') ||
      first.includes(':') ||
      first === 'localhost' ||
      first !== first.toLowerCase()
    ) {
      domain = first;
      path = rest.slice(slash + 1);
      if (!DOMAIN.test(domain)) fail('bad domain');
    }
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = OFFICIAL_PREFIX + path;
  if (path === '' || !path.split('/').every((part) => PATH_COMPONENT.test(part))) {
    fail(path !== path.toLowerCase() ? 'repository name must be lowercase' : 'bad repository name');
  }
  const name = `${domain}/${path}`;
  if (name.length > 255) fail('repository name longer than 255 characters');
  return { name, domain, path, tag, digest };
}

/** Like parseReference, with `:latest` added when the reference has neither tag nor digest. */
export function parseReferenceWithDefaultTag(input: string): Reference {
  const ref = parseReference(input);
  return ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: DEFAULT_TAG } : ref;
}

/** The canonical string: `docker.io/library/busybox:latest`, `name@sha256:…`, `name:tag@sha256:…`. */
export function referenceString(ref: Reference): string {
  return (
    ref.name +
    (ref.tag === undefined ? '' : `:${ref.tag}`) +
    (ref.digest === undefined ? '' : `@${ref.digest}`)
  );
}

/** The short name users type: `busybox`, `user/app`, `localhost:5000/app`. */
export function familiarName(name: string): string {
  if (name.startsWith(`${DEFAULT_DOMAIN}/`)) {
    const path = name.slice(DEFAULT_DOMAIN.length + 1);
    return path.startsWith(OFFICIAL_PREFIX) && !path.slice(OFFICIAL_PREFIX.length).includes('/')
      ? path.slice(OFFICIAL_PREFIX.length)
      : path;
  }
  return name;
}

/** The familiar form of a full reference string: `docker.io/library/busybox:latest` → `busybox:latest`. */
export function familiarString(ref: Reference | string): string {
  const parsed = typeof ref === 'string' ? parseReference(ref) : ref;
  return referenceString({ ...parsed, name: familiarName(parsed.name) });
}

/** True when the input parses as a reference (for callers that try a name before an ID prefix). */
export function isReference(input: string): boolean {
  try {
    parseReference(input);
    return true;
  } catch {
    return false;
  }
}
