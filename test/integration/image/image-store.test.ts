// The image store end to end on a real busybox rootfs: import, resolve, tag, history, save/load round trips
// (our own and skopeo's docker-archive and OCI layouts), remove and prune with blob and layer clean-up.

import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadArchive } from '../../../src/engine/image/archive-load.js';
import { saveArchive } from '../../../src/engine/image/archive-save.js';
import { sha256Of } from '../../../src/engine/image/digest.js';
import { ImageStore } from '../../../src/engine/image/image-store.js';
import { importRootfsTar } from '../../../src/engine/image/import.js';
import { makeBusyboxTar } from '../../helpers/rootfs.js';

const run = promisify(execFile);

let work: string;
let busyboxTar: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'berth-images-'));
  busyboxTar = join(work, 'busybox.tar');
  await makeBusyboxTar(busyboxTar);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function freshStore(name: string): Promise<ImageStore> {
  return new ImageStore(join(work, name), { now: () => new Date('2025-01-02T03:04:05Z') });
}

async function tarBytes(path: string): Promise<Buffer> {
  return readFile(path);
}

describe('import', () => {
  it('makes a one-layer image whose layer is unpacked and whose config carries the changes', async () => {
    const store = await freshStore('import');
    const bytes = await tarBytes(busyboxTar);
    const image = await importRootfsTar(store, Readable.from([gzipSync(bytes)]), {
      repoTag: 'bb:1',
      changes: ['CMD ["sh"]', 'ENV A=b C="d e"', 'EXPOSE 80', 'WORKDIR /tmp', 'USER app'],
      now: new Date('2025-01-02T03:04:05Z'),
    });
    expect(image.repoTags).toEqual(['docker.io/library/bb:1']);
    expect(image.chainIds).toEqual([sha256Of(bytes)]);
    const config = await store.config(image);
    expect(config.config.cmd).toEqual(['sh']);
    expect(config.config.env).toEqual(['A=b', 'C=d e']);
    expect(config.config.exposedPorts).toEqual(['80/tcp']);
    expect(config.config.workingDir).toBe('/tmp');
    expect(config.config.user).toBe('app');
    expect(config.created).toBe('2025-01-02T03:04:05.000Z');
    const diff = store.layers.diffPath(image.chainIds[0]!);
    expect(await readlink(join(diff, 'bin/sh'))).toBe('busybox');
    expect((await stat(join(diff, 'tmp'))).mode & 0o7777).toBe(0o1777);
    expect((await stat(join(diff, 'home/app'))).uid).toBe(1000);
    expect(image.size).toBeGreaterThan(1_000_000);

    expect((await store.resolve('bb:1')).id).toBe(image.id);
    expect((await store.resolve('docker.io/library/bb:1')).id).toBe(image.id);
    expect((await store.resolve(image.id)).id).toBe(image.id);
    expect((await store.resolve(image.id.slice(7, 19))).id).toBe(image.id);
    await expect(store.resolve('bb')).rejects.toThrow('No such image: bb');

    const history = await store.history('bb:1');
    expect(history).toEqual([
      {
        id: image.id,
        created: Date.parse('2025-01-02T03:04:05Z') / 1000,
        createdBy: '',
        tags: ['bb:1'],
        size: image.size,
        comment: 'Imported from -',
      },
    ]);
  });

  it('refuses a hostile tar and registers nothing', async () => {
    const store = await freshStore('import-hostile');
    const pack = tar.pack();
    pack.entry({ name: '../escape' }, 'x');
    pack.finalize();
    await expect(importRootfsTar(store, pack as unknown as Readable, { repoTag: 'evil' })).rejects.toThrow(
      'layer entry "../escape" escapes the layer directory',
    );
    expect(await store.list()).toEqual([]);
    expect(await store.layers.list()).toEqual([]);
    await expect(stat(join(work, 'escape'))).rejects.toThrow(/ENOENT/);
  });
});

