import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIgnoreMatcher } from '../../../shared/build-context/dockerignore.js';
import { hashSources } from './hash.js';
import { resolveSources, type ResolvedSource } from './sources.js';

let base: string;
let ctx: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'berth-sources-'));
  ctx = join(base, 'ctx');
  await writeFile(join(base, 'secret'), 'secret');
  const files: Record<string, string> = {
    'a.txt': 'a',
    'b.txt': 'b',
    'c.md': 'c',
    file1: '1',
    file22: '22',
    'src/main.go': 'package main',
    'src/util/util.go': 'package util',
    'src/util/notes.txt': 'notes',
    'src/.cache/x': 'x',
    'data/one.json': '{}',
  };
  for (const [rel, body] of Object.entries(files)) {
    await mkdir(join(ctx, rel, '..'), { recursive: true });
    await writeFile(join(ctx, rel), body);
  }
  await symlink('src/main.go', join(ctx, 'main-link'));
  await symlink('src', join(ctx, 'src-link'));
  await symlink('../secret', join(ctx, 'up-link'));
  await symlink('/etc/passwd', join(ctx, 'abs-link'));
  await symlink('util/../../../secret', join(ctx, 'src/sneaky'));
  await symlink('../main.go', join(ctx, 'src/util/back'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const rels = (sources: ResolvedSource[]) => sources.map((s) => `${s.kind}:${s.rel}`);
const targets = (source: ResolvedSource | undefined) => source?.entries.map((e) => `${e.type}:${e.target}`);

describe('resolveSources', () => {
  it('expands `*`, `?`, `[...]` and `**`, sorted', async () => {
    expect(rels(await resolveSources(ctx, ['*.txt']))).toEqual(['file:a.txt', 'file:b.txt']);
    expect(rels(await resolveSources(ctx, ['file?']))).toEqual(['file:file1']);
    expect(rels(await resolveSources(ctx, ['[ab].txt', 'c.md']))).toEqual([
      'file:a.txt',
      'file:b.txt',
      'file:c.md',
    ]);
    expect(rels(await resolveSources(ctx, ['src/**/*.go']))).toEqual([
      'file:src/main.go',
      'file:src/util/util.go',
    ]);
    expect(rels(await resolveSources(ctx, ['./src/*/util.go']))).toEqual(['file:src/util/util.go']);
  });

  it('takes a directory as its contents, nested symlinks as links', async () => {
    const [src] = await resolveSources(ctx, ['src/']);
    expect(src?.kind).toBe('dir');
    expect(targets(src)).toEqual([
      'dir:',
      'dir:.cache',
      'file:.cache/x',
      'file:main.go',
      'symlink:sneaky',
      'dir:util',
      'symlink:util/back',
      'file:util/notes.txt',
      'file:util/util.go',
    ]);
    expect(src?.entries.find((e) => e.target === 'sneaky')?.linkTarget).toBe('util/../../../secret');
  });

  it('names a missing source in the error', async () => {
    await expect(resolveSources(ctx, ['a.txt', 'nope.txt'])).rejects.toThrow(
      'COPY failed: file not found in build context or excluded by .dockerignore: stat nope.txt: file does not exist',
    );
    await expect(resolveSources(ctx, ['*.nothing'])).rejects.toThrow(/stat \*\.nothing: file does not exist/);
  });

  it("hides .dockerignore'd files and honours --exclude", async () => {
    const ignore = createIgnoreMatcher(['*.md', 'src/.cache']);
    await expect(resolveSources(ctx, ['c.md'], { ignore })).rejects.toThrow(/stat c.md/);
    const [src] = await resolveSources(ctx, ['src'], { ignore, exclude: ['**/*.txt', 'util/back'] });
    expect(targets(src)).toEqual(['dir:', 'file:main.go', 'symlink:sneaky', 'dir:util', 'file:util/util.go']);
    const reinclude = createIgnoreMatcher(['src', '!src/.cache/x']);
    const [kept] = await resolveSources(ctx, ['.'], { ignore: reinclude });
    expect(targets(kept)?.filter((t) => /^\w+:src(\/|$)/.test(t))).toEqual(['file:src/.cache/x']);
    expect(rels(await resolveSources(ctx, ['*.txt', '*.md'], { exclude: ['b.txt'] }))).toEqual([
      'file:a.txt',
      'file:c.md',
    ]);
  });

  it('follows a top-level symlink inside the context', async () => {
    const [link] = await resolveSources(ctx, ['main-link']);
    expect(link).toMatchObject({ kind: 'file', name: 'main-link', path: join(ctx, 'src/main.go') });
    const [dir] = await resolveSources(ctx, ['src-link/util']);
    expect(dir?.kind).toBe('dir');
    expect(dir?.path).toBe(join(ctx, 'src/util'));
  });

  it('refuses a symlink source pointing outside the context', async () => {
    await expect(resolveSources(ctx, ['up-link'])).rejects.toThrow(
      'COPY failed: up-link is a symbolic link pointing outside the build context',
    );
    await expect(resolveSources(ctx, ['abs-link'])).rejects.toThrow(
      /abs-link is a symbolic link pointing outside/,
    );
    await expect(resolveSources(ctx, ['src/sneaky'])).rejects.toThrow(
      /src\/sneaky is a symbolic link pointing outside/,
    );
    await expect(resolveSources(ctx, ['*-link'])).rejects.toThrow(/pointing outside the build context/);
    await expect(resolveSources(ctx, ['up-link/*'])).rejects.toThrow(
      /up-link\/\* is a symbolic link pointing outside/,
    );
    expect(rels(await resolveSources(ctx, ['src-link/util/*.go']))).toEqual(['file:src-link/util/util.go']);
  });
});

describe('hashSources', () => {
  it('ignores mtimes, and sees a one-byte change, a mode change and a renamed file', async () => {
    const digest = async () => hashSources(ctx, await resolveSources(ctx, ['src', 'a.txt']));
    const first = await digest();
    expect(first).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await digest()).toBe(first);
    await utimes(join(ctx, 'src/main.go'), 1000, 1000);
    await utimes(join(ctx, 'src/util'), 2000, 2000);
    expect(await digest()).toBe(first);
    await writeFile(join(ctx, 'src/main.go'), 'package mainX');
    const changed = await digest();
    expect(changed).not.toBe(first);
    await writeFile(join(ctx, 'src/main.go'), 'package main');
    expect(await digest()).toBe(first);
    const { chmod, rename } = await import('node:fs/promises');
    await chmod(join(ctx, 'a.txt'), 0o600);
    expect(await digest()).not.toBe(first);
    await chmod(join(ctx, 'a.txt'), 0o644);
    expect(await digest()).toBe(first);
    await rename(join(ctx, 'src/util/notes.txt'), join(ctx, 'src/util/notes2.txt'));
    expect(await digest()).not.toBe(first);
    await rename(join(ctx, 'src/util/notes2.txt'), join(ctx, 'src/util/notes.txt'));
  });

  it('is the same for two copies of one tree, and fast for thousands of files', async () => {
    const one = join(base, 'many-1');
    const two = join(base, 'many-2');
    for (const root of [one, two]) {
      for (let d = 0; d < 20; d++) {
        await mkdir(join(root, `d${d}`), { recursive: true });
        await Promise.all(
          Array.from({ length: 100 }, (_, f) => writeFile(join(root, `d${d}`, `f${f}`), `content ${d} ${f}`)),
        );
      }
    }
    const started = Date.now();
    const a = await hashSources(one, await resolveSources(one, ['.']));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await hashSources(two, await resolveSources(two, ['.']))).toBe(a);
  });
});
