import { describe, expect, it } from 'vitest';
import { globToRegExp, matchesAnyReference } from './images.js';

describe('reference filter globs (Go path.Match)', () => {
  it('keeps * and ? within one path segment', () => {
    expect(globToRegExp('bb*').test('bb:one')).toBe(true);
    expect(globToRegExp('*').test('team/bb')).toBe(false);
    expect(globToRegExp('*/*').test('team/bb')).toBe(true);
    expect(globToRegExp('b?').test('bb')).toBe(true);
    expect(globToRegExp('b?').test('b/')).toBe(false);
  });
  it('supports classes, negation and escapes', () => {
    expect(globToRegExp('[ab]b').test('bb')).toBe(true);
    expect(globToRegExp('[^a]b').test('bb')).toBe(true);
    expect(globToRegExp('[^b]b').test('bb')).toBe(false);
    expect(globToRegExp('a\\*').test('a*')).toBe(true);
    expect(globToRegExp('a\\*').test('ab')).toBe(false);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
    expect(() => globToRegExp('[ab')).toThrow('invalid reference filter pattern');
  });
});

describe('matchesAnyReference', () => {
  it('matches the familiar name:tag or the name alone', () => {
    expect(matchesAnyReference(['busybox'], 'busybox:latest')).toBe(true);
    expect(matchesAnyReference(['busybox:latest'], 'busybox:latest')).toBe(true);
    expect(matchesAnyReference(['busybox:1.36'], 'busybox:latest')).toBe(false);
    expect(matchesAnyReference(['*:latest'], 'busybox:latest')).toBe(true);
    expect(matchesAnyReference(['localhost:5000/*/*'], 'localhost:5000/team/bb:two')).toBe(true);
    expect(matchesAnyReference(['localhost:5000/*'], 'localhost:5000/team/bb:two')).toBe(false);
    expect(matchesAnyReference(['other', 'bb'], 'bb@sha256:' + 'a'.repeat(64))).toBe(true);
  });
});
