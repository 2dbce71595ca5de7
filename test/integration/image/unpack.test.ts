// Layer extraction against crafted tars: nothing may land outside the layer directory, whiteouts become
// overlay whiteouts, and ordinary metadata (modes, owners, times, links, devices) survives.

import { lstat, mkdir, mkdtemp, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import * as tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readXattrs } from '../../../src/engine/image/special-files.js';
import { unpackLayerTar } from '../../../src/engine/image/unpack.js';
import { sha256Of } from '../../../src/engine/image/digest.js';

async function buildTar(
  entries: Array<Partial<tar.Header> & { name: string; content?: string }>,
): Promise<Buffer> {
  const pack = tar.pack();
  for (const { content, ...header } of entries) {
    pack.entry({ mode: 0o644, mtime: new Date(1_700_000_000_000), ...header }, content ?? '');
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

let work: string;
let outside: string;
let counter = 0;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'berth-unpack-'));
  outside = join(work, 'outside');
  await mkdir(outside);
  await writeFile(join(outside, 'victim'), 'original');
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A fresh layer dir nested two levels deep, so `../..` from it lands in `work`. */
async function freshDest(): Promise<string> {
  const dest = join(work, 'layers', `l${counter++}`, 'diff');
  await mkdir(dest, { recursive: true });
  return dest;
}

async function unpack(entries: Parameters<typeof buildTar>[0], gzip = false) {
  const dest = await freshDest();
  const bytes = await buildTar(entries);
  const result = await unpackLayerTar(Readable.from([gzip ? gzipSync(bytes) : bytes]), dest);
  return { dest, result, bytes };
}

async function expectRejected(entries: Parameters<typeof buildTar>[0], message: RegExp): Promise<void> {
  const dest = await freshDest();
  await expect(unpackLayerTar(Readable.from([await buildTar(entries)]), dest)).rejects.toThrow(message);
  expect(await readFile(join(outside, 'victim'), 'utf8')).toBe('original');
  await expect(stat(join(work, 'escape'))).rejects.toThrow(/ENOENT/);
  await expect(stat(join(work, 'layers', 'escape'))).rejects.toThrow(/ENOENT/);
  await expect(stat(join(outside, 'x'))).rejects.toThrow(/ENOENT/);
}

describe('unpackLayerTar: hostile entries', () => {
  it('rejects ../escape', async () => {
    await expectRejected(
      [{ name: '../escape', content: 'x' }],
      /layer entry "\.\.\/escape" escapes the layer directory/,
    );
  });

  it('rejects an absolute name', async () => {
    await expectRejected([{ name: '/abs', content: 'x' }], /layer entry "\/abs" is an absolute path/);
  });

  it('rejects a/../../escape', async () => {
    await expectRejected(
      [
        { name: 'a/', type: 'directory', mode: 0o755 },
        { name: 'a/../../escape', content: 'x' },
      ],
      /layer entry "a\/\.\.\/\.\.\/escape" escapes the layer directory/,
    );
  });

  it('never follows a symlink planted by an earlier entry (absolute target)', async () => {
    await expectRejected(
      [
        { name: 'evil', type: 'symlink', linkname: outside },
        { name: 'evil/x', content: 'pwned' },
      ],
      /layer entry "evil\/x" goes through the symbolic link "evil"/,
    );
  });

  it('never follows a symlink to ../../ for a write', async () => {
    await expectRejected(
      [
        { name: 'up', type: 'symlink', linkname: '../../' },
        { name: 'up/escape', content: 'pwned' },
      ],
      /layer entry "up\/escape" goes through the symbolic link "up"/,
    );
  });

  it('replaces a final symlink instead of writing through it', async () => {
    const { dest } = await unpack([
      { name: 'victim', type: 'symlink', linkname: join(outside, 'victim') },
      { name: 'victim', content: 'inside' },
    ]);
    expect(await readFile(join(dest, 'victim'), 'utf8')).toBe('inside');
    expect((await lstat(join(dest, 'victim'))).isFile()).toBe(true);
    expect(await readFile(join(outside, 'victim'), 'utf8')).toBe('original');
  });

  it('rejects a hard link to /etc/passwd', async () => {
    await expectRejected(
      [{ name: 'pw', type: 'link', linkname: '/etc/passwd' }],
      /layer hard link "pw" points outside the layer/,
    );
  });

  it('rejects a hard link to ../outside', async () => {
    await expectRejected(
      [{ name: 'h', type: 'link', linkname: '../../../outside/victim' }],
      /layer hard link "h" points outside the layer/,
    );
  });

  it('rejects a hard link reached through a symlink', async () => {
    await expectRejected(
      [
        { name: 'out', type: 'symlink', linkname: outside },
        { name: 'h', type: 'link', linkname: 'out/victim' },
      ],
      /layer hard link "h" target "out\/victim" is not inside the layer/,
    );
  });

  it('rejects a whiteout written through a symlink', async () => {
    await expectRejected(
      [{ name: 'out', type: 'symlink', linkname: outside }, { name: 'out/.wh.victim' }],
      /goes through the symbolic link "out"/,
    );
  });

  it('drops deferred device nodes under a directory a later entry replaced by a symlink', async () => {
    const { dest } = await unpack([
      { name: 'd/', type: 'directory', mode: 0o755 },
      { name: 'd/x', type: 'fifo', mode: 0o644 },
      { name: 'd/.wh.y' },
      { name: 'd', type: 'symlink', linkname: outside },
    ]);
    expect(await readlink(join(dest, 'd'))).toBe(outside);
    await expect(lstat(join(outside, 'x'))).rejects.toThrow(/ENOENT/);
    await expect(lstat(join(outside, 'y'))).rejects.toThrow(/ENOENT/);
  });
});

