import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobStore } from './blob-store.js';
import { sha256Of } from './digest.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'berth-blobs-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('BlobStore', () => {
  it('stores by digest, verifies an expected digest before the blob is visible, and deletes', async () => {
    const blobs = new BlobStore(root);
    const digest = sha256Of('hello');
    expect(await blobs.ingest(Readable.from([Buffer.from('hel'), Buffer.from('lo')]), digest)).toEqual({
      digest,
      size: 5,
    });
    expect(await blobs.has(digest)).toBe(true);
    expect(await blobs.size(digest)).toBe(5);
    expect((await blobs.read(digest)).toString()).toBe('hello');
    const chunks: Buffer[] = [];
    for await (const chunk of await blobs.open(digest)) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('hello');

    const wrong = sha256Of('other');
    await expect(blobs.ingest(Buffer.from('hello!'), wrong)).rejects.toThrow(
      `digest mismatch: expected ${wrong}, got ${sha256Of('hello!')}`,
    );
    expect(await blobs.has(wrong)).toBe(false);
    expect(await blobs.list()).toEqual([digest]);
    expect(await readdir(join(root, 'tmp'))).toEqual([]);

    expect(await blobs.delete(digest)).toBe(true);
    await expect(blobs.open(digest)).rejects.toMatchObject({ code: 'NotFound' });
    await expect(blobs.ingest(Buffer.from('x'), 'md5:abc' as `sha256:${string}`)).rejects.toMatchObject({
      code: 'InvalidArgument',
    });
  });
});
