// ADD's extras: local tar archives (plain, gzip, bzip2, xz — told by content) unpacked into the destination,
// hostile archives refused, and URL sources downloaded from a local HTTP server with --checksum verified.

import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  addInto,
  archiveKind,
  fetchUrlSource,
  isUrl,
  urlSource,
} from '../../../src/engine/build/context/add.js';
import { copyInto } from '../../../src/engine/build/context/copy.js';
import { resolveSources } from '../../../src/engine/build/context/sources.js';
import { makeTar } from '../../../src/engine/build/context/test-tar.js';

let base: string;
let ctx: string;
let rootfs: string;
let server: Server;
let origin: string;
const payload = Buffer.from('downloaded content\n');
const payloadDigest = `sha256:${createHash('sha256').update(payload).digest('hex')}`;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'berth-add-'));
  ctx = join(base, 'ctx');
  await mkdir(ctx);
  const tarball = await makeTar([
    { name: 'pkg/', type: 'directory', mode: 0o755 },
    { name: 'pkg/bin/tool', mode: 0o755, body: 'tool', uid: 1234, gid: 5678 },
    { name: 'pkg/link', type: 'symlink', linkname: 'bin/tool' },
  ]);
  await writeFile(join(ctx, 'plain.tar'), tarball);
  await writeFile(join(ctx, 'archive.tar.gz'), gzipSync(tarball));
  await writeFile(join(ctx, 'misnamed.bin'), gzipSync(tarball));
  await writeFile(join(ctx, 'archive.tar.bz2'), execFileSync('bzip2', ['-c'], { input: tarball }));
  await writeFile(join(ctx, 'archive.tar.xz'), execFileSync('xz', ['-c'], { input: tarball }));
  await writeFile(join(ctx, 'notatar.gz'), gzipSync(Buffer.from('just text, not a tar')));
  await writeFile(join(ctx, 'notes.txt'), 'notes');
  await writeFile(
    join(ctx, 'evil.tar'),
    await makeTar([
      { name: 'esc', type: 'symlink', linkname: '/' },
      { name: 'esc/berth-add-evil', body: 'x' },
    ]),
  );
  await writeFile(join(ctx, 'climb.tar'), await makeTar([{ name: '../../berth-add-evil', body: 'x' }]));

  server = createServer((request, response) => {
    if (request.url === '/files/tool.txt') {
      response.writeHead(200, { 'last-modified': new Date(1_600_000_000_000).toUTCString() });
      response.end(payload);
    } else {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(base, { recursive: true, force: true });
});
beforeEach(async () => {
  rootfs = join(base, `rootfs-${randomBytes(4).toString('hex')}`);
  await mkdir(rootfs);
});

describe('ADD of a local archive', () => {
  it('tells archives by content', async () => {
    expect(await archiveKind(join(ctx, 'plain.tar'))).toBe('tar');
    expect(await archiveKind(join(ctx, 'archive.tar.gz'))).toBe('gzip');
    expect(await archiveKind(join(ctx, 'misnamed.bin'))).toBe('gzip');
    expect(await archiveKind(join(ctx, 'archive.tar.bz2'))).toBe('bzip2');
    expect(await archiveKind(join(ctx, 'archive.tar.xz'))).toBe('xz');
    expect(await archiveKind(join(ctx, 'notatar.gz'))).toBeUndefined();
    expect(await archiveKind(join(ctx, 'notes.txt'))).toBeUndefined();
  });

  for (const name of ['plain.tar', 'archive.tar.gz', 'archive.tar.bz2', 'archive.tar.xz']) {
    it(`unpacks ${name} into the destination, keeping the archive's owners`, async () => {
      await addInto(rootfs, await resolveSources(ctx, [name]), '/opt', { workdir: '/', tmpDir: base });
      expect(await readFile(join(rootfs, 'opt/pkg/bin/tool'), 'utf8')).toBe('tool');
      const tool = await stat(join(rootfs, 'opt/pkg/bin/tool'));
      expect([tool.uid, tool.gid, tool.mode & 0o7777]).toEqual([1234, 5678, 0o755]);
      expect(await readlink(join(rootfs, 'opt/pkg/link'))).toBe('bin/tool');
    });
  }

  it('copies what is not an archive, and applies --chown to unpacked files', async () => {
    await addInto(rootfs, await resolveSources(ctx, ['notatar.gz', 'archive.tar.gz', 'notes.txt']), '/d', {
      workdir: '/',
      tmpDir: base,
      chown: { uid: 7, gid: 8 },
    });
    expect(await readFile(join(rootfs, 'd/notes.txt'), 'utf8')).toBe('notes');
    expect((await stat(join(rootfs, 'd/notatar.gz'))).size).toBeGreaterThan(0);
    const tool = await stat(join(rootfs, 'd/pkg/bin/tool'));
    expect([tool.uid, tool.gid]).toEqual([7, 8]);
  });

  it('refuses archives that would write outside', async () => {
    for (const name of ['evil.tar', 'climb.tar']) {
      await expect(
        addInto(rootfs, await resolveSources(ctx, [name]), '/x/', { workdir: '/', tmpDir: base }),
      ).rejects.toThrow(/symbolic link|leaves the archive/);
    }
    await expect(lstat(join('/', 'berth-add-evil'))).rejects.toThrow();
    await expect(lstat(join(base, 'berth-add-evil'))).rejects.toThrow();
    expect((await readdir(base)).filter((name) => name.startsWith('add-archive-'))).toEqual([]);
  });
});

describe('ADD of a URL', () => {
  it('recognises URLs', () => {
    expect(isUrl('https://example.com/x')).toBe(true);
    expect(isUrl('HTTP://example.com/x')).toBe(true);
    expect(isUrl('git@github.com:x/y')).toBe(false);
    expect(isUrl('files/x')).toBe(false);
  });

  it('downloads with a matching checksum, as a 0600 file named after the URL path', async () => {
    const url = `${origin}/files/tool.txt`;
    const fetched = await fetchUrlSource(url, base, payloadDigest);
    expect(fetched.digest).toBe(payloadDigest);
    expect(fetched.name).toBe('tool.txt');
    await copyInto(rootfs, [await urlSource(url, fetched)], '/downloads/', { workdir: '/' });
    const info = await stat(join(rootfs, 'downloads/tool.txt'));
    expect([info.mode & 0o7777, info.mtime.getTime()]).toEqual([0o600, 1_600_000_000_000]);
    expect(await readFile(join(rootfs, 'downloads/tool.txt'))).toEqual(payload);
    await copyInto(rootfs, [await urlSource(url, fetched)], '/etc/renamed', { workdir: '/' });
    expect(await readFile(join(rootfs, 'etc/renamed'))).toEqual(payload);
    await rm(join(fetched.path, '..'), { recursive: true });
  });

  it('refuses a wrong checksum, naming the URL and both digests, and keeps nothing', async () => {
    const url = `${origin}/files/tool.txt`;
    const wrong = `sha256:${'0'.repeat(64)}`;
    const before = await readdir(base);
    await expect(fetchUrlSource(url, base, wrong)).rejects.toThrow(
      `ADD failed: checksum of ${url} does not match: expected ${wrong}, got ${payloadDigest}`,
    );
    expect(await readdir(base)).toEqual(before);
    await expect(fetchUrlSource(url, base, 'md5:abc')).rejects.toThrow(/only sha256/);
    await expect(fetchUrlSource(`${origin}/missing`, base)).rejects.toThrow(/HTTP 404/);
  });
});
