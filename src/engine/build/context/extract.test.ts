import { execFileSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readFile, readlink, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractContext } from './extract.js';
import { makeTar } from './test-tar.js';

let base: string;
let dest: string;
let outside: string;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'berth-extract-'));
  dest = join(base, 'ctx');
  outside = join(base, 'outside');
  await mkdir(dest);
  await mkdir(outside);
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('extractContext', () => {
  it('extracts files, directories, symlinks and hard links with modes and mtimes, plain, gzip, bzip2 or xz', async () => {
    const mtime = new Date(1_500_000_000_000);
    const tarball = await makeTar([
      { name: 'src/', type: 'directory', mode: 0o750, mtime },
      { name: 'src/run.sh', mode: 0o755, body: 'echo hi\n', mtime },
      { name: 'src/link', type: 'symlink', linkname: 'run.sh' },
      { name: 'src/hard', type: 'link', linkname: 'src/run.sh' },
      { name: './Dockerfile', mode: 0o644, body: 'FROM scratch\n' },
    ]);
    const compressed = (program: string) => execFileSync(program, ['-c'], { input: tarball });
    for (const bytes of [tarball, gzipSync(tarball), compressed('bzip2'), compressed('xz')]) {
      await rm(dest, { recursive: true, force: true });
      await mkdir(dest);
      await extractContext(Readable.from([bytes]), dest);
      expect(await readFile(join(dest, 'src/run.sh'), 'utf8')).toBe('echo hi\n');
      expect((await stat(join(dest, 'src/run.sh'))).mode & 0o7777).toBe(0o755);
      expect((await stat(join(dest, 'src/run.sh'))).mtime.getTime()).toBe(mtime.getTime());
      expect((await stat(join(dest, 'src'))).mode & 0o7777).toBe(0o750);
      expect((await stat(join(dest, 'src'))).mtime.getTime()).toBe(mtime.getTime());
      expect(await readlink(join(dest, 'src/link'))).toBe('run.sh');
      expect((await stat(join(dest, 'src/hard'))).ino).toBe((await stat(join(dest, 'src/run.sh'))).ino);
      expect(await readFile(join(dest, 'Dockerfile'), 'utf8')).toBe('FROM scratch\n');
    }
  });

  const refused: Array<[string, Parameters<typeof makeTar>[0], RegExp]> = [
    ['a name climbing out with ..', [{ name: '../evil', body: 'x' }], /leaves the build context/],
    ['a name climbing out deeper', [{ name: 'a/../../evil', body: 'x' }], /leaves the build context/],
    ['an absolute name', [{ name: '/evil', body: 'x' }], /absolute path/],
    [
      'a file written through a symlink planted before',
      [
        { name: 'esc', type: 'symlink', linkname: '../outside' },
        { name: 'esc/evil', body: 'x' },
      ],
      /goes through the symbolic link "esc"/,
    ],
    [
      'a file written through an absolute symlink',
      [
        { name: 'esc', type: 'symlink', linkname: '/' },
        { name: 'esc/berth-extract-evil', body: 'x' },
      ],
      /symbolic link/,
    ],
    [
      'a hard link to a file outside',
      [{ name: 'hard', type: 'link', linkname: '../outside/secret' }],
      /hard link pointing outside/,
    ],
    [
      'a hard link to an absolute path',
      [{ name: 'hard', type: 'link', linkname: '/etc/passwd' }],
      /hard link pointing outside/,
    ],
    [
      'a hard link through a symlink',
      [
        { name: 'esc', type: 'symlink', linkname: '../outside' },
        { name: 'hard', type: 'link', linkname: 'esc/secret' },
      ],
      /not a file extracted before it/,
    ],
  ];

  for (const [what, items, message] of refused) {
    it(`refuses ${what}`, async () => {
      await writeFile(join(outside, 'secret'), 'secret');
      await expect(extractContext(Readable.from([await makeTar(items)]), dest)).rejects.toThrow(message);
      expect((await readdir(outside)).sort()).toEqual(['secret']);
      expect(await readdir(base)).toEqual(['ctx', 'outside']);
      await expect(lstat(join(base, 'evil'))).rejects.toThrow();
    });
  }

  it('fails on a truncated or corrupt archive', async () => {
    const tarball = await makeTar([{ name: 'big', body: 'x'.repeat(5000) }]);
    await expect(extractContext(Readable.from([tarball.subarray(0, 1024)]), dest)).rejects.toThrow(
      /build context/,
    );
    const xz = execFileSync('xz', ['-c'], { input: tarball });
    await expect(extractContext(Readable.from([xz.subarray(0, 40)]), dest)).rejects.toThrow(/xz failed/);
  });

  it('replaces a symlink by a file of the same name without following it', async () => {
    const tarball = await makeTar([
      { name: 'f', type: 'symlink', linkname: '../outside/target' },
      { name: 'f', body: 'inside' },
    ]);
    await extractContext(Readable.from([tarball]), dest);
    expect(await readFile(join(dest, 'f'), 'utf8')).toBe('inside');
    expect(await readdir(outside)).toEqual([]);
  });
});
