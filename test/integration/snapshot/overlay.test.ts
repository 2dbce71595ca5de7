// The overlay snapshotter with real overlay mounts over layers unpacked by the image store, and the diff of an
// upper dir back into a layer. After the suite nothing stays mounted and the temp root is gone.

import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { link, lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import * as tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffToLayer } from '../../../src/engine/image/diff.js';
import type { Digest } from '../../../src/engine/image/digest.js';
import { ImageStore } from '../../../src/engine/image/image-store.js';
import { importRootfsTar } from '../../../src/engine/image/import.js';
import { readXattrs } from '../../../src/engine/image/special-files.js';
import { listMounted, OverlaySnapshotter } from '../../../src/engine/snapshot/overlay.js';
import { makeBusyboxTar } from '../../helpers/rootfs.js';

const run = promisify(execFile);

let root: string;
let store: ImageStore;
let snapshots: OverlaySnapshotter;
let base: Digest[];

async function tarOf(
  entries: Array<Partial<tar.Header> & { name: string; content?: string }>,
): Promise<Buffer> {
  const pack = tar.pack();
  for (const { content, ...header } of entries) pack.entry({ mode: 0o644, ...header }, content ?? '');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function addLayer(parent: Digest | undefined, entries: Parameters<typeof tarOf>[0]): Promise<Digest> {
  const bytes = await tarOf(entries);
  return (await store.layers.unpack(parent, undefined, async () => Readable.from([bytes]))).chainId;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'berth-snap-'));
  store = new ImageStore(root);
  snapshots = new OverlaySnapshotter(root);
  const tarPath = join(root, 'busybox.tar');
  await makeBusyboxTar(tarPath);
  base = (await importRootfsTar(store, createReadStream(tarPath), { repoTag: 'busybox' })).chainIds;
});

afterAll(async () => {
  for (const mountpoint of await listMounted(root)) await run('umount', ['-l', mountpoint]);
  await rm(root, { recursive: true, force: true });
});

describe('OverlaySnapshotter', () => {
  it('shows the lowers, writes to the upper, honours whiteouts and opaque dirs, and removes cleanly', async () => {
    const top = await addLayer(base[0], [
      { name: 'etc/.wh.group' },
      { name: 'home/', type: 'directory', mode: 0o755 },
      { name: 'home/.wh..wh..opq' },
      { name: 'home/fresh', content: 'new home' },
      { name: 'layer2', content: 'two' },
    ]);
    const snap = await snapshots.prepare('c1', [...base, top]);
    expect(await snapshots.isMounted('c1')).toBe(false);
    await snapshots.mount('c1');
    expect(await snapshots.isMounted('c1')).toBe(true);
    expect(await listMounted(root)).toEqual([snap.mountpoint]);

    const merged = snap.mountpoint;
    expect((await lstat(join(merged, 'bin/busybox'))).isFile()).toBe(true);
    expect(await readFile(join(merged, 'layer2'), 'utf8')).toBe('two');
    expect(await readFile(join(merged, 'etc/passwd'), 'utf8')).toContain('root:x:0:0');
    await expect(lstat(join(merged, 'etc/group'))).rejects.toThrow(/ENOENT/);
    expect(await readdir(join(merged, 'home'))).toEqual(['fresh']);

    await writeFile(join(merged, 'written'), 'upper');
    expect(await readFile(join(snap.upper, 'written'), 'utf8')).toBe('upper');
    await expect(lstat(join(store.layers.diffPath(top), 'written'))).rejects.toThrow(/ENOENT/);

    await snapshots.remove('c1');
    expect(await snapshots.isMounted('c1')).toBe(false);
    expect(await listMounted(root)).toEqual([]);
    expect(await snapshots.list()).toEqual([]);
    await expect(lstat(join(root, 'containers-rw', 'c1'))).rejects.toThrow(/ENOENT/);
  });

  it('mounts 70 layers through short relative links', async () => {
    let parent: Digest | undefined = base[0];
    const chain: Digest[] = [...base];
    for (let i = 0; i < 70; i++) {
      parent = await addLayer(parent, [{ name: `many/f${i}`, content: String(i) }]);
      chain.push(parent);
    }
    const snap = await snapshots.prepare('many', chain);
    await snapshots.mount('many');
    const names = await readdir(join(snap.mountpoint, 'many'));
    expect(names.length).toBe(70);
    expect(await readFile(join(snap.mountpoint, 'many/f69'), 'utf8')).toBe('69');
    expect((await lstat(join(snap.mountpoint, 'bin/sh'))).isSymbolicLink()).toBe(true);
    await snapshots.remove('many');
    expect(await listMounted(root)).toEqual([]);
  });

  it('refuses unknown layers, duplicate ids and unsafe ids', async () => {
    await expect(snapshots.prepare('bad', [`sha256:${'1'.repeat(64)}`])).rejects.toThrow(/is not unpacked/);
    await snapshots.prepare('dup', base);
    await expect(snapshots.prepare('dup', base)).rejects.toThrow('snapshot dup already exists');
    await snapshots.remove('dup');
    await expect(snapshots.prepare('../x', base)).rejects.toThrow('invalid snapshot id');
  });
});

describe('diffToLayer', () => {
  it('turns an upper dir back into a layer that reproduces the same view', async () => {
    const snap = await snapshots.prepare('d1', base);
    await snapshots.mount('d1');
    const merged = snap.mountpoint;
    await rm(join(merged, 'etc/group'));
    await rm(join(merged, 'home'), { recursive: true });
    await mkdir(join(merged, 'home'));
    await writeFile(join(merged, 'home/only'), 'only');
    await writeFile(join(merged, 'added'), 'added');
    await link(join(merged, 'added'), join(merged, 'added-too'));
    await snapshots.unmount('d1');

    const lowers = base.map((c) => store.layers.diffPath(c));
    const first = await diffToLayer(snap.upper, lowers, store.blobs);
    const second = await diffToLayer(snap.upper, lowers, store.blobs);
    expect(second).toEqual(first);
    const listing = (await run('tar', ['-tzvf', store.blobs.pathOf(first.digest)])).stdout;
    expect(listing).toMatch(/etc\/\.wh\.group/);
    expect(listing).toMatch(/home\/\.wh\.\.wh\.\.opq/);
    expect(listing).toMatch(/added-too link to added/);

    const layer = await store.layers.unpack(base[base.length - 1], first.diffId, () =>
      store.blobs.open(first.digest),
    );
    const diff = store.layers.diffPath(layer.chainId);
    expect((await lstat(join(diff, 'etc/group'))).rdev).toBe(0);
    expect((await lstat(join(diff, 'etc/group'))).isCharacterDevice()).toBe(true);
    expect((await readXattrs([join(diff, 'home')], 'trusted.overlay.opaque'))[0]?.toString()).toBe('y');
    expect((await lstat(join(diff, 'added'))).nlink).toBe(2);

    const view = await snapshots.prepare('d2', [...base, layer.chainId]);
    await snapshots.mount('d2');
    await expect(lstat(join(view.mountpoint, 'etc/group'))).rejects.toThrow(/ENOENT/);
    expect(await readdir(join(view.mountpoint, 'home'))).toEqual(['only']);
    expect(await readFile(join(view.mountpoint, 'added-too'), 'utf8')).toBe('added');
    await snapshots.remove('d2');
    await snapshots.remove('d1');
    expect(await listMounted(root)).toEqual([]);
  });
});
