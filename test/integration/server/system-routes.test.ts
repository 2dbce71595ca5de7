// The system routes over a real unix socket: ping, version, info, version negotiation, errors, headers.

import { stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBerthError } from '../../../src/shared/errors.js';
import type { SystemInfo } from '../../../src/engine/api/system.js';
import { EngineClient } from '../../../src/engine/client/index.js';
import { rawRequest, startTestEngine, type TestEngine } from './engine-fixture.js';

let t: TestEngine;
beforeAll(async () => {
  t = await startTestEngine();
});
afterAll(async () => {
  await t.cleanup();
});

describe('engine server: system routes', () => {
  it('creates the socket 0660 in a 0700 run dir, and a pid file', async () => {
    expect((await stat(t.config.socket)).mode & 0o777).toBe(0o660);
    expect((await stat(t.config.runDir)).mode & 0o777).toBe(0o700);
    expect((await stat(t.config.pidFile)).isFile()).toBe(true);
  });

  it('answers GET /_ping bare and versioned, with the negotiation headers', async () => {
    for (const path of ['/_ping', '/v1.24/_ping', '/v1.44/_ping']) {
      const response = await t.client.request({ path, unversioned: true });
      expect(response.status).toBe(200);
      expect(response.body.toString()).toBe('OK');
      expect(response.headers['api-version']).toBe('1.44');
      expect(response.headers.ostype).toBe('linux');
      expect(response.headers['builder-version']).toBe('1');
      expect(response.headers.swarm).toBe('inactive');
      expect(response.headers['cache-control']).toBe('no-cache, no-store, must-revalidate');
      expect(response.headers.server).toMatch(/^berth\/\S+ \(linux\)$/);
    }
  });

  it('answers HEAD /_ping with an empty body', async () => {
    const raw = await rawRequest(
      t.config.socket,
      'HEAD /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(raw.status).toBe(200);
    expect(raw.head).toMatch(/\r\nContent-Length: 0\r\n/i);
    expect(raw.head).toMatch(/\r\nApi-Version: 1\.44\r\n/i);
    expect(raw.body).toBe('');
  });

  it('negotiates the version like the Go client', async () => {
    const client = new EngineClient({ socket: t.config.socket });
    expect(client.apiVersion).toBeUndefined();
    expect(await client.negotiate()).toBe('1.44');
    expect((await client.version()).ApiVersion).toBe('1.44');
    client.close();
  });

  it('refuses versions outside 1.24-1.44 with 400 and a JSON message', async () => {
    const old = await t.client
      .request({ path: '/v1.12/version', unversioned: true })
      .catch((e: unknown) => e);
    expect(isBerthError(old, 'InvalidArgument')).toBe(true);
    expect((old as Error).message).toBe(
      'client version 1.12 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version',
    );
    const raw = await rawRequest(
      t.config.socket,
      'GET /v1.50/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(raw.status).toBe(400);
    expect(JSON.parse(raw.body)).toEqual({
      message: 'client version 1.50 is too new. Maximum supported API version is 1.44',
    });
    expect(raw.head).toMatch(/\r\nApi-Version: 1\.44\r\n/i);
  });

  it('answers unknown routes with 404 JSON and wrong methods with 405', async () => {
    const missing = await rawRequest(
      t.config.socket,
      'GET /v1.44/nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(missing.status).toBe(404);
    expect(missing.head).toMatch(/\r\nContent-Type: application\/json\r\n/i);
    expect(JSON.parse(missing.body)).toEqual({ message: 'page not found' });
    const error = await t.client.request({ path: '/nope' }).catch((e: unknown) => e);
    expect(isBerthError(error, 'NotFound')).toBe(true);
    const wrong = await rawRequest(
      t.config.socket,
      'DELETE /version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(wrong.status).toBe(405);
    expect(JSON.parse(wrong.body)).toEqual({ message: 'method DELETE not allowed on /version' });
  });

  it('serves /version with the fields docker version prints', async () => {
    const version = await t.client.version();
    expect(version).toMatchObject({
      Platform: { Name: 'berth engine' },
      ApiVersion: '1.44',
      MinAPIVersion: '1.24',
      Os: 'linux',
      Arch: 'amd64',
    });
    expect(version.Components[0]).toMatchObject({
      Name: 'Engine',
      Details: { ApiVersion: '1.44', MinAPIVersion: '1.24' },
    });
    expect(version.Version).toBe(version.Components[0]?.Version);
  });

  it('serves /info with no null where Docker sends [] or {}', async () => {
    const info: SystemInfo = await t.client.info();
    expect(info).toMatchObject({
      ID: t.engine.services.engineId,
      Containers: 0,
      Images: 0,
      Driver: 'overlay2',
      DockerRootDir: t.config.root,
      OSType: 'linux',
      CgroupDriver: 'cgroupfs',
      DefaultRuntime: 'runc',
      Runtimes: { runc: { path: 'runc' } },
      Swarm: { LocalNodeState: 'inactive', ControlAvailable: false },
      DefaultAddressPools: [{ Base: t.config.subnetPool.base, Size: t.config.subnetPool.size }],
      Warnings: [],
      Labels: [],
    });
    expect(info.NCPU).toBeGreaterThan(0);
    expect(info.MemTotal).toBeGreaterThan(0);
    expect(info.OperatingSystem).not.toBe('');
    expect(info.ID).toMatch(/^[0-9a-f-]{36}$/);
    for (const key of ['DriverStatus', 'Plugins', 'RegistryConfig', 'SecurityOptions', 'Runtimes'] as const) {
      expect(info[key], key).not.toBeNull();
    }
  });

  it('keeps connections alive between requests', async () => {
    const a = await t.client.request({ path: '/_ping' });
    const b = await t.client.request({ path: '/_ping' });
    expect([a.headers.connection, b.headers.connection]).toEqual(['keep-alive', 'keep-alive']);
  });
});
