import { describe, expect, it } from 'vitest';
import {
  decodeRegistryAuth,
  encodeRegistryAuth,
  progressBar,
  progressLine,
  registryDomainOfImage,
} from './registry.js';

describe('X-Registry-Auth', () => {
  it('round-trips credentials and accepts plain base64 or nothing', () => {
    const auth = { username: 'u', password: 'p?>', serveraddress: '127.0.0.1:5000' };
    expect(decodeRegistryAuth(encodeRegistryAuth(auth))).toEqual(auth);
    expect(decodeRegistryAuth(Buffer.from('{"username":"a"}').toString('base64'))).toEqual({ username: 'a' });
    expect(decodeRegistryAuth('e30=')).toEqual({});
    expect(decodeRegistryAuth(undefined)).toBeUndefined();
  });
});

describe('progress text', () => {
  it('draws Docker-like bars and lines', () => {
    expect(progressBar(50, 100)).toBe(`[${'='.repeat(24)}>${' '.repeat(25)}] 50B/100B`);
    expect(progressBar(2_500_000, 2_500_000)).toContain('2.500MB/2.500MB');
    expect(progressLine({ id: 'abc', status: 'Pull complete' })).toBe('abc: Pull complete');
    expect(progressLine({ status: 'Digest: sha256:1' })).toBe('Digest: sha256:1');
  });
});

describe('registryDomainOfImage', () => {
  it('finds the registry of a name as Docker does', () => {
    expect(registryDomainOfImage('redis')).toBe('docker.io');
    expect(registryDomainOfImage('user/app:1')).toBe('docker.io');
    expect(registryDomainOfImage('127.0.0.1:5000/app')).toBe('127.0.0.1:5000');
    expect(registryDomainOfImage('localhost/app')).toBe('localhost');
    expect(registryDomainOfImage('ghcr.io/org/app@sha256:00')).toBe('ghcr.io');
    expect(registryDomainOfImage('index.docker.io/library/redis')).toBe('docker.io');
  });
});
