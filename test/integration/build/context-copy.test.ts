// COPY into a root filesystem (a plain directory standing for a build container's rootfs): Docker's
// destination rules, --chown/--chmod (root only: files are given other owners), hard links, and symlinks
// already in the rootfs that must never lead the copy onto the host.

import { randomBytes } from 'node:crypto';
import {
  chmod,
  link,
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { copyInto, resolveChown } from '../../../src/engine/build/context/copy.js';
import { resolveSources } from '../../../src/engine/build/context/sources.js';

let base: string;
let ctx: string;
let rootfs: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'berth-copy-'));
  ctx = join(base, 'ctx');
  await mkdir(join(ctx, 'app/sub'), { recursive: true });
  await writeFile(join(ctx, 'one.txt'), 'one');
  await writeFile(join(ctx, 'two.txt'), 'two');
  await writeFile(join(ctx, 'run.sh'), '#!/bin/sh\n');
  await chmod(join(ctx, 'run.sh'), 0o750);
  await utimes(join(ctx, 'run.sh'), 1_000_000, 1_000_000);
  await writeFile(join(ctx, 'app/index.js'), 'index');
  await writeFile(join(ctx, 'app/sub/deep.js'), 'deep');
  await link(join(ctx, 'app/index.js'), join(ctx, 'app/sub/hard.js'));
  await symlink('index.js', join(ctx, 'app/alias.js'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

beforeEach(async () => {
  rootfs = join(base, `rootfs-${randomBytes(4).toString('hex')}`);
  await mkdir(join(rootfs, 'etc'), { recursive: true });
  await mkdir(join(rootfs, 'usr/lib'), { recursive: true });
  await writeFile(
    join(rootfs, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1001::/home/node:/bin/sh\n',
  );
  await writeFile(join(rootfs, 'etc/group'), 'root:x:0:\nnode:x:1001:\nstaff:x:50:node\n');
  await symlink('usr/lib', join(rootfs, 'lib'));
});

const sources = (...patterns: string[]) => resolveSources(ctx, patterns);

describe('copyInto', () => {
  it('copies a single file to a new name, relative to WORKDIR, creating parents', async () => {
    await copyInto(rootfs, await sources('one.txt'), 'conf/renamed.txt', { workdir: '/srv' });
    expect(await readFile(join(rootfs, 'srv/conf/renamed.txt'), 'utf8')).toBe('one');
    const info = await stat(join(rootfs, 'srv/conf'));
    expect([info.uid, info.gid, info.mode & 0o7777]).toEqual([0, 0, 0o755]);
  });

  it('copies into a directory when dest ends in `/`, exists as a directory, or there are several sources', async () => {
    await copyInto(rootfs, await sources('one.txt'), '/dir/', { workdir: '/' });
    expect(await readFile(join(rootfs, 'dir/one.txt'), 'utf8')).toBe('one');
    await copyInto(rootfs, await sources('two.txt'), '/dir', { workdir: '/' });
    expect(await readFile(join(rootfs, 'dir/two.txt'), 'utf8')).toBe('two');
    await copyInto(rootfs, await sources('*.txt'), 'many', { workdir: '/w' });
    expect(await readFile(join(rootfs, 'w/many/one.txt'), 'utf8')).toBe('one');
    expect(await readFile(join(rootfs, 'w/many/two.txt'), 'utf8')).toBe('two');
    await copyInto(rootfs, await sources('one.txt'), '.', { workdir: '/w2' });
    expect(await readFile(join(rootfs, 'w2/one.txt'), 'utf8')).toBe('one');
  });

  it("copies a directory's contents, keeping modes, mtimes, symlinks and hard links, owned by root", async () => {
    await copyInto(rootfs, await sources('app', 'run.sh'), '/opt/app', { workdir: '/' });
    expect(await readFile(join(rootfs, 'opt/app/sub/deep.js'), 'utf8')).toBe('deep');
    expect(await readlink(join(rootfs, 'opt/app/alias.js'))).toBe('index.js');
    const a = await stat(join(rootfs, 'opt/app/index.js'));
    const b = await stat(join(rootfs, 'opt/app/sub/hard.js'));
    expect(b.ino).toBe(a.ino);
    const run = await stat(join(rootfs, 'opt/app/run.sh'));
    expect([run.uid, run.gid, run.mode & 0o7777, run.mtime.getTime()]).toEqual([0, 0, 0o750, 1_000_000_000]);
  });

  it('applies --chown (names from the rootfs) and --chmod, created parents owned by the user', async () => {
    const owner = await resolveChown(rootfs, 'node:staff');
    expect(owner).toEqual({ uid: 1000, gid: 50 });
    expect(await resolveChown(rootfs, 'node')).toEqual({ uid: 1000, gid: 1000 });
    expect(await resolveChown(rootfs, '42:43')).toEqual({ uid: 42, gid: 43 });
    await expect(resolveChown(rootfs, 'nobody-here')).rejects.toThrow(/unable to find user nobody-here/);
    await copyInto(rootfs, await sources('app'), '/home/node/app/', {
      workdir: '/',
      chown: owner,
      chmod: 0o640,
    });
    for (const rel of ['home', 'home/node', 'home/node/app']) {
      const info = await stat(join(rootfs, rel));
      expect([rel, info.uid, info.gid]).toEqual([rel, 1000, 50]);
    }
    const file = await stat(join(rootfs, 'home/node/app/sub/deep.js'));
    expect([file.uid, file.gid, file.mode & 0o7777]).toEqual([1000, 50, 0o640]);
    const dir = await stat(join(rootfs, 'home/node/app/sub'));
    expect([dir.uid, dir.gid, dir.mode & 0o7777]).toEqual([1000, 50, 0o640]);
    const alias = await lstat(join(rootfs, 'home/node/app/alias.js'));
    expect([alias.isSymbolicLink(), alias.uid, alias.gid]).toEqual([true, 1000, 50]);
  });

  it('follows symlinks of the rootfs inside the rootfs, never onto the host', async () => {
    const marker = `berth-copy-${randomBytes(6).toString('hex')}`;
    await symlink('/', join(rootfs, 'to-root'));
    await symlink('../../../../../../../..', join(rootfs, 'up'));
    await symlink(`/${marker}-file`, join(rootfs, 'abs-file'));
    await copyInto(rootfs, await sources('one.txt'), `/to-root/${marker}/`, { workdir: '/' });
    await copyInto(rootfs, await sources('two.txt'), `/up/${marker}/`, { workdir: '/' });
    await copyInto(rootfs, await sources('app'), `/up/${marker}/app`, { workdir: '/' });
    expect(await readFile(join(rootfs, marker, 'one.txt'), 'utf8')).toBe('one');
    expect(await readFile(join(rootfs, marker, 'two.txt'), 'utf8')).toBe('two');
    expect(await readFile(join(rootfs, marker, 'app/index.js'), 'utf8')).toBe('index');
    // a final symlink is replaced, not written through
    await copyInto(rootfs, await sources('one.txt'), '/abs-file', { workdir: '/' });
    expect((await lstat(join(rootfs, 'abs-file'))).isFile()).toBe(true);
    for (const name of [marker, `${marker}-file`]) {
      await expect(lstat(join(tmpdir(), name))).rejects.toThrow();
      await expect(lstat(join('/', name))).rejects.toThrow();
    }
    // an existing directory symlink (usr-merge /lib) is followed inside the rootfs
    await copyInto(rootfs, await sources('one.txt'), '/lib/', { workdir: '/' });
    expect(await readFile(join(rootfs, 'usr/lib/one.txt'), 'utf8')).toBe('one');
  });

  it("replaces a link to a file by a directory, leaving the link's target alone", async () => {
    await writeFile(join(rootfs, 'target-file'), 'keep me');
    await mkdir(join(rootfs, 'opt2'));
    await symlink('/target-file', join(rootfs, 'opt2/sub'));
    await copyInto(rootfs, await sources('app'), '/opt2', { workdir: '/' });
    expect(await readFile(join(rootfs, 'target-file'), 'utf8')).toBe('keep me');
    expect(await readFile(join(rootfs, 'opt2/sub/deep.js'), 'utf8')).toBe('deep');
  });

  it('refuses to create a directory where the rootfs has a file', async () => {
    await writeFile(join(rootfs, 'plain'), 'x');
    await expect(copyInto(rootfs, await sources('one.txt'), '/plain/x/', { workdir: '/' })).rejects.toThrow(
      /\/plain exists in the image and is not a directory/,
    );
  });
});
