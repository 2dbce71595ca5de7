import { lstat, mkdtemp, mkdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeChanges, encodeChanges, type SyncChange } from '../api/sync.js';
import { applySync, listTree } from './sync.js';

const owner = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };

async function apply(root: string, changes: SyncChange[]) {
  return applySync(root, decodeChanges(encodeChanges(changes)), owner);
}

describe('applySync', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'berth-sync-'));
  });
  afterEach(async () => rm(root, { recursive: true, force: true }));

  it('creates parents, writes with the mode, overwrites atomically and leaves no temp files', async () => {
    const result = await apply(root, [
      { op: 'write', path: '/app/sub/a.txt', mode: 0o640, content: Buffer.from('one') },
      { op: 'write', path: '/app/sub/a.txt', mode: 0o755, content: Buffer.from('two') },
    ]);
    expect(result).toEqual({ applied: 2, errors: [] });
    expect(await readFile(path.join(root, 'app/sub/a.txt'), 'utf8')).toBe('two');
    expect((await lstat(path.join(root, 'app/sub/a.txt'))).mode & 0o777).toBe(0o755);
    expect((await listTree(root, '/app')).map((e) => e.path)).toEqual(['sub', 'sub/a.txt']);
  });

  it('deletes files and directories, makes directories and symlinks', async () => {
    await mkdir(path.join(root, 'app/gone'), { recursive: true });
    await writeFile(path.join(root, 'app/gone/x'), 'x');
    await writeFile(path.join(root, 'app/f'), 'f');
    const result = await apply(root, [
      { op: 'delete', path: '/app/gone' },
      { op: 'delete', path: '/app/f' },
      { op: 'delete', path: '/app/never-there' },
      { op: 'mkdir', path: '/app/d', mode: 0o700 },
      { op: 'symlink', path: '/app/l', target: 'd' },
    ]);
    expect(result.errors).toEqual([]);
    const tree = await listTree(root, '/app');
    expect(tree.map((e) => [e.path, e.type])).toEqual([
      ['d', 'dir'],
      ['l', 'symlink'],
    ]);
    expect(await readlink(path.join(root, 'app/l'))).toBe('d');
  });

  it('keeps writes inside the root when a symlink in the container points outside', async () => {
    const outside = await mkdtemp(path.join(os.tmpdir(), 'berth-outside-'));
    try {
      await symlink(outside, path.join(root, 'escape'));
      await symlink('../../..' + outside, path.join(root, 'rel'));
      const result = await apply(root, [
        { op: 'write', path: '/escape/a', mode: 0o644, content: Buffer.from('a') },
        { op: 'write', path: '/rel/b', mode: 0o644, content: Buffer.from('b') },
      ]);
      expect(result.errors).toEqual([]);
      expect(await readFile(path.join(root, outside, 'a'), 'utf8')).toBe('a');
      await expect(lstat(path.join(outside, 'a'))).rejects.toThrow();
      await expect(lstat(path.join(outside, 'b'))).rejects.toThrow();
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('hashes files in the tree listing', async () => {
    await apply(root, [{ op: 'write', path: '/t/a', mode: 0o644, content: Buffer.from('abc') }]);
    const [entry] = await listTree(root, '/t');
    expect(entry?.sha256).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
