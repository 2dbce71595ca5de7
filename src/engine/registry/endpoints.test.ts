import { describe, expect, it } from 'vitest';
import { authKeyOf, endpointsFor, isInsecure, registryDomainOf } from './endpoints.js';

const none = { mirrors: [], insecure: [] };

describe('endpointsFor', () => {
  it('maps docker.io to its API host and tries mirrors first for pulls only', () => {
    const settings = { mirrors: ['https://mirror.example/'], insecure: [] };
    expect(endpointsFor('docker.io', settings)).toEqual([
      { base: 'https://mirror.example', mirror: true },
      { base: 'https://registry-1.docker.io', mirror: false },
    ]);
    expect(endpointsFor('docker.io', settings, 'push')).toEqual([
      { base: 'https://registry-1.docker.io', mirror: false },
    ]);
  });

  it('speaks plain HTTP to loopback and configured registries only', () => {
    expect(endpointsFor('127.0.0.1:5000', none)[0]?.base).toBe('http://127.0.0.1:5000');
    expect(endpointsFor('localhost:5000', none)[0]?.base).toBe('http://localhost:5000');
    expect(endpointsFor('[::1]:5000', none)[0]?.base).toBe('http://[::1]:5000');
    expect(endpointsFor('ghcr.io', none)[0]?.base).toBe('https://ghcr.io');
    expect(isInsecure('reg.lan:5000', { mirrors: [], insecure: ['reg.lan:5000'] })).toBe(true);
    expect(isInsecure('reg.lan:5000', none)).toBe(false);
  });
});

describe('registry names', () => {
  it('normalises login server names to domains and config.json keys', () => {
    expect(registryDomainOf('')).toBe('docker.io');
    expect(registryDomainOf('https://index.docker.io/v1/')).toBe('docker.io');
    expect(registryDomainOf('http://127.0.0.1:5000/')).toBe('127.0.0.1:5000');
    expect(authKeyOf('docker.io')).toBe('https://index.docker.io/v1/');
    expect(authKeyOf('ghcr.io')).toBe('ghcr.io');
  });
});
