import { describe, expect, it } from 'vitest';
import {
  familiarString,
  parseReference,
  parseReferenceWithDefaultTag,
  referenceString,
} from './reference.js';

const digest = `sha256:${'a'.repeat(64)}`;

describe('parseReference', () => {
  it.each([
    ['busybox', 'docker.io/library/busybox'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36'],
    ['user/app', 'docker.io/user/app'],
    ['index.docker.io/library/redis:7', 'docker.io/library/redis:7'],
    ['localhost/app', 'localhost/app'],
    ['localhost:5000/a/b:v1', 'localhost:5000/a/b:v1'],
    ['ghcr.io/org/img', 'ghcr.io/org/img'],
    [`busybox@${digest}`, `docker.io/library/busybox@${digest}`],
    [`r.example:443/x:t@${digest}`, `r.example:443/x:t@${digest}`],
    ['a__b/c-d.e--f', 'docker.io/a__b/c-d.e--f'],
  ])('%s → %s', (input, expected) => {
    expect(referenceString(parseReference(input))).toBe(expected);
  });

  it('adds latest only when there is neither tag nor digest', () => {
    expect(referenceString(parseReferenceWithDefaultTag('busybox'))).toBe('docker.io/library/busybox:latest');
    expect(referenceString(parseReferenceWithDefaultTag(`busybox@${digest}`))).toBe(
      `docker.io/library/busybox@${digest}`,
    );
  });

  it.each([
    ['', 'empty'],
    ['Busybox', 'repository name must be lowercase'],
    ['a'.repeat(64).replace(/a/g, 'f'), 'image ID'],
    ['busybox:', 'bad tag'],
    ['busybox@sha256:123', 'bad digest'],
    ['a//b', 'bad repository name'],
    ['-a', 'bad repository name'],
  ])('rejects %j (%s)', (input, why) => {
    expect(() => parseReference(input)).toThrow(why);
  });

  it('gives the familiar form back', () => {
    expect(familiarString('docker.io/library/busybox:latest')).toBe('busybox:latest');
    expect(familiarString('docker.io/user/app:1')).toBe('user/app:1');
    expect(familiarString('docker.io/library/a/b:1')).toBe('library/a/b:1');
    expect(familiarString('localhost:5000/app:1')).toBe('localhost:5000/app:1');
  });
});
