import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson, readJsonIfExists, writeJsonAtomic } from './atomic-json.js';
import { layout, shortLinkName } from './layout.js';
import { RecordStore } from './record-store.js';
import { acquireRootLock } from './root-lock.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-store-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeJsonAtomic / readJson', () => {
  it('writes pretty JSON, replaces it whole and leaves no temp files', async () => {
    const path = join(dir, 'a.json');
    await writeJsonAtomic(path, { a: 1 });
    await writeJsonAtomic(path, { b: [2] });
    expect(await readFile(path, 'utf8')).toBe('{\n  "b": [\n    2\n  ]\n}\n');
    expect(await readJson(path)).toEqual({ b: [2] });
    expect((await readdir(dir)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('reports a missing file as NotFound and bad JSON as Internal', async () => {
    await expect(readJson(join(dir, 'missing.json'))).rejects.toMatchObject({ code: 'NotFound' });
    expect(await readJsonIfExists(join(dir, 'missing.json'))).toBeUndefined();
    await writeFile(join(dir, 'bad.json'), '{');
    await expect(readJson(join(dir, 'bad.json'))).rejects.toMatchObject({ code: 'Internal' });
  });
});

describe('RecordStore', () => {
  it('puts, gets, lists in id order and deletes', async () => {
    const store = new RecordStore<{ n: number }>(join(dir, 'things'), 'thing');
    expect(await store.list()).toEqual([]);
    await store.put('b', { n: 2 });
    await store.put('a', { n: 1 });
    expect(await store.get('a')).toEqual({ n: 1 });
    expect(await store.list()).toEqual([
      { id: 'a', record: { n: 1 } },
      { id: 'b', record: { n: 2 } },
    ]);
    expect(await store.delete('a')).toBe(true);
    expect(await store.delete('a')).toBe(false);
    await expect(store.require('a')).rejects.toThrow('no such thing: a');
    expect(await store.ids()).toEqual(['b']);
  });

  it('rejects ids that are not one safe path component', async () => {
    const store = new RecordStore(join(dir, 'things'), 'thing');
    for (const id of ['../x', 'a/b', '', '.hidden', 'x..y']) {
      await expect(store.put(id, {})).rejects.toMatchObject({ code: 'InvalidArgument' });
    }
  });
});

describe('acquireRootLock', () => {
  it('holds the pid, refuses a live owner and takes over a dead one', async () => {
    const root = join(dir, 'root');
    const lock = await acquireRootLock(root);
    expect(await readFile(lock.path, 'utf8')).toBe(`${process.pid}\n`);
    const other = spawn('sleep', ['30']);
    try {
      await lock.release();
      await writeFile(join(root, 'engine.lock'), `${other.pid}\n`);
      await expect(acquireRootLock(root)).rejects.toThrow(
        `another berth engine is using ${root} (pid ${other.pid})`,
      );
    } finally {
      other.kill('SIGKILL');
      await new Promise((resolve) => other.on('exit', resolve));
    }
    const taken = await acquireRootLock(root);
    expect(await readFile(taken.path, 'utf8')).toBe(`${process.pid}\n`);
    await taken.release();
    expect(await readdir(root)).toEqual([]);
  });
});

describe('layout', () => {
  it('derives every path from the root and short link names from the chain ID', () => {
    const chain = `sha256:${'ab'.repeat(32)}`;
    expect(layout.layerDiff('/r', chain)).toBe(`/r/layers/${'ab'.repeat(32)}/diff`);
    expect(layout.blobsDir('/r')).toBe('/r/blobs/sha256');
    const short = shortLinkName(chain);
    expect(short).toMatch(/^[A-Z2-7]{26}$/);
    expect(shortLinkName(chain)).toBe(short);
    expect(shortLinkName(`sha256:${'cd'.repeat(32)}`)).not.toBe(short);
  });
});
