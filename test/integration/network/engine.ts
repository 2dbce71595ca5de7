// An engine for the network suites: its own root, socket, bridge prefix and subnet pool (given by the suite, split
// into /27 networks), a busybox image, and helpers to run containers and read what they print. cleanup() removes
// every container and network it made and closes the engine, which then leaves no link, namespace or rule of its
// prefix behind.

import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { EngineClient } from '../../../src/engine/client/index.js';
import type { EngineConfig } from '../../../src/engine/config.js';
import { importRootfsTar } from '../../../src/engine/image/import.js';
import { startEngine, type EngineHandle } from '../../../src/engine/server/index.js';
import { makeBusyboxTar } from '../../helpers/rootfs.js';
import { demux } from '../container/fixture.js';
import { makeTempDir, testConfig } from '../server/engine-fixture.js';

export const IMAGE = 'busybox:net';

export interface NetworkEngine {
  dir: string;
  config: EngineConfig;
  engine: EngineHandle;
  client: EngineClient;
  /** POST /containers/create with the busybox image; returns the id. */
  create(body: Record<string, unknown>, name?: string): Promise<string>;
  start(id: string): Promise<void>;
  /** create + start + wait for the exit → exit code and output. */
  run(
    body: Record<string, unknown>,
    name?: string,
  ): Promise<{ id: string; exitCode: number; output: string }>;
  /** Runs a command in a running container → exit code and output. */
  exec(id: string, cmd: string[]): Promise<{ exitCode: number; output: string }>;
  /** Closes the engine (containers keep running) and starts a new one on the same root, which adopts them. */
  restart(): Promise<void>;
  cleanup(): Promise<void>;
}

export async function startNetworkEngine(network: { prefix: string; pool: string }): Promise<NetworkEngine> {
  const dir = await makeTempDir();
  const config = testConfig(dir, {
    BERTH_BRIDGE_PREFIX: network.prefix,
    BERTH_SUBNET_POOL: network.pool,
    BERTH_SUBNET_SIZE: '27',
  });
  let engine = await startEngine(config, { shutdownGraceMs: 500 });
  const tar = path.join(dir, 'busybox.tar');
  await makeBusyboxTar(tar);
  await importRootfsTar(engine.services.images, createReadStream(tar), {
    repoTag: IMAGE,
    changes: ['CMD ["sh"]'],
  });
  const client = new EngineClient({ socket: config.socket, apiVersion: '1.44' });
  const self: NetworkEngine = {
    dir,
    config,
    get engine() {
      return engine;
    },
    client,
    async create(body, name) {
      const created = await client.requestJson<{ Id: string }>({
        method: 'POST',
        path: '/containers/create',
        query: name === undefined ? {} : { name },
        body: { Image: IMAGE, ...body },
      });
      return created.Id;
    },
    async start(id) {
      await client.request({ method: 'POST', path: `/containers/${id}/start` });
    },
    async run(body, name) {
      const id = await self.create(body, name);
      const waiting = await client.stream({
        method: 'POST',
        path: `/containers/${id}/wait`,
        query: { condition: 'next-exit' },
      });
      await self.start(id);
      const chunks: Buffer[] = [];
      for await (const chunk of waiting) chunks.push(chunk as Buffer);
      const exitCode = (JSON.parse(Buffer.concat(chunks).toString()) as { StatusCode: number }).StatusCode;
      const logs = await client.request({ path: `/containers/${id}/logs`, query: { stdout: 1, stderr: 1 } });
      return { id, exitCode, output: demux(logs.body) };
    },
    async exec(id, cmd) {
      const created = await client.requestJson<{ Id: string }>({
        method: 'POST',
        path: `/containers/${id}/exec`,
        body: { Cmd: cmd, AttachStdout: true, AttachStderr: true },
      });
      const { socket } = await client.hijack({
        path: `/exec/${created.Id}/start`,
        body: { Detach: false, Tty: false },
      });
      const chunks: Buffer[] = [];
      for await (const chunk of socket) chunks.push(chunk as Buffer);
      const inspect = await client.requestJson<{ ExitCode: number }>({ path: `/exec/${created.Id}/json` });
      return { exitCode: inspect.ExitCode, output: demux(Buffer.concat(chunks)) };
    },
    async restart() {
      await engine.close();
      engine = await startEngine(config, { shutdownGraceMs: 500 });
    },
    async cleanup() {
      const list = await client.requestJson<Array<{ Id: string }>>({
        path: '/containers/json',
        query: { all: 1 },
      });
      for (const container of list) {
        await client
          .request({ method: 'DELETE', path: `/containers/${container.Id}`, query: { force: 1 } })
          .catch(() => undefined);
      }
      await client.request({ method: 'POST', path: '/networks/prune' }).catch(() => undefined);
      await engine.close();
      client.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return self;
}
