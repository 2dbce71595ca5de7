// An engine for the container tests: its own temp root, run dir and socket, a busybox image imported as
// `busybox:test`, a client, and a cleanup that removes every container it made and checks nothing is left
// (no overlay mounts under its root, no runc state, no monitor processes of its run dir).
import { createReadStream } from 'node:fs';
import { readFile, readdir, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { EngineClient } from '../../../src/engine/client/index.js';
import type { EngineConfig } from '../../../src/engine/config.js';
import { importRootfsTar } from '../../../src/engine/image/import.js';
import { startEngine, type EngineHandle } from '../../../src/engine/server/index.js';
import { makeBusyboxTar } from '../../helpers/rootfs.js';
import { makeTempDir, testConfig } from '../server/engine-fixture.js';

export const IMAGE = 'busybox:test';

export interface ContainerEngine {
  dir: string;
  config: EngineConfig;
  engine: EngineHandle;
  client: EngineClient;
  /** POST /containers/create with the busybox image unless `Image` is given; returns the id. */
  create(body: Record<string, unknown>, name?: string): Promise<string>;
  /** create + start + wait(next-exit) → exit code. */
  run(body: Record<string, unknown>): Promise<{ id: string; exitCode: number }>;
  logs(id: string, query?: Record<string, string | number | boolean>): Promise<string>;
  restart(): Promise<void>;
  cleanup(): Promise<void>;
}

export async function startContainerEngine(): Promise<ContainerEngine> {
  const dir = await makeTempDir();
  const config = testConfig(dir);
  let engine = await startEngine(config, { shutdownGraceMs: 500 });
  const tar = path.join(dir, 'busybox.tar');
  await makeBusyboxTar(tar);
  await importRootfsTar(engine.services.images, createReadStream(tar), {
    repoTag: IMAGE,
    changes: ['CMD ["sh"]'],
  });
  const client = new EngineClient({ socket: config.socket, apiVersion: '1.44' });
  const self: ContainerEngine = {
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
    async run(body) {
      const id = await self.create(body);
      const waiting = await client.stream({
        method: 'POST',
        path: `/containers/${id}/wait`,
        query: { condition: 'next-exit' },
      });
      await client.request({ method: 'POST', path: `/containers/${id}/start` });
      const chunks: Buffer[] = [];
      for await (const chunk of waiting) chunks.push(chunk as Buffer);
      return {
        id,
        exitCode: (JSON.parse(Buffer.concat(chunks).toString()) as { StatusCode: number }).StatusCode,
      };
    },
    async logs(id, query = { stdout: 1, stderr: 1 }) {
      const response = await client.request({ path: `/containers/${id}/logs`, query });
      return demux(response.body);
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
      await engine.close();
      client.close();
      const mounts = await readFile('/proc/mounts', 'utf8');
      const leftovers = mounts.split('\n').filter((line) => line.includes(dir));
      const runcState = await readdir(config.runtimeStateDir).catch(() => [] as string[]);
      await rm(dir, { recursive: true, force: true });
      for (const controller of await readdir('/sys/fs/cgroup').catch(() => [] as string[])) {
        await rmdir(path.join('/sys/fs/cgroup', controller, 'berth')).catch(() => undefined);
      }
      if (leftovers.length > 0) throw new Error(`mounts left behind: ${leftovers.join('; ')}`);
      if (runcState.length > 0) throw new Error(`runtime state left behind: ${runcState.join(', ')}`);
    },
  };
  return self;
}

/** Joins the payloads of a multiplexed stream ("stdout+stderr" text). */
export function demux(body: Buffer): string {
  let out = '';
  let offset = 0;
  while (offset + 8 <= body.length) {
    const size = body.readUInt32BE(offset + 4);
    out += body.subarray(offset + 8, offset + 8 + size).toString();
    offset += 8 + size;
  }
  return out;
}

/** Payloads of a multiplexed stream by stream. */
export function demuxStreams(body: Buffer): { stdout: string; stderr: string } {
  const result = { stdout: '', stderr: '' };
  let offset = 0;
  while (offset + 8 <= body.length) {
    const type = body[offset];
    const size = body.readUInt32BE(offset + 4);
    const text = body.subarray(offset + 8, offset + 8 + size).toString();
    if (type === 2) result.stderr += text;
    else result.stdout += text;
    offset += 8 + size;
  }
  return result;
}
