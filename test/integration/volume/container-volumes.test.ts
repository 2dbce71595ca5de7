// Volumes, binds and tmpfs in real runc containers through the engine's API: data shared through a named
// volume, copy-up from the image once, anonymous volumes and `rm -v`, restarts reusing the same volume,
// read-only binds, missing bind sources, tmpfs size and freshness, VolumesFrom, subpaths, in-use refusal,
// data surviving an engine restart, and no mount left behind (the fixture's cleanup checks).

import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBerthError } from '../../../src/shared/errors.js';
import type { ContainerInspect } from '../../../src/engine/api/containers.js';
import { startContainerEngine, type ContainerEngine } from '../container/fixture.js';
import { VOLUME_IMAGE, importVolumeImage } from './images.js';

let e: ContainerEngine;
const sh = (script: string) => ['sh', '-c', script];

async function inspect(id: string): Promise<ContainerInspect> {
  return e.client.requestJson<ContainerInspect>({ path: `/containers/${id}/json` });
}

async function volumeNames(): Promise<string[]> {
  const list = await e.client.listVolumes();
  return list.Volumes.map((v) => v.Name);
}

async function failure(action: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await action;
  } catch (error) {
    if (isBerthError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a failure');
}

function mountedUnder(dir: string): Promise<string[]> {
  return readFile('/proc/self/mountinfo', 'utf8').then((text) =>
    text
      .split('\n')
      .map((line) => line.split(' ')[4] ?? '')
      .filter((point) => point.startsWith(dir)),
  );
}

beforeAll(async () => {
  e = await startContainerEngine();
  await importVolumeImage(e.engine.services.images, e.dir);
});

afterAll(async () => {
  await e?.cleanup();
});

describe('volumes in containers', () => {
  it('shares data through a named volume from one container to the next', async () => {
    const writer = await e.run({
      Cmd: sh('echo hello > /data/note'),
      HostConfig: { Binds: ['shared:/data'] },
    });
    expect(writer.exitCode).toBe(0);
    const reader = await e.run({ Cmd: sh('cat /data/note'), HostConfig: { Binds: ['shared:/data:ro'] } });
    expect(await e.logs(reader.id)).toBe('hello\n');
    const volume = await e.client.inspectVolume('shared');
    expect(volume).toMatchObject({
      Name: 'shared',
      Driver: 'local',
      Scope: 'local',
      Labels: {},
      Options: {},
    });
    expect((await inspect(reader.id)).Mounts).toEqual([
      {
        Type: 'volume',
        Name: 'shared',
        Source: volume.Mountpoint,
        Destination: '/data',
        Driver: 'local',
        Mode: 'ro',
        RW: false,
        Propagation: '',
      },
    ]);
    expect(await readFile(path.join(volume.Mountpoint, 'note'), 'utf8')).toBe('hello\n');
  });

  it('fills a fresh volume from the image once, keeping owners, modes and links', async () => {
    const first = await e.run({
      Image: VOLUME_IMAGE,
      Cmd: sh(
        'stat -c "%u:%g %a" /data/owned.txt /data/private; readlink /data/link; cat /data/link; rm /data/owned.txt',
      ),
      HostConfig: { Binds: ['filled:/data'] },
    });
    expect(first.exitCode).toBe(0);
    expect(await e.logs(first.id)).toBe('1000:1000 640\n0:0 700\nowned.txt\nfrom the image\n');
    // Not repeated: the file removed by the first container does not come back.
    const second = await e.run({
      Image: VOLUME_IMAGE,
      Cmd: sh('ls /data'),
      HostConfig: { Binds: ['filled:/data'] },
    });
    expect((await e.logs(second.id)).split('\n').filter(Boolean).sort()).toEqual(['link', 'private']);
    // nocopy leaves a fresh volume empty.
    const empty = await e.run({
      Image: VOLUME_IMAGE,
      Cmd: sh('ls -A /data | wc -l'),
      HostConfig: { Binds: ['untouched:/data:nocopy'] },
    });
    expect((await e.logs(empty.id)).trim()).toBe('0');
  });

  it('gives an image VOLUME an anonymous volume, reused on restart, removed only by rm -v', async () => {
    const { id } = await e.run({
      Image: VOLUME_IMAGE,
      Cmd: sh('cat /data/owned.txt; echo run >> /data/runs'),
    });
    const [mount] = (await inspect(id)).Mounts;
    expect(mount).toMatchObject({ Type: 'volume', Destination: '/data', Driver: 'local', RW: true });
    const name = mount?.Name ?? '';
    expect(name).toMatch(/^[0-9a-f]{64}$/);
    expect((await e.client.inspectVolume(name)).Labels).toEqual({ 'com.docker.volume.anonymous': '' });
    expect(await e.logs(id)).toBe('from the image\n');

    // A second run of the same container sees what the first wrote: the same volume backs /data.
    const waiting = e.client.stream({
      method: 'POST',
      path: `/containers/${id}/wait`,
      query: { condition: 'next-exit' },
    });
    const response = await waiting;
    await e.client.request({ method: 'POST', path: `/containers/${id}/start` });
    for await (const chunk of response) void chunk;
    expect((await inspect(id)).Mounts[0]?.Name).toBe(name);
    const runs = await readFile(path.join((await e.client.inspectVolume(name)).Mountpoint, 'runs'), 'utf8');
    expect(runs.trim().split('\n')).toHaveLength(2);

    // rm without -v keeps it; rm -v removes a container's anonymous volumes but never a named one.
    await e.client.request({ method: 'DELETE', path: `/containers/${id}` });
    expect(await volumeNames()).toContain(name);
    const other = await e.run({ Image: VOLUME_IMAGE, Cmd: ['true'], HostConfig: { Binds: ['kept:/kept'] } });
    const otherAnonymous =
      (await inspect(other.id)).Mounts.find((m) => m.Destination === '/data')?.Name ?? '';
    await e.client.request({ method: 'DELETE', path: `/containers/${other.id}`, query: { v: 1 } });
    const names = await volumeNames();
    expect(names).not.toContain(otherAnonymous);
    expect(names).toContain('kept');
    expect(names).toContain(name);
    await e.client.removeVolume(name);
  });

  it('removes the anonymous volumes of an auto-remove container with it', async () => {
    const before = await volumeNames();
    const { exitCode } = await e.run({
      Image: VOLUME_IMAGE,
      Cmd: ['true'],
      HostConfig: { AutoRemove: true, Binds: ['/scratch'] },
    });
    expect(exitCode).toBe(0);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await volumeNames()).length !== before.length) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await volumeNames()).sort()).toEqual(before.sort());
  });

  it('binds host directories read-write and read-only; short syntax makes a missing source', async () => {
    const host = path.join(e.dir, 'host-rw');
    await mkdir(host);
    await writeFile(path.join(host, 'in.txt'), 'from host\n');
    const rw = await e.run({
      Cmd: sh('cat /x/in.txt; echo from container > /x/out.txt'),
      HostConfig: { Binds: [`${host}:/x`] },
    });
    expect(await e.logs(rw.id)).toBe('from host\n');
    expect(await readFile(path.join(host, 'out.txt'), 'utf8')).toBe('from container\n');
    expect((await inspect(rw.id)).Mounts).toEqual([
      { Type: 'bind', Source: host, Destination: '/x', Mode: '', RW: true, Propagation: 'rprivate' },
    ]);

    const ro = await e.run({
      Cmd: sh('cat /x/in.txt; touch /x/new 2>/dev/null && echo wrote || echo refused'),
      HostConfig: { Binds: [`${host}:/x:ro`] },
    });
    expect(await e.logs(ro.id)).toBe('from host\nrefused\n');
    await expect(stat(path.join(host, 'new'))).rejects.toThrow();

    const made = path.join(e.dir, 'made-by-start', 'deep');
    const short = await e.run({ Cmd: sh('test -d /m && echo dir'), HostConfig: { Binds: [`${made}:/m`] } });
    expect(await e.logs(short.id)).toBe('dir\n');
    expect((await stat(made)).isDirectory()).toBe(true);
  });

  it('fails a long-syntax bind of a missing path at create, naming it', async () => {
    const missing = path.join(e.dir, 'not-there');
    const error = await failure(
      e.create({ Cmd: ['true'], HostConfig: { Mounts: [{ Type: 'bind', Source: missing, Target: '/m' }] } }),
    );
    expect(error).toEqual({
      code: 'InvalidArgument',
      message: `invalid mount config for type "bind": bind source path does not exist: ${missing}`,
    });
    await expect(stat(missing)).rejects.toThrow();
  });

  it('gives an empty tmpfs at each start that honours its size', async () => {
    const id = await e.create({
      Cmd: sh(
        'ls -A /t | wc -l; touch /t/marker; dd if=/dev/zero of=/t/big bs=1024 count=2048 2>/dev/null && echo fit || echo full',
      ),
      HostConfig: { Mounts: [{ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1024 * 1024 } }] },
    });
    for (let run = 0; run < 2; run++) {
      const waiting = await e.client.stream({
        method: 'POST',
        path: `/containers/${id}/wait`,
        query: { condition: 'next-exit' },
      });
      await e.client.request({ method: 'POST', path: `/containers/${id}/start` });
      for await (const chunk of waiting) void chunk;
    }
    expect(await e.logs(id)).toBe('0\nfull\n0\nfull\n');
    expect((await inspect(id)).Mounts).toEqual([
      { Type: 'tmpfs', Source: '', Destination: '/t', Mode: '', RW: true, Propagation: '' },
    ]);
  });

  it('copies the mounts of another container with VolumesFrom, read-only when asked', async () => {
    const source = await e.run({
      Cmd: sh('echo shared-data > /vf/file'),
      HostConfig: { Binds: ['vf-data:/vf'] },
    });
    const { id } = await e.run({
      Cmd: sh('cat /vf/file; touch /vf/other 2>/dev/null && echo wrote || echo refused'),
      HostConfig: { VolumesFrom: [`${source.id}:ro`] },
    });
    expect(await e.logs(id)).toBe('shared-data\nrefused\n');
    const error = await failure(e.create({ Cmd: ['true'], HostConfig: { VolumesFrom: ['nobody-here'] } }));
    expect(error.code).toBe('NotFound');
  });

  it('mounts a subpath of a volume', async () => {
    await e.run({
      Cmd: sh('mkdir -p /v/sub && echo inner > /v/sub/f'),
      HostConfig: { Binds: ['sub-vol:/v'] },
    });
    const { id } = await e.run({
      Cmd: sh('ls /s; cat /s/f'),
      HostConfig: {
        Mounts: [{ Type: 'volume', Source: 'sub-vol', Target: '/s', VolumeOptions: { Subpath: 'sub' } }],
      },
    });
    expect(await e.logs(id)).toBe('f\ninner\n');
  });

  it('creates a missing named volume with the labels of its mount', async () => {
    await e.create({
      Cmd: ['true'],
      HostConfig: {
        Mounts: [
          { Type: 'volume', Source: 'labelled', Target: '/l', VolumeOptions: { Labels: { team: 'a' } } },
        ],
      },
    });
    expect((await e.client.inspectVolume('labelled')).Labels).toEqual({ team: 'a' });
  });

  it('refuses to remove a volume in use, naming the container', async () => {
    const id = await e.create({ Cmd: ['true'], HostConfig: { Binds: ['busy:/b'] } });
    const error = await failure(e.client.removeVolume('busy'));
    expect(error).toEqual({ code: 'Conflict', message: `remove busy: volume is in use - [${id}]` });
    await e.client.request({ method: 'DELETE', path: `/containers/${id}` });
    await e.client.removeVolume('busy');
    expect(await volumeNames()).not.toContain('busy');
  });

  it('mounts a tmpfs volume while a container uses it, also across an engine restart', async () => {
    await e.client.createVolume({
      Name: 'ram',
      DriverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' },
    });
    const mountpoint = (await e.client.inspectVolume('ram')).Mountpoint;
    const id = await e.create({
      Cmd: sh('echo kept > /r/f; trap "exit 0" TERM; while true; do sleep 0.1; done'),
      HostConfig: { Binds: ['ram:/r'] },
    });
    await e.client.request({ method: 'POST', path: `/containers/${id}/start` });
    expect(await mountedUnder(mountpoint)).toEqual([mountpoint]);
    await e.restart();
    expect(await mountedUnder(mountpoint)).toEqual([mountpoint]);
    await e.client.request({ method: 'POST', path: `/containers/${id}/stop`, query: { t: 5 } });
    expect(await mountedUnder(mountpoint)).toEqual([]);
    await e.client.request({ method: 'DELETE', path: `/containers/${id}` });
    await e.client.removeVolume('ram');
  });

  it('keeps volume data after the container is removed and the engine restarts', async () => {
    const writer = await e.run({ Cmd: sh('echo durable > /d/f'), HostConfig: { Binds: ['durable:/d'] } });
    await e.client.request({ method: 'DELETE', path: `/containers/${writer.id}`, query: { v: 1 } });
    await e.restart();
    expect(await volumeNames()).toContain('durable');
    const reader = await e.run({ Cmd: sh('cat /d/f'), HostConfig: { Binds: ['durable:/d'] } });
    expect(await e.logs(reader.id)).toBe('durable\n');
  });

  it('prunes anonymous volumes by default and named ones with all, never those in use', async () => {
    await e.client.createVolume({ Name: 'prune-named', Labels: { keep: 'no' } });
    const anonymous = await e.client.createVolume({});
    const inUse = await e.create({ Image: VOLUME_IMAGE, Cmd: ['true'] });
    const inUseVolume = (await inspect(inUse)).Mounts[0]?.Name ?? '';
    const first = await e.client.pruneVolumes();
    expect(first.VolumesDeleted).toContain(anonymous.Name);
    expect(first.VolumesDeleted).not.toContain('prune-named');
    expect(first.VolumesDeleted).not.toContain(inUseVolume);
    const labelled = await e.client.pruneVolumes({ all: ['true'], label: ['keep=no'] });
    expect(labelled.VolumesDeleted).toEqual(['prune-named']);
    expect(await volumeNames()).toContain(inUseVolume);
  });
});
