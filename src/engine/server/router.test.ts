import { describe, expect, it } from 'vitest';
import { Router } from './router.js';

const noop = () => undefined;

describe('Router', () => {
  const router = new Router()
    .get('/containers/json', noop)
    .get('/containers/{id}/json', noop)
    .post('/containers/{id}/start', noop)
    .delete('/containers/{id}', noop)
    .get('/images/{name*}/json', noop)
    .head('/_ping', noop)
    .get('/_ping', noop);

  it('matches literal and parameterised paths, decoding parameters', () => {
    expect(router.match('GET', '/containers/json')).toMatchObject({
      kind: 'found',
      params: {},
      pattern: '/containers/json',
    });
    expect(router.match('GET', '/containers/web%201/json')).toMatchObject({
      kind: 'found',
      params: { id: 'web 1' },
    });
    expect(router.match('DELETE', '/containers/abc')).toMatchObject({ kind: 'found', params: { id: 'abc' } });
    expect(router.match('GET', '/containers/json/')).toMatchObject({
      kind: 'found',
      pattern: '/containers/json',
    });
  });

  it('lets a rest parameter span slashes', () => {
    expect(router.match('GET', '/images/docker.io/library/alpine:3.20/json')).toMatchObject({
      kind: 'found',
      params: { name: 'docker.io/library/alpine:3.20' },
    });
  });

  it('tells unknown paths from wrong methods, and serves HEAD from GET', () => {
    expect(router.match('GET', '/nope')).toEqual({ kind: 'not-found' });
    expect(router.match('PUT', '/containers/abc/start')).toEqual({
      kind: 'method-not-allowed',
      allowed: ['POST'],
    });
    expect(router.match('HEAD', '/containers/abc/json')).toMatchObject({
      kind: 'found',
      pattern: '/containers/{id}/json',
    });
    expect(router.match('HEAD', '/_ping')).toMatchObject({ kind: 'found', pattern: '/_ping' });
  });
});
