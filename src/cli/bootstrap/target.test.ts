import { describe, expect, it } from 'vitest';
import { resolveTarget } from './target.js';

describe('resolveTarget', () => {
  it('maps official names to suites, minbase and the official tag', () => {
    const target = resolveTarget({ image: 'debian:bookworm' });
    expect(target).toMatchObject({
      distribution: 'debian',
      suite: 'bookworm',
      variant: 'minbase',
      slim: false,
      mirror: 'http://deb.debian.org/debian',
      components: ['main'],
      include: [],
      tag: 'docker.io/library/debian:bookworm',
    });
    expect(target.keyring.packageName).toBe('debian-archive-keyring');
  });

  it('knows slim tags, version numbers and latest', () => {
    expect(resolveTarget({ image: 'debian:12-slim' })).toMatchObject({
      suite: 'bookworm',
      slim: true,
      tag: 'docker.io/library/debian:12-slim',
    });
    expect(resolveTarget({ image: 'docker.io/library/debian' }).suite).toBe('stable');
    expect(resolveTarget({ image: 'debian:trixie' }).suite).toBe('trixie');
    expect(resolveTarget({ image: 'ubuntu:24.04' })).toMatchObject({
      distribution: 'ubuntu',
      suite: 'noble',
      mirror: 'http://archive.ubuntu.com/ubuntu',
      keyring: { packageName: 'ubuntu-keyring' },
    });
  });

  it('takes the variant, mirror, packages and tag from the options', () => {
    const target = resolveTarget({
      image: 'debian:bookworm',
      variant: 'apt',
      mirror: 'http://127.0.0.1:8000/debian/',
      include: ['curl,ca-certificates', 'git'],
      tag: 'base:1',
    });
    expect(target).toMatchObject({
      variant: 'apt',
      mirror: 'http://127.0.0.1:8000/debian',
      include: ['curl', 'ca-certificates', 'git'],
      tag: 'base:1',
    });
  });

  it('refuses other images and bad options', () => {
    expect(() => resolveTarget({ image: 'alpine:3' })).toThrow(/only Debian and Ubuntu/);
    expect(() => resolveTarget({ image: 'someone/debian:bookworm' })).toThrow(/only Debian and Ubuntu/);
    expect(() => resolveTarget({ image: 'ubuntu:noble-slim' })).toThrow(/no slim/);
    expect(() => resolveTarget({ image: 'debian:bookworm', variant: 'tiny' })).toThrow(/unknown variant/);
    expect(() => resolveTarget({ image: 'debian:bookworm', mirror: 'ftp://x' })).toThrow(/--mirror/);
    expect(() => resolveTarget({ image: 'debian:bookworm', include: ['a;b'] })).toThrow(/package name/);
  });
});
