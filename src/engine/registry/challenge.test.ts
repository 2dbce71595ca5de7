import { describe, expect, it } from 'vitest';
import { parseChallenges } from './challenge.js';

describe('parseChallenges', () => {
  it('reads a bearer challenge with quoted parameters', () => {
    expect(
      parseChallenges(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:library/alpine:pull',
        },
      },
    ]);
  });

  it('reads a basic challenge, unquoted values and several challenges in one header', () => {
    expect(parseChallenges('Basic realm="Registry Realm", Bearer realm=http://x/t,service=s')).toEqual([
      { scheme: 'basic', params: { realm: 'Registry Realm' } },
      { scheme: 'bearer', params: { realm: 'http://x/t', service: 's' } },
    ]);
  });

  it('keeps commas inside quoted scopes and answers [] for no header', () => {
    expect(parseChallenges('Bearer scope="repository:a:pull,push"')[0]?.params.scope).toBe(
      'repository:a:pull,push',
    );
    expect(parseChallenges(undefined)).toEqual([]);
  });
});
