import { describe, expect, it } from 'vitest';
import { BerthError } from '../../shared/errors.js';
import { normaliseProjectName, resolveProjectName } from './project-name.js';

describe('normaliseProjectName', () => {
  it('lowercases, drops characters outside [a-z0-9_-] and trims leading _ and -', () => {
    expect(normaliseProjectName('My App')).toBe('myapp');
    expect(normaliseProjectName('__-web_2-x')).toBe('web_2-x');
    expect(normaliseProjectName('Été.Project!')).toBe('tproject');
    expect(normaliseProjectName('already-valid_1')).toBe('already-valid_1');
    expect(normaliseProjectName('..--')).toBe('');
  });
});

describe('resolveProjectName', () => {
  it('prefers -p, then COMPOSE_PROJECT_NAME, then name:, then the directory', () => {
    const all = { flag: 'flag', env: 'env', fromFile: 'file', projectDirectory: '/x/dir' };
    expect(resolveProjectName(all)).toBe('flag');
    expect(resolveProjectName({ ...all, flag: undefined })).toBe('env');
    expect(resolveProjectName({ ...all, flag: undefined, env: undefined })).toBe('file');
    expect(resolveProjectName({ projectDirectory: '/x/dir' })).toBe('dir');
    expect(resolveProjectName({ flag: '', env: '', fromFile: '', projectDirectory: '/x/dir' })).toBe('dir');
  });

  it('normalises names from the file and the directory', () => {
    expect(resolveProjectName({ fromFile: 'My Project', projectDirectory: '/x' })).toBe('myproject');
    expect(resolveProjectName({ projectDirectory: '/home/me/My_Web.App' })).toBe('my_webapp');
    // A name: that normalises to nothing falls back to the directory.
    expect(resolveProjectName({ fromFile: '!!', projectDirectory: '/x/fallback' })).toBe('fallback');
  });

  it('rejects an invalid -p or COMPOSE_PROJECT_NAME instead of normalising it', () => {
    const message =
      'invalid project name "My App": must contain only lowercase letters, decimal digits, dashes, and underscores, and must begin with a lowercase letter or decimal digit';
    expect(() => resolveProjectName({ flag: 'My App', projectDirectory: '/x' })).toThrowError(message);
    expect(() => resolveProjectName({ env: 'My App', projectDirectory: '/x' })).toThrowError(message);
    expect(() => resolveProjectName({ flag: '-dash', projectDirectory: '/x' })).toThrowError(
      /invalid project name "-dash"/,
    );
    try {
      resolveProjectName({ flag: '_x', projectDirectory: '/x' });
    } catch (error) {
      expect(error).toBeInstanceOf(BerthError);
      expect((error as BerthError).code).toBe('InvalidArgument');
    }
  });

  it('fails when no name can be made', () => {
    expect(() => resolveProjectName({ projectDirectory: '/x/---' })).toThrowError(
      /project name must not be empty/,
    );
    expect(() => resolveProjectName({ projectDirectory: '/' })).toThrowError(
      /project name must not be empty/,
    );
  });
});
