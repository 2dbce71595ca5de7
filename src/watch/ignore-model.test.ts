import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dockerignorePatterns, IgnoreModel } from './ignore-model.js';

describe('IgnoreModel', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'berth-ignore-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));
  const at = (rel: string) => path.join(dir, rel);

  it('leaves out .git, editor temp files and the rule patterns, relative to the rule path', async () => {
    await mkdir(at('src'), { recursive: true });
    const model = await IgnoreModel.load({ root: at('src'), ignore: ['build/', '/top.txt'] });
    for (const rel of [
      '.git/HEAD',
      'a.js~',
      '.a.js.swp',
      '.#a.js',
      '4913',
      'x.tmp',
      'build/out.js',
      'top.txt',
    ])
      expect(model.isIgnored(at(`src/${rel}`)), rel).toBe(true);
    for (const rel of ['a.js', 'lib/top.txt', 'lib/build.js'])
      expect(model.isIgnored(at(`src/${rel}`)), rel).toBe(false);
    expect(model.isIgnored(at('src/build'), true)).toBe(true);
    expect(model.isIgnored(at('elsewhere.js'))).toBe(true);
  });

  it('reads .gitignore files of the tree, each relative to its directory', async () => {
    await mkdir(at('app/sub'), { recursive: true });
    await writeFile(at('app/.gitignore'), 'node_modules/\n*.log\n');
    await writeFile(at('app/sub/.gitignore'), '/local.txt\n');
    const model = await IgnoreModel.load({ root: at('app') });
    expect(model.isIgnored(at('app/node_modules/x/index.js'))).toBe(true);
    expect(model.isIgnored(at('app/sub/debug.log'))).toBe(true);
    expect(model.isIgnored(at('app/sub/local.txt'))).toBe(true);
    expect(model.isIgnored(at('app/local.txt'))).toBe(false);
    expect(model.isIgnored(at('app/index.js'))).toBe(false);
    await writeFile(at('app/.gitignore'), '');
    await model.reloadGitignore(at('app/.gitignore'));
    expect(model.isIgnored(at('app/sub/debug.log'))).toBe(false);
  });

  it("applies the build context's .dockerignore from the context's root", async () => {
    await mkdir(at('src'), { recursive: true });
    await writeFile(at('.dockerignore'), '*.secret\nsrc/private\n!src/private/ok.txt\n');
    const model = await IgnoreModel.load({ root: at('src'), buildContext: dir });
    expect(model.isIgnored(at('src/private/key'))).toBe(true);
    expect(model.isIgnored(at('src/a.secret'))).toBe(false); // `*.secret` is the context root's only
    expect(model.isIgnored(at('src/main.js'))).toBe(false);
  });

  it('narrows files to `include` but keeps directories walkable', async () => {
    const model = await IgnoreModel.load({ root: dir, include: ['*.js'] });
    expect(model.isIgnored(at('a/b.js'))).toBe(false);
    expect(model.isIgnored(at('a/b.css'))).toBe(true);
    expect(model.isIgnored(at('a'), true)).toBe(false);
  });

  it('anchors .dockerignore patterns', () => {
    expect(dockerignorePatterns('# c\n*.log\n/cache\n**/x\n!keep\n')).toEqual([
      '/*.log',
      '/cache',
      '**/x',
      '!/keep',
    ]);
  });
});
