// The volume store against the real filesystem: records, in-use refusal, prune, copy-up, nocopy, tmpfs and bind
// volumes, subpath escapes. Each run uses its own temp root and leaves no mounts or dirs behind.

import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  statfsSync,
  symlinkSync,
  linkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VolumeStore } from '../../../src/engine/volume/index.js';
import { prepareBindSources } from '../../../src/engine/volume/bind-sources.js';
import { translateMounts } from '../../../src/engine/volume/mount-spec.js';

let base: string;
let root: string;
const users = new Map<string, string[]>();
let store: VolumeStore;

function mountedUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((point) => point.startsWith(dir));
}

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'berth-volume-'));
  root = join(base, 'root');
  store = new VolumeStore({
    root,
    usersOf: (name) => users.get(name) ?? [],
    clock: () => new Date('2026-01-02T03:04:05.678Z'),
  });
});

afterAll(() => {
  for (const point of mountedUnder(base).reverse()) execFileSync('umount', ['-l', point]);
  rmSync(base, { recursive: true, force: true });
  expect(mountedUnder(base)).toEqual([]);
  expect(existsSync(base)).toBe(false);
});

describe('volume store', () => {
  it('creates, inspects and lists a named volume', async () => {
    const created = await store.create({ name: 'data', labels: { app: 'web' } });
    expect(created).toEqual({
      Name: 'data',
      Driver: 'local',
      Mountpoint: join(root, 'volumes', 'data', '_data'),
      CreatedAt: '2026-01-02T03:04:05Z',
      Labels: { app: 'web' },
      Options: {},
      Scope: 'local',
      populated: false,
    });
    expect(statSync(created.Mountpoint).isDirectory()).toBe(true);
    expect(await store.inspect('data')).toEqual(created);
    expect((await store.list()).map((v) => v.Name)).toEqual(['data']);
    await expect(store.inspect('nope')).rejects.toThrow('get nope: no such volume');
  });

  it('is idempotent for the same options and conflicts on different ones', async () => {
    await store.create({ name: 'opts', options: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' } });
    const again = await store.create({
      name: 'opts',
      options: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' },
    });
    expect(again.Options).toEqual({ type: 'tmpfs', device: 'tmpfs', o: 'size=1m' });
    await expect(
      store.create({ name: 'opts', options: { type: 'tmpfs', device: 'tmpfs', o: 'size=2m' } }),
    ).rejects.toMatchObject({ code: 'Conflict' });
    await expect(store.create({ name: 'bad/name' })).rejects.toMatchObject({ code: 'InvalidArgument' });
    await store.remove('opts');
  });

  it('generates names for anonymous volumes and filters the list', async () => {
    const anon = await store.create({});
    expect(anon.Name).toMatch(/^[0-9a-f]{64}$/);
    expect(anon.Labels).toEqual({ 'com.docker.volume.anonymous': '' });
    users.set('data', ['c1']);
    expect((await store.list({ dangling: true })).map((v) => v.Name)).toEqual([anon.Name]);
    expect((await store.list({ dangling: false })).map((v) => v.Name)).toEqual(['data']);
    expect((await store.list({ label: ['app=web'] })).map((v) => v.Name)).toEqual(['data']);
    expect((await store.list({ label: ['app=db'] })).map((v) => v.Name)).toEqual([]);
    expect((await store.list({ name: ['dat'] })).map((v) => v.Name)).toEqual(['data']);
  });

  it('refuses to remove a volume in use, naming the container', async () => {
    users.set('data', ['c1', 'c2']);
    await expect(store.remove('data')).rejects.toThrow('remove data: volume is in use - [c1, c2]');
    await expect(store.remove('data')).rejects.toMatchObject({ code: 'Conflict' });
    await expect(store.remove('ghost')).rejects.toMatchObject({ code: 'NotFound' });
    await store.remove('ghost', { force: true });
  });

  it('prunes anonymous volumes only unless all, honouring labels and use', async () => {
    await store.create({ name: 'named-free', labels: { keep: 'no' } });
    await store.create({ name: 'named-keep', labels: { keep: 'yes' } });
    const anon = (await store.list({ label: ['com.docker.volume.anonymous'] }))[0]?.Name ?? '';
    writeFileSync(join(store.dataDir(anon), 'f'), 'x'.repeat(5000));
    const first = await store.prune();
    expect(first.VolumesDeleted).toEqual([anon]);
    expect(first.SpaceReclaimed).toBeGreaterThanOrEqual(5000);
    expect(existsSync(join(root, 'volumes', anon))).toBe(false);
    const second = await store.prune({ all: true, labelNot: ['keep=yes'] });
    expect(second.VolumesDeleted).toEqual(['named-free']);
    const third = await store.prune({ all: true, label: ['keep'] });
    expect(third.VolumesDeleted).toEqual(['named-keep']);
    expect((await store.list()).map((v) => v.Name)).toEqual(['data']); // in use, kept
    users.delete('data');
    await store.remove('data');
    expect(existsSync(join(root, 'volumes', 'data'))).toBe(false);
  });

  it('copies image content up once, keeping owners, modes, symlinks and hard links', async () => {
    const image = join(base, 'rootfs', 'srv');
    mkdirSync(join(image, 'sub'), { recursive: true });
    writeFileSync(join(image, 'owned'), 'hello');
    chownSync(join(image, 'owned'), 1234, 5678);
    chmodSync(join(image, 'owned'), 0o640);
    chmodSync(join(image, 'sub'), 0o711);
    chownSync(image, 42, 43);
    chmodSync(image, 0o750);
    symlinkSync('../etc/passwd', join(image, 'link'));
    linkSync(join(image, 'owned'), join(image, 'hard'));
    const vol = await store.create({ name: 'copy' });
    const mountpoint = await store.mount('copy');
    expect(await store.populateFromImage('copy', image)).toBe(true);
    const owned = lstatSync(join(mountpoint, 'owned'));
    expect([owned.uid, owned.gid, owned.mode & 0o7777]).toEqual([1234, 5678, 0o640]);
    expect(lstatSync(join(mountpoint, 'sub')).mode & 0o7777).toBe(0o711);
    const top = lstatSync(mountpoint);
    expect([top.uid, top.gid, top.mode & 0o7777]).toEqual([42, 43, 0o750]);
    expect(readlinkSync(join(mountpoint, 'link'))).toBe('../etc/passwd');
    expect(lstatSync(join(mountpoint, 'hard')).ino).toBe(owned.ino);
    expect((await store.inspect('copy')).populated).toBe(true);
    // Emptied by the user: still never copied again.
    rmSync(join(mountpoint, 'owned'));
    rmSync(join(mountpoint, 'hard'));
    rmSync(join(mountpoint, 'link'));
    rmSync(join(mountpoint, 'sub'), { recursive: true });
    expect(await store.populateFromImage('copy', image)).toBe(false);
    expect(existsSync(join(mountpoint, 'owned'))).toBe(false);
    await store.release('copy');
    expect(vol.Name).toBe('copy');
  });

  it('skips copy-up with nocopy, and into a non-empty volume', async () => {
    const image = join(base, 'rootfs', 'srv');
    await store.create({ name: 'nocopy' });
    expect(await store.populateFromImage('nocopy', image, { noCopy: true })).toBe(false);
    expect((await store.inspect('nocopy')).populated).toBe(false);
    writeFileSync(join(store.dataDir('nocopy'), 'mine'), 'x');
    expect(await store.populateFromImage('nocopy', image)).toBe(false);
    expect(existsSync(join(store.dataDir('nocopy'), 'owned'))).toBe(false);
    await store.remove('nocopy');
  });

  it('mounts a tmpfs volume with its size on first use and unmounts on the last release', async () => {
    await store.create({
      name: 'scratch',
      options: { type: 'tmpfs', device: 'tmpfs', o: 'size=2m,mode=0700' },
    });
    const point = await store.mount('scratch');
    expect(await store.mount('scratch')).toBe(point);
    expect(mountedUnder(point)).toEqual([point]);
    const fs = statfsSync(point);
    expect(fs.blocks * fs.bsize).toBe(2 * 1024 * 1024);
    expect(statSync(point).mode & 0o7777).toBe(0o700);
    writeFileSync(join(point, 'tmp'), 'x');
    await store.release('scratch');
    expect(mountedUnder(point)).toEqual([point]); // one user left
    await store.release('scratch');
    expect(mountedUnder(point)).toEqual([]);
    expect(existsSync(join(point, 'tmp'))).toBe(false);
    await store.remove('scratch');
  });

  it('binds a host dir with type=none o=bind, and names a missing device', async () => {
    const host = join(base, 'hostdir');
    mkdirSync(host);
    writeFileSync(join(host, 'from-host'), 'hi');
    await store.create({ name: 'hostbind', options: { type: 'none', o: 'bind', device: host } });
    const point = await store.mount('hostbind');
    expect(readFileSync(join(point, 'from-host'), 'utf8')).toBe('hi');
    await store.release('hostbind');
    expect(mountedUnder(point)).toEqual([]);
    await store.remove('hostbind');
    expect(existsSync(join(host, 'from-host'))).toBe(true); // the host dir is never deleted
    // A mount left by an earlier engine run (a fresh store has no counts): remove unmounts, never deletes host data.
    await store.create({ name: 'leftover', options: { type: 'none', o: 'bind', device: host } });
    await store.mount('leftover');
    const restarted = new VolumeStore({ root });
    await restarted.remove('leftover');
    expect(mountedUnder(join(root, 'volumes', 'leftover'))).toEqual([]);
    expect(readFileSync(join(host, 'from-host'), 'utf8')).toBe('hi');
    const missing = join(base, 'missing');
    await store.create({ name: 'nobind', options: { type: 'none', o: 'bind', device: missing } });
    await expect(store.mount('nobind')).rejects.toThrow(
      `mount volume nobind: bind device does not exist: ${missing}`,
    );
    expect(store.mountCount('nobind')).toBe(0);
    await store.remove('nobind');
  });

  it('resolves subpaths and refuses escapes', async () => {
    await store.create({ name: 'sub' });
    const data = store.dataDir('sub');
    mkdirSync(join(data, 'a', 'b'), { recursive: true });
    symlinkSync('/etc', join(data, 'out'));
    symlinkSync('a/b', join(data, 'in'));
    expect(await store.resolveSubpath('sub', 'a/b')).toBe(join(data, 'a', 'b'));
    expect(await store.resolveSubpath('sub', 'in')).toBe(join(data, 'a', 'b'));
    await expect(store.resolveSubpath('sub', 'out')).rejects.toThrow(
      'subpath "out" of volume sub: resolves outside the volume',
    );
    await expect(store.resolveSubpath('sub', '../x')).rejects.toThrow('must not contain ".."');
    await expect(store.resolveSubpath('sub', '/etc')).rejects.toThrow('must be a relative path');
    await expect(store.resolveSubpath('sub', 'nope')).rejects.toThrow('does not exist in the volume');
    await store.remove('sub');
  });

  it('creates short-syntax bind sources and refuses missing long-syntax ones', async () => {
    const short = join(base, 'short', 'dir');
    await prepareBindSources(translateMounts({ binds: [`${short}:/x`] }));
    expect(statSync(short).isDirectory()).toBe(true);
    const long = join(base, 'long');
    await expect(
      prepareBindSources(translateMounts({ mounts: [{ Type: 'bind', Source: long, Target: '/x' }] })),
    ).rejects.toThrow(`invalid mount config for type "bind": bind source path does not exist: ${long}`);
    expect(existsSync(long)).toBe(false);
  });
});