describe('unpackLayerTar: contents and metadata', () => {
  it('keeps modes, owners, times, symlinks, hard links and devices, and reports the diffID', async () => {
    const mtime = new Date(1_600_000_000_000);
    const { dest, result, bytes } = await unpack(
      [
        { name: './', type: 'directory', mode: 0o755 },
        { name: './etc/', type: 'directory', mode: 0o750, uid: 1000, gid: 1001, mtime },
        { name: './etc/conf', content: 'hello', mode: 0o4755, uid: 1000, gid: 1001, mtime },
        { name: './etc/same', type: 'link', linkname: 'etc/conf' },
        { name: './etc/link', type: 'symlink', linkname: '/etc/conf', uid: 7, gid: 8 },
        { name: './dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
        { name: './fifo', type: 'fifo', mode: 0o600 },
        { name: './x', content: 'x', pax: { 'SCHILY.xattr.user.colour': 'blue' } },
      ],
      true,
    );
    expect(result.diffId).toBe(sha256Of(bytes));
    expect(result.size).toBe(6);
    const conf = await stat(join(dest, 'etc/conf'));
    expect(conf.mode & 0o7777).toBe(0o4755);
    expect([conf.uid, conf.gid]).toEqual([1000, 1001]);
    expect(conf.mtimeMs).toBe(mtime.getTime());
    expect(conf.nlink).toBe(2);
    const dir = await stat(join(dest, 'etc'));
    expect(dir.mode & 0o7777).toBe(0o750);
    expect(dir.mtimeMs).toBe(mtime.getTime());
    expect(await readlink(join(dest, 'etc/link'))).toBe('/etc/conf');
    expect((await lstat(join(dest, 'etc/link'))).uid).toBe(7);
    const dev = await lstat(join(dest, 'dev/null'));
    expect(dev.isCharacterDevice()).toBe(true);
    expect(dev.rdev).toBe(0x103);
    expect(dev.mode & 0o777).toBe(0o666);
    expect((await lstat(join(dest, 'fifo'))).isFIFO()).toBe(true);
    expect((await readXattrs([join(dest, 'x')], 'user.colour'))[0]?.toString()).toBe('blue');
  });

  it('turns .wh.name into a 0/0 char device and .wh..wh..opq into an opaque dir', async () => {
    const { dest } = await unpack([
      { name: 'gone/', type: 'directory', mode: 0o755 },
      { name: 'gone/.wh..wh..opq' },
      { name: 'a/.wh.b' },
      { name: '.wh.top' },
    ]);
    const whiteout = await lstat(join(dest, 'a/b'));
    expect(whiteout.isCharacterDevice()).toBe(true);
    expect(whiteout.rdev).toBe(0);
    expect((await lstat(join(dest, 'top'))).isCharacterDevice()).toBe(true);
    await expect(lstat(join(dest, 'a/.wh.b'))).rejects.toThrow(/ENOENT/);
    await expect(lstat(join(dest, 'gone/.wh..wh..opq'))).rejects.toThrow(/ENOENT/);
    const [opaque, none] = await readXattrs([join(dest, 'gone'), join(dest, 'a')], 'trusted.overlay.opaque');
    expect(opaque?.toString()).toBe('y');
    expect(none).toBeUndefined();
  });

  it('reads zstd layers (same diffID as the plain tar) and rejects corrupt zstd with a clear message', async () => {
    const bytes = await buildTar([{ name: 'z.txt', content: 'zstd layer\n' }]);
    const { stdout } = await execa('zstd', ['-q', '-c'], { input: bytes, encoding: 'buffer' });
    const dest = await freshDest();
    const result = await unpackLayerTar(Readable.from([Buffer.from(stdout)]), dest);
    expect(result.diffId).toBe(sha256Of(bytes));
    expect(await readFile(join(dest, 'z.txt'), 'utf8')).toBe('zstd layer\n');
    const zstdMagic = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]);
    await expect(unpackLayerTar(Readable.from([zstdMagic]), await freshDest())).rejects.toThrow(
      /layer: zstd failed/,
    );
  });
});
