// What `berth image bootstrap NAME` makes: the distribution, the suite handed to mmdebstrap, the variant, the
// mirror and the name the result is tagged with. Pure, so every name → plan rule is a unit test. The official
// images are minbase systems (Essential plus apt); `-slim` tags also leave out documentation, man pages and
// translations, as the official slim images do.

import { BerthError } from '../../shared/errors.js';

export type Distribution = 'debian' | 'ubuntu';

export interface BootstrapRequest {
  /** `debian:bookworm`, `debian:bookworm-slim`, `debian:12`, `ubuntu:noble`, `ubuntu:24.04`... */
  image: string;
  /** mmdebstrap's variant (minbase, apt, essential, required, important, standard, debootstrap, buildd). */
  variant?: string;
  mirror?: string;
  include?: readonly string[];
  /** Name of the result; default: the official name (`docker.io/library/debian:bookworm`). */
  tag?: string;
}

export interface BootstrapTarget {
  distribution: Distribution;
  /** The suite name as mmdebstrap and the mirror know it (`bookworm`, `stable`, `noble`). */
  suite: string;
  variant: string;
  slim: boolean;
  mirror: string;
  components: string[];
  include: string[];
  /** Where mmdebstrap finds the archive's signing keys, and the package that ships them. */
  keyring: { path: string; packageName: string };
  /** The name the image gets. */
  tag: string;
}

export const VARIANTS = [
  'extract',
  'custom',
  'essential',
  'apt',
  'required',
  'minbase',
  'buildd',
  'important',
  'debootstrap',
  'standard',
] as const;

const DEFAULTS: Record<
  Distribution,
  { mirror: string; components: string[]; keyring: BootstrapTarget['keyring'] }
> = {
  debian: {
    mirror: 'http://deb.debian.org/debian',
    components: ['main'],
    keyring: {
      path: '/usr/share/keyrings/debian-archive-keyring.gpg',
      packageName: 'debian-archive-keyring',
    },
  },
  ubuntu: {
    mirror: 'http://archive.ubuntu.com/ubuntu',
    components: ['main'],
    keyring: { path: '/usr/share/keyrings/ubuntu-archive-keyring.gpg', packageName: 'ubuntu-keyring' },
  },
};

/** Version numbers and `latest` as the official images name them, mapped to the suite they stand for. */
const ALIASES: Record<Distribution, Record<string, string>> = {
  debian: { latest: 'stable', '11': 'bullseye', '12': 'bookworm', '13': 'trixie', '14': 'forky' },
  ubuntu: { latest: 'noble', '20.04': 'focal', '22.04': 'jammy', '24.04': 'noble' },
};

/**
 * Resolves a request into what to build.
 *
 *   resolveTarget({ image: 'debian:12-slim' }) → { suite: 'bookworm', slim: true, variant: 'minbase',
 *     tag: 'docker.io/library/debian:12-slim', ... }
 */
export function resolveTarget(request: BootstrapRequest): BootstrapTarget {
  const match =
    /^(?:(?:docker\.io|index\.docker\.io)\/)?(?:library\/)?(debian|ubuntu)(?::([a-z0-9][a-z0-9.-]*))?$/.exec(
      request.image,
    );
  if (match === null) {
    throw new BerthError(
      'InvalidArgument',
      `cannot bootstrap ${request.image}: only Debian and Ubuntu images can be made (debian:SUITE, ubuntu:SUITE)`,
    );
  }
  const distribution = match[1] as Distribution;
  const tagName = match[2] ?? 'latest';
  const slim = tagName.endsWith('-slim');
  const base = slim ? tagName.slice(0, -'-slim'.length) : tagName;
  if (slim && distribution === 'ubuntu')
    throw new BerthError('InvalidArgument', `ubuntu has no slim images: ${request.image}`);
  if (!/^[a-z0-9][a-z0-9.]*$/.test(base))
    throw new BerthError('InvalidArgument', `not a suite name: ${base} (in ${request.image})`);
  const variant = request.variant ?? 'minbase';
  if (!(VARIANTS as readonly string[]).includes(variant))
    throw new BerthError('Usage', `unknown variant ${variant} (one of ${VARIANTS.join(', ')})`);
  const defaults = DEFAULTS[distribution];
  const mirror = (request.mirror ?? defaults.mirror).replace(/\/+$/, '');
  if (!/^(https?|file):\/\//.test(mirror))
    throw new BerthError('InvalidArgument', `--mirror must be an http(s):// or file:// URL: ${mirror}`);
  const include = (request.include ?? [])
    .flatMap((item) => item.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
  for (const item of include)
    if (!/^[a-z0-9][a-z0-9+.-]*$/.test(item))
      throw new BerthError('InvalidArgument', `not a package name: ${item}`);
  return {
    distribution,
    suite: ALIASES[distribution][base] ?? base,
    variant,
    slim,
    mirror,
    components: defaults.components,
    include,
    keyring: defaults.keyring,
    tag: request.tag ?? `docker.io/library/${distribution}:${tagName}`,
  };
}
