import { describe, expect, it } from 'vitest';
import { parseRunMount } from './run-mounts.js';

describe('parseRunMount', () => {
  it('reads a cache mount with its defaults and resolves a relative target against the workdir', () => {
    expect(parseRunMount('type=cache,target=.cache/pip', '/app')).toEqual({
      type: 'cache',
      target: '/app/.cache/pip',
      id: '/app/.cache/pip',
      source: '/',
      from: undefined,
      readonly: false,
      sharing: 'shared',
      mode: undefined,
      uid: undefined,
      gid: undefined,
    });
  });

  it('reads modes in octal and owners in decimal', () => {
    const mount = parseRunMount(
      'type=cache,id=apt,target=/var/cache/apt,mode=0700,uid=1000,gid=100,sharing=locked',
      '/',
    );
    expect(mount).toMatchObject({ id: 'apt', mode: 0o700, uid: 1000, gid: 100, sharing: 'locked' });
  });

  it('defaults bind mounts to read-only from the context root', () => {
    expect(parseRunMount('target=/src', '/')).toEqual({
      type: 'bind',
      target: '/src',
      source: '/',
      from: undefined,
      readwrite: false,
    });
    expect(parseRunMount('type=bind,source=lib,target=/lib2,from=builder,rw', '/')).toMatchObject({
      source: 'lib',
      from: 'builder',
      readwrite: true,
    });
  });

  it('gives secrets /run/secrets/<id> and mode 0400 by default', () => {
    expect(parseRunMount('type=secret,id=token', '/')).toEqual({
      type: 'secret',
      id: 'token',
      target: '/run/secrets/token',
      required: false,
      mode: 0o400,
      uid: 0,
      gid: 0,
    });
    expect(parseRunMount('type=secret,target=/root/.netrc,required', '/')).toMatchObject({
      id: '.netrc',
      required: true,
    });
  });

  it('refuses what it cannot do, naming the mount', () => {
    expect(() => parseRunMount('type=ssh', '/')).toThrow(
      /--mount=type=ssh: SSH agent forwarding is not supported/,
    );
    expect(() => parseRunMount('type=volume,target=/x', '/')).toThrow(/unknown mount type "volume"/);
    expect(() => parseRunMount('type=cache', '/')).toThrow(/a target is required/);
    expect(() => parseRunMount('type=cache,target=/x,sharing=maybe', '/')).toThrow(/sharing=maybe/);
    expect(() => parseRunMount('type=cache,target=/x,uid=-1', '/')).toThrow(/uid=-1 is not a valid number/);
  });
});