describe('tag, untag, remove, prune', () => {
  it('follows docker rmi semantics and deletes blobs and layers with the last image', async () => {
    const store = await freshStore('rmi');
    const image = await importRootfsTar(store, createReadStream(busyboxTar), { repoTag: 'one' });
    await store.tag('one', 'two:v2');
    expect((await store.resolve('one')).repoTags).toEqual([
      'docker.io/library/one:latest',
      'docker.io/library/two:v2',
    ]);
    await expect(store.remove(image.id)).rejects.toThrow(/must be forced.*multiple repositories/);
    expect(await store.remove('two:v2')).toEqual([{ untagged: 'two:v2' }]);
    expect(
      await store.remove('one', { inUse: () => true, force: false }).catch((e: Error) => e.message),
    ).toMatch(/being used by a container/);
    expect(await store.remove('one')).toEqual([{ untagged: 'one:latest' }, { deleted: image.id }]);
    expect(await store.list()).toEqual([]);
    expect(await store.blobs.list()).toEqual([]);
    expect(await store.layers.list()).toEqual([]);
  });

  it('prunes only dangling images unless asked for all', async () => {
    const store = await freshStore('prune');
    const tagged = await importRootfsTar(store, createReadStream(busyboxTar), { repoTag: 'keep' });
    const dangling = await importRootfsTar(store, createReadStream(busyboxTar), {
      changes: ['CMD ["true"]'],
    });
    expect(dangling.repoTags).toEqual([]);
    const first = await store.prune();
    expect(first.deleted).toEqual([{ deleted: dangling.id }]);
    expect((await store.list()).map((i) => i.id)).toEqual([tagged.id]);
    // The shared layer stays for the remaining image.
    expect(await store.layers.list()).toEqual(tagged.chainIds);
    const second = await store.prune({ all: true });
    expect(second.deleted).toEqual([{ untagged: 'keep:latest' }, { deleted: tagged.id }]);
    expect(await store.blobs.list()).toEqual([]);
  });
});

describe('save and load', () => {
  it('round-trips through our own archive, keeping IDs and tags', async () => {
    const source = await freshStore('save-src');
    const image = await importRootfsTar(source, createReadStream(busyboxTar), {
      repoTag: 'rt:1',
      changes: ['CMD ["sh"]'],
    });
    await source.tag('rt:1', 'example.com/team/rt:2');
    const archive = join(work, 'saved.tar');
    await saveArchive(source, ['rt:1', 'example.com/team/rt:2'], createWriteStream(archive));
    const names = (await run('tar', ['-tf', archive])).stdout.trim().split('\n').sort();
    expect(names).toEqual(
      [
        'blobs/',
        'blobs/sha256/',
        ...(await source.blobs.list()).map((d) => `blobs/sha256/${d.slice(7)}`),
        'index.json',
        'manifest.json',
        'oci-layout',
        'repositories',
      ].sort(),
    );
    const target = await freshStore('save-dst');
    const loaded = await loadArchive(target, createReadStream(archive));
    expect(loaded.map((l) => [l.image.id, l.tags])).toEqual([
      [image.id, ['docker.io/library/rt:1', 'example.com/team/rt:2']],
    ]);
    expect((await target.resolve('example.com/team/rt:2')).manifestDigest).toBe(image.manifestDigest);
    // Saving twice gives the same bytes.
    const again = join(work, 'saved-again.tar');
    await saveArchive(source, ['rt:1', 'example.com/team/rt:2'], createWriteStream(again));
    expect(sha256Of(await readFile(again))).toBe(sha256Of(await readFile(archive)));
  });

  it('writes an archive skopeo reads as docker-archive, and loads what skopeo writes (docker-archive, OCI)', async () => {
    const source = await freshStore('skopeo-src');
    const image = await importRootfsTar(source, createReadStream(busyboxTar), { repoTag: 'sk:1' });
    const ours = join(work, 'ours.tar');
    await saveArchive(source, ['sk:1'], createWriteStream(ours));
    const dockerArchive = join(work, 'skopeo-docker.tar');
    const ociArchive = join(work, 'skopeo-oci.tar');
    await run('skopeo', [
      'copy',
      '-q',
      `docker-archive:${ours}`,
      `docker-archive:${dockerArchive}:other/sk:9`,
    ]);
    await run('skopeo', ['copy', '-q', `docker-archive:${ours}`, `oci-archive:${ociArchive}:sk:oci`]);

    const fromDocker = await freshStore('skopeo-docker');
    const loadedDocker = await loadArchive(fromDocker, createReadStream(dockerArchive));
    expect(loadedDocker.map((l) => l.tags)).toEqual([['docker.io/other/sk:9']]);
    expect(loadedDocker[0]!.image.chainIds).toEqual(image.chainIds);

    const fromOci = await freshStore('skopeo-oci');
    const loadedOci = await loadArchive(fromOci, createReadStream(ociArchive));
    expect(loadedOci.map((l) => l.tags)).toEqual([['docker.io/library/sk:oci']]);
    expect(loadedOci[0]!.image.chainIds).toEqual(image.chainIds);
    expect(await readdir(fromOci.layers.diffPath(image.chainIds[0]!))).toContain('bin');
  });

  it('rejects an archive whose blob does not match its name', async () => {
    const store = await freshStore('tampered');
    const pack = tar.pack();
    pack.entry({ name: `blobs/sha256/${'0'.repeat(64)}` }, 'not that');
    pack.entry({ name: 'index.json' }, JSON.stringify({ schemaVersion: 2, manifests: [] }));
    pack.finalize();
    await expect(loadArchive(store, pack as unknown as Readable)).rejects.toThrow(/digest mismatch/);
    expect(await store.blobs.list()).toEqual([]);
  });
});
