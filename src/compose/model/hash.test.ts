import { describe, expect, it } from 'vitest';
import { serviceConfigHash, stableJson } from './hash.js';
import type { Service } from './types.js';

const base: Service = {
  name: 'web',
  image: 'nginx:1.27',
  environment: { A: '1', B: '2' },
  ports: [{ mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' }],
  networks: { default: null },
  deploy: { replicas: 1, resources: { limits: { memory: 1024 } } },
};

describe('serviceConfigHash', () => {
  it('is a sha256 hex digest, stable across runs', () => {
    const hash = serviceConfigHash(base);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(serviceConfigHash({ ...base })).toBe(hash);
  });

  it('does not depend on key order', () => {
    const shuffled: Service = {
      deploy: { resources: { limits: { memory: 1024 } }, replicas: 1 },
      networks: { default: null },
      ports: [{ protocol: 'tcp', published: '8080', target: 80, mode: 'ingress' }],
      environment: { B: '2', A: '1' },
      image: 'nginx:1.27',
      name: 'web',
    };
    expect(serviceConfigHash(shuffled)).toBe(serviceConfigHash(base));
  });

  it('changes when the container would change', () => {
    const hash = serviceConfigHash(base);
    expect(serviceConfigHash({ ...base, environment: { A: '1', B: '3' } })).not.toBe(hash);
    expect(serviceConfigHash({ ...base, image: 'nginx:1.28' })).not.toBe(hash);
    expect(
      serviceConfigHash({
        ...base,
        ports: [{ mode: 'ingress', target: 80, published: '8081', protocol: 'tcp' }],
      }),
    ).not.toBe(hash);
    expect(
      serviceConfigHash({ ...base, develop: { watch: [{ path: '/src', action: 'rebuild' }] } }),
    ).not.toBe(hash);
    expect(
      serviceConfigHash({ ...base, deploy: { replicas: 1, resources: { limits: { memory: 2048 } } } }),
    ).not.toBe(hash);
  });

  it('ignores what Docker Compose ignores', () => {
    const hash = serviceConfigHash(base);
    expect(serviceConfigHash({ ...base, scale: 3 })).toBe(hash);
    expect(
      serviceConfigHash({ ...base, deploy: { replicas: 5, resources: { limits: { memory: 1024 } } } }),
    ).toBe(hash);
    expect(serviceConfigHash({ ...base, build: { context: '/app', dockerfile: 'Dockerfile' } })).toBe(hash);
    expect(serviceConfigHash({ ...base, pull_policy: 'always' })).toBe(hash);
    expect(
      serviceConfigHash({ ...base, depends_on: { db: { condition: 'service_started', required: true } } }),
    ).toBe(hash);
    expect(serviceConfigHash({ ...base, profiles: ['debug'] })).toBe(hash);
    expect(serviceConfigHash({ ...base, extensions: { 'x-note': 1 } })).toBe(hash);
    expect(serviceConfigHash({ ...base, env_file: [{ path: '/app/.env', required: true }] })).toBe(hash);
  });
});

describe('stableJson', () => {
  it('sorts keys at every level and drops undefined members', () => {
    expect(stableJson({ b: [{ d: 1, c: 2 }], a: undefined, e: null })).toBe('{"b":[{"c":2,"d":1}],"e":null}');
  });
});
