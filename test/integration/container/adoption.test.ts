// Crash consistency: the engine process is SIGKILLed while containers run. Containers keep running; a new
// engine adopts them (logs continue, stop works), records the exit of one that ended meanwhile, and cleans a
// half-made snapshot. Every process started here is ended by its pid.
import { buildBerthBundle } from '../server/bundle.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineClient } from '../../../src/engine/client/index.js';
import { engineConfigEnv, type EngineConfig } from '../../../src/engine/config.js';
import { ImageStore } from '../../../src/engine/image/image-store.js';
import { importRootfsTar } from '../../../src/engine/image/import.js';
import { Runc } from '../../../src/engine/runtime/runc.js';
import { OverlaySnapshotter } from '../../../src/engine/snapshot/overlay.js';
import { makeBusyboxTar } from '../../helpers/rootfs.js';
import { makeTempDir, testConfig } from '../server/engine-fixture.js';
import { demux, IMAGE } from './fixture.js';

let dir: string;
let bundle: string;
let config: EngineConfig;
let engine: ChildProcess | undefined;
const clients: EngineClient[] = [];

async function startEngineProcess(): Promise<EngineClient> {
  engine = spawn(process.execPath, [bundle, 'engine', 'run'], {
    env: { ...process.env, ...engineConfigEnv(config) },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const client = new EngineClient({ socket: config.socket, apiVersion: '1.44' });
  clients.push(client);
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      await client.ping();
      return client;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error('the engine did not start');
}

function killEngine(signal: NodeJS.Signals): Promise<void> {
  const child = engine;
  engine = undefined;
  if (child === undefined || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

async function createAndStart(client: EngineClient, name: string, cmd: string): Promise<string> {
  const { Id } = await client.requestJson<{ Id: string }>({
    method: 'POST',
    path: '/containers/create',
    query: { name },
    body: { Image: IMAGE, Cmd: ['sh', '-c', cmd] },
  });
  await client.request({ method: 'POST', path: `/containers/${Id}/start` });
  return Id;
}

beforeAll(async () => {
  dir = await makeTempDir();
  config = testConfig(dir);
  bundle = await buildBerthBundle(path.join(dir, 'bundle'));
  const tar = path.join(dir, 'busybox.tar');
  await makeBusyboxTar(tar);
  await mkdir(config.root, { recursive: true });
  await importRootfsTar(new ImageStore(config.root), createReadStream(tar), { repoTag: IMAGE });
});

afterAll(async () => {
  await killEngine('SIGTERM');
  const client = await startEngineProcess().catch(() => undefined);
  if (client !== undefined) {
    const list = await client
      .requestJson<Array<{ Id: string }>>({ path: '/containers/json', query: { all: 1 } })
      .catch(() => []);
    for (const c of list)
      await client.request({ method: 'DELETE', path: `/containers/${c.Id}`, query: { force: 1 } });
  }
  await killEngine('SIGTERM');
  for (const c of clients) c.close();
  const runc = new Runc({ root: config.runtimeStateDir });
  for (const state of await runc.list().catch(() => [])) await runc.delete(state.id, { force: true });
  await rm(dir, { recursive: true, force: true });
});

describe('engine crash and adoption', () => {
  it('keeps containers running across a SIGKILLed engine and adopts them', async () => {
    let client = await startEngineProcess();
    const ticker = await createAndStart(
      client,
      'ticker',
      'trap "exit 7" TERM; i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done',
    );
    const short = await createAndStart(client, 'short', 'sleep 0.5; echo said while no engine ran; exit 4');
    await killEngine('SIGKILL');

    // Meanwhile: the containers run on under their monitors; a half-made snapshot appears.
    const runc = new Runc({ root: config.runtimeStateDir });
    expect((await runc.state(ticker))?.status).toBe('running');
    await new OverlaySnapshotter(config.root).prepare('orphan', []);
    await new Promise((resolve) => setTimeout(resolve, 1000));

    client = await startEngineProcess();
    const inspect = await client.requestJson<{ State: { Status: string; Pid: number } }>({
      path: `/containers/${ticker}/json`,
    });
    expect(inspect.State.Status).toBe('running');
    const shortState = await client.requestJson<{ State: { Status: string; ExitCode: number } }>({
      path: `/containers/${short}/json`,
    });
    expect(shortState.State).toMatchObject({ Status: 'exited', ExitCode: 4 });
    expect(await new OverlaySnapshotter(config.root).list()).not.toContain('orphan');

    const logs = async () =>
      demux((await client.request({ path: `/containers/${ticker}/logs`, query: { stdout: 1 } })).body)
        .split('\n')
        .filter((line) => line !== '');
    const before = (await logs()).length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = await logs();
    expect(after.length).toBeGreaterThan(before);
    // Every tick once, in order: those written while no engine ran were shipped, none twice.
    expect(after).toEqual(after.map((_, index) => `tick ${index}`));
    const shortLogs = demux(
      (await client.request({ path: `/containers/${short}/logs`, query: { stdout: 1 } })).body,
    );
    expect(shortLogs).toBe('said while no engine ran\n');

    // Wait and stop work on the adopted container.
    const waiting = client.requestJson<{ StatusCode: number }>({
      method: 'POST',
      path: `/containers/${ticker}/wait`,
    });
    const stop = await client.request({
      method: 'POST',
      path: `/containers/${ticker}/stop`,
      query: { t: 5 },
    });
    expect(stop.status).toBe(204);
    expect((await waiting).StatusCode).toBe(7);
    await killEngine('SIGTERM');
  });
});
