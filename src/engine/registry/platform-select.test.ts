import { describe, expect, it } from 'vitest';
import type { Descriptor } from '../image/image-store.js';
import { parsePlatform, selectManifest } from './platform-select.js';

const entry = (
  n: string,
  platform: Descriptor['platform'],
  annotations?: Record<string, string>,
): Descriptor => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${n.repeat(64)}`,
  size: 1,
  platform,
  ...(annotations ? { annotations } : {}),
});

const index = [
  entry('1', { os: 'linux', architecture: 'arm', variant: 'v6' }),
  entry('2', { os: 'linux', architecture: 'arm', variant: 'v7' }),
  entry('3', { os: 'linux', architecture: 'arm64' }),
  entry('4', { os: 'linux', architecture: 'amd64' }),
  entry(
    '5',
    { os: 'unknown', architecture: 'unknown' },
    { 'vnd.docker.reference.type': 'attestation-manifest' },
  ),
];

describe('selectManifest', () => {
  it('picks os/arch, honours variants and their defaults', () => {
    expect(selectManifest(index, { os: 'linux', architecture: 'amd64' }, 'x').digest).toMatch(/^sha256:4/);
    expect(selectManifest(index, { os: 'linux', architecture: 'arm' }, 'x').digest).toMatch(/^sha256:2/);
    expect(selectManifest(index, parsePlatform('linux/arm/v6'), 'x').digest).toMatch(/^sha256:1/);
    expect(selectManifest(index, parsePlatform('linux/arm64/v8'), 'x').digest).toMatch(/^sha256:3/);
  });

  it('never picks attestations and names what is offered when nothing fits', () => {
    expect(() => selectManifest(index, parsePlatform('linux/s390x'), 'app')).toThrow(
      /no matching manifest for linux\/s390x .*offered: linux\/arm\/v6, linux\/arm\/v7, linux\/arm64, linux\/amd64\)/,
    );
  });
});

describe('parsePlatform', () => {
  it('accepts os/arch[/variant] and rejects the rest', () => {
    expect(parsePlatform('linux/amd64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(parsePlatform('linux/x86_64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(parsePlatform('linux/arm/v7')).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' });
    expect(() => parsePlatform('linux')).toThrow(/invalid platform/);
  });
});
