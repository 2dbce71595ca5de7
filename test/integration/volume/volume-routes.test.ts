// The /volumes routes on a real engine: create (idempotent, driver options, bad names and drivers), list with
// each filter, inspect, delete (force, in use), prune filters and API-version default, and the `volume`
// events create, mount, unmount, destroy on the event bus.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineClient } from '../../../src/engine/client/index.js';
import type { EventMessage } from '../../../src/engine/api/events.js';
import { isBerthError } from '../../../src/shared/errors.js';
import { startContainerEngine, type ContainerEngine } from '../container/fixture.js';

let e: ContainerEngine;

async function failure(action: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await action;
  } catch (error) {
    if (isBerthError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a failure');
}

beforeAll(async () => {
  e = await startContainerEngine();
});

afterAll(async () => {
  await e?.cleanup();
});

describe('/volumes routes', () => {
  it('creates a volume, returns the same one again, and inspects it', async () => {
    const created = await e.client.createVolume({ Name: 'alpha', Labels: { tier: 'db' } });
    expect(created).toEqual({
      Name: 'alpha',
      Driver: 'local',
      Mountpoint: `${e.config.root}/volumes/alpha/_data`,
      CreatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) as unknown,
      Labels: { tier: 'db' },
      Scope: 'local',
      Options: {},
    });
    expect(await e.client.createVolume({ Name: 'alpha' })).toEqual(created);
    expect(await e.client.inspectVolume('alpha')).toEqual(created);
    const raw = await e.client.request({ method: 'POST', path: '/volumes/create', body: { Name: 'alpha' } });
    expect(raw.status).toBe(201);
  });

  it('refuses bad names, drivers and options with Docker status codes', async () => {
    expect(await failure(e.client.createVolume({ Name: '/abs' }))).toMatchObject({
      code: 'InvalidArgument',
      message: expect.stringContaining('includes invalid characters for a local volume name') as unknown,
    });
    expect(await failure(e.client.createVolume({ Name: 'x1', Driver: 'nfs-plugin' }))).toEqual({
      code: 'NotFound',
      message: 'create x1: plugin "nfs-plugin" not found',
    });
    expect(await failure(e.client.createVolume({ Name: 'x2', DriverOpts: { bogus: '1' } }))).toEqual({
      code: 'InvalidArgument',
      message: 'create x2: invalid option: "bogus"',
    });
    expect(await failure(e.client.inspectVolume('missing'))).toEqual({
      code: 'NotFound',
      message: 'get missing: no such volume',
    });
    expect(await failure(e.client.removeVolume('missing'))).toMatchObject({ code: 'NotFound' });
    await e.client.removeVolume('missing', { force: true });
  });

  it('lists with name, label, driver and dangling filters', async () => {
    await e.client.createVolume({ Name: 'beta-one', Labels: { tier: 'web', extra: '' } });
    await e.client.createVolume({ Name: 'beta-two' });
    const user = await e.create({ Cmd: ['true'], HostConfig: { Binds: ['beta-two:/b'] } });
    const names = async (filters?: Record<string, string[]>) =>
      (await e.client.listVolumes(filters)).Volumes.map((v) => v.Name).sort();
    expect(await names({ name: ['beta'] })).toEqual(['beta-one', 'beta-two']);
    expect(await names({ label: ['tier'] })).toEqual(['alpha', 'beta-one']);
    expect(await names({ label: ['tier=web'] })).toEqual(['beta-one']);
    expect(await names({ driver: ['local'], name: ['alpha'] })).toEqual(['alpha']);
    expect(await names({ dangling: ['false'] })).toEqual(['beta-two']);
    expect(await names({ dangling: ['true'], name: ['beta'] })).toEqual(['beta-one']);
    const list = await e.client.listVolumes();
    expect(list.Warnings).toEqual([]);
    expect(await failure(e.client.listVolumes({ colour: ['red'] }))).toEqual({
      code: 'InvalidArgument',
      message: "invalid filter 'colour'",
    });
    expect(await failure(e.client.listVolumes({ dangling: ['maybe'] }))).toMatchObject({
      code: 'InvalidArgument',
    });
    await e.client.request({ method: 'DELETE', path: `/containers/${user}` });
  });

  it('prunes anonymous volumes only from API 1.42 on, every unused one before', async () => {
    const anonymous = await e.client.createVolume();
    expect(anonymous.Name).toMatch(/^[0-9a-f]{64}$/);
    const modern = await e.client.pruneVolumes();
    expect(modern.VolumesDeleted).toEqual([anonymous.Name]);
    await e.client.createVolume({ Name: 'gamma', Labels: { drop: 'yes' } });
    const byLabel = await e.client.pruneVolumes({ all: ['1'], 'label!': ['tier'], label: ['drop'] });
    expect(byLabel.VolumesDeleted).toEqual(['gamma']);
    const old = new EngineClient({ socket: e.config.socket, apiVersion: '1.41' });
    try {
      const legacy = await old.pruneVolumes({ label: ['tier=web'] });
      expect(legacy.VolumesDeleted).toEqual(['beta-one']);
    } finally {
      old.close();
    }
  });

  it('publishes create, mount, unmount and destroy events', async () => {
    const since = String(Date.now() / 1000);
    const { id } = await e.run({ Cmd: ['true'], HostConfig: { Binds: ['evented:/e'] } });
    await e.client.request({ method: 'DELETE', path: `/containers/${id}` });
    await e.client.removeVolume('evented');
    const until = String(Date.now() / 1000 + 0.5);
    const seen: EventMessage[] = [];
    for await (const event of e.client.events({ since, until, filters: { type: ['volume'] } }))
      seen.push(event);
    const evented = seen.filter((event) => event.Actor.ID === 'evented');
    expect(evented.map((event) => event.Action)).toEqual(['create', 'mount', 'unmount', 'destroy']);
    expect(evented[1]?.Actor.Attributes).toEqual({
      container: id,
      destination: '/e',
      driver: 'local',
      propagation: '',
      'read/write': 'true',
    });
  });
});
