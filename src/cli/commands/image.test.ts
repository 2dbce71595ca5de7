import { describe, expect, it } from 'vitest';
import { splitContainerPath } from './container.js';
import { filtersOf, pathName, splitTag } from './image.js';

describe('command argument helpers', () => {
  it('splits a tag off a reference, minding registry ports', () => {
    expect(splitTag('bb:one')).toEqual({ repo: 'bb', tag: 'one' });
    expect(splitTag('localhost:5000/team/bb')).toEqual({ repo: 'localhost:5000/team/bb', tag: undefined });
    expect(splitTag('localhost:5000/team/bb:2')).toEqual({ repo: 'localhost:5000/team/bb', tag: '2' });
    expect(() => splitTag(`bb@sha256:${'a'.repeat(64)}`)).toThrow('refusing to create a tag with a digest');
  });
  it('collects --filter flags', () => {
    expect(filtersOf(undefined)).toBeUndefined();
    expect(filtersOf(['label=a=b', 'label=c', 'dangling=true'])).toEqual({
      label: ['a=b', 'c'],
      dangling: ['true'],
    });
    expect(() => filtersOf(['nonsense'])).toThrow('bad format of filter');
  });
  it('keeps slashes of names in paths and escapes the rest', () => {
    expect(pathName('localhost:5000/team/bb:2')).toBe('localhost%3A5000/team/bb%3A2');
  });
  it('tells container paths from local ones', () => {
    expect(splitContainerPath('web-1:/etc/hosts')).toEqual({ container: 'web-1', path: '/etc/hosts' });
    expect(splitContainerPath('web-1:')).toEqual({ container: 'web-1', path: '/' });
    expect(splitContainerPath('./a:b')).toBeUndefined();
    expect(splitContainerPath('/tmp/x')).toBeUndefined();
    expect(splitContainerPath('-')).toBeUndefined();
  });
});
