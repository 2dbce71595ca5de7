// Choosing an image manifest from an index (OCI image index or Docker manifest list) for a platform, as
// containerd's platform matcher does: os and architecture must match; a variant must match when both sides
// name one (arm64 without a variant counts as v8, arm as v7); attestation entries are never chosen.

import { BerthError } from '../../shared/errors.js';
import type { Descriptor } from '../image/image-store.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string | undefined;
}

/** `linux/amd64`, `linux/arm64/v8`, `linux/arm/v7` → Platform; InvalidArgument otherwise. */
export function parsePlatform(text: string): Platform {
  const parts = text.trim().toLowerCase().split('/');
  const [os, architecture, variant] = parts;
  if (parts.length < 2 || parts.length > 3 || !os || !architecture || (parts.length === 3 && !variant)) {
    throw new BerthError(
      'InvalidArgument',
      `invalid platform ${JSON.stringify(text)}: expected os/arch[/variant]`,
    );
  }
  const arch =
    ({ x86_64: 'amd64', x86: '386', aarch64: 'arm64' } as Record<string, string>)[architecture] ??
    architecture;
  return variant === undefined ? { os, architecture: arch } : { os, architecture: arch, variant };
}

export function platformString(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant]
    .filter((p) => p !== undefined && p !== '')
    .join('/');
}

const DEFAULT_VARIANT: Record<string, string> = { arm64: 'v8', arm: 'v7' };

/** The entry of `manifests` for `wanted`; NotFound naming the platforms offered when there is none. */
export function selectManifest(manifests: readonly Descriptor[], wanted: Platform, what: string): Descriptor {
  const candidates = manifests.filter(
    (m) =>
      m.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest' && m.platform?.os !== 'unknown',
  );
  const wantedVariant = wanted.variant ?? DEFAULT_VARIANT[wanted.architecture];
  const matches = candidates.filter((m) => {
    const p = m.platform;
    if (p === undefined || p.os !== wanted.os || p.architecture !== wanted.architecture) return false;
    const variant = p.variant ?? DEFAULT_VARIANT[p.architecture];
    return wantedVariant === undefined || variant === undefined || variant === wantedVariant;
  });
  // An exact variant match beats an entry that names none.
  const chosen = matches.find((m) => m.platform?.variant === wantedVariant) ?? matches[0];
  if (chosen === undefined) {
    const offered = candidates.map((m) => (m.platform ? platformString(m.platform) : 'unknown')).join(', ');
    throw new BerthError(
      'NotFound',
      `no matching manifest for ${platformString(wanted)} in the manifest list entries of ${what} (offered: ${offered || 'none'})`,
    );
  }
  return chosen;
}
