import { describe, expect, it } from 'vitest';
import { isBerthError } from '../../shared/errors.js';
import { apiVersionAtLeast, checkApiVersion, compareApiVersions, splitVersionPrefix } from './version.js';

describe('API versions', () => {
  it('splits the version prefix off a path', () => {
    expect(splitVersionPrefix('/v1.41/containers/json')).toEqual({
      version: '1.41',
      rest: '/containers/json',
    });
    expect(splitVersionPrefix('/v1.44')).toEqual({ version: '1.44', rest: '/' });
    expect(splitVersionPrefix('/_ping')).toEqual({ version: undefined, rest: '/_ping' });
    expect(splitVersionPrefix('/volumes/v1.2')).toEqual({ version: undefined, rest: '/volumes/v1.2' });
  });

  it('compares per component, not as text', () => {
    expect(compareApiVersions('1.9', '1.10')).toBeLessThan(0);
    expect(compareApiVersions('1.44', '1.44')).toBe(0);
    expect(compareApiVersions('2.0', '1.99')).toBeGreaterThan(0);
    expect(apiVersionAtLeast('1.42', '1.42')).toBe(true);
    expect(apiVersionAtLeast('1.41', '1.42')).toBe(false);
  });

  it('accepts 1.24 to 1.44 and refuses the rest with Docker wording', () => {
    expect(() => checkApiVersion('1.24')).not.toThrow();
    expect(() => checkApiVersion('1.44')).not.toThrow();
    expect(() => checkApiVersion('1.23')).toThrow(
      'client version 1.23 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version',
    );
    expect(() => checkApiVersion('1.45')).toThrow(
      'client version 1.45 is too new. Maximum supported API version is 1.44',
    );
    try {
      checkApiVersion('1.99');
    } catch (error) {
      expect(isBerthError(error, 'InvalidArgument')).toBe(true);
    }
  });
});
