import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createDescendCheck,
  createIgnoreMatcher,
  parseDockerignore,
  readDockerignore,
} from './dockerignore.js';

describe('createIgnoreMatcher', () => {
  it('matches `*.md` at the root only, with a `!README.md` exception', () => {
    const ignored = createIgnoreMatcher(['*.md', '!README.md']);
    expect(ignored('CHANGES.md')).toBe(true);
    expect(ignored('README.md')).toBe(false);
    expect(ignored('docs/guide.md')).toBe(false);
    expect(ignored('main.go')).toBe(false);
  });

  it('matches `**/*.go` at any depth, including the root', () => {
    const ignored = createIgnoreMatcher(['**/*.go']);
    expect(ignored('main.go')).toBe(true);
    expect(ignored('cmd/tool/main.go')).toBe(true);
    expect(ignored('cmd/tool/main.gox')).toBe(false);
  });

  it('matches `temp?` as one character, and everything below a matched directory', () => {
    const ignored = createIgnoreMatcher(['temp?']);
    expect(ignored('tempa')).toBe(true);
    expect(ignored('temp1/file.txt')).toBe(true);
    expect(ignored('temp')).toBe(false);
    expect(ignored('tempab')).toBe(false);
    expect(ignored('sub/tempa')).toBe(false);
  });

  it('excludes a directory but re-includes a file below it', () => {
    const patterns = ['docs', '!docs/keep.md'];
    const ignored = createIgnoreMatcher(patterns);
    expect(ignored('docs')).toBe(true);
    expect(ignored('docs/other.md')).toBe(true);
    expect(ignored('docs/keep.md')).toBe(false);
    const descend = createDescendCheck(patterns);
    expect(descend('docs')).toBe(true);
    expect(descend('node_modules')).toBe(false);
  });

  it('lets the last matching pattern win', () => {
    expect(createIgnoreMatcher(['!a.txt', '*.txt'])('a.txt')).toBe(true);
    expect(createIgnoreMatcher(['*.txt', '!a.txt'])('a.txt')).toBe(false);
    expect(createIgnoreMatcher(['*', '!src', 'src/*.tmp'])('src/x.tmp')).toBe(true);
    expect(createIgnoreMatcher(['*', '!src', 'src/*.tmp'])('src/x.ts')).toBe(false);
  });

  it('strips a leading `/` and `./`, and cleans the pattern', () => {
    const ignored = createIgnoreMatcher(['/build', './dist/', 'a//b/../c']);
    expect(ignored('build/out.o')).toBe(true);
    expect(ignored('dist')).toBe(true);
    expect(ignored('a/c')).toBe(true);
    expect(ignored('src/build')).toBe(false);
  });

  it('supports character classes, negated classes and escapes', () => {
    const ignored = createIgnoreMatcher(['file[0-9].txt', 'x[^a].log', 'y[!a].log', 'lit\\*eral']);
    expect(ignored('file3.txt')).toBe(true);
    expect(ignored('filea.txt')).toBe(false);
    expect(ignored('xb.log')).toBe(true);
    expect(ignored('xa.log')).toBe(false);
    expect(ignored('y!.log')).toBe(true);
    expect(ignored('yb.log')).toBe(false);
    expect(ignored('lit*eral')).toBe(true);
    expect(ignored('litXeral')).toBe(false);
  });

  it('matches `a/**/b` through zero or more directories', () => {
    const ignored = createIgnoreMatcher(['a/**/b']);
    expect(ignored('a/b')).toBe(true);
    expect(ignored('a/x/y/b')).toBe(true);
    expect(ignored('a/x/c')).toBe(false);
  });
});

describe('readDockerignore', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('prefers <Dockerfile>.dockerignore beside the Dockerfile over the root .dockerignore', async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-ignore-'));
    await mkdir(join(dir, 'build'));
    await writeFile(join(dir, '.dockerignore'), '# comment\n*.log\n\n');
    expect(await readDockerignore(dir, 'build/app.Dockerfile')).toEqual(['*.log']);
    await writeFile(join(dir, 'build/app.Dockerfile.dockerignore'), 'node_modules\r\n!keep\n');
    expect(await readDockerignore(dir, 'build/app.Dockerfile')).toEqual(['node_modules', '!keep']);
    expect(await readDockerignore(dir, 'Dockerfile')).toEqual(['*.log']);
  });

  it('returns no patterns without an ignore file', async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-ignore-'));
    expect(await readDockerignore(dir, 'Dockerfile')).toEqual([]);
    expect(parseDockerignore('\uFEFF  a  \n#b\n')).toEqual(['a']);
  });
});
