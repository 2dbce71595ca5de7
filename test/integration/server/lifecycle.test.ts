// Engines side by side: two roots at once, one engine per root and per socket, a failed start leaving
// nothing behind, and close() removing the socket, pid file and lock.

import { spawn } from 'node:child_process';
import { access, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isBerthError } from '../../../src/shared/errors.js';
import { EngineClient } from '../../../src/engine/client/index.js';
import { resolveEngineConfig } from '../../../src/engine/config.js';
import { startEngine } from '../../../src/engine/server/index.js';
import { makeTempDir, startTestEngine, testConfig } from './engine-fixture.js';

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('engine lifecycle', () => {
  it('runs two engines on two roots side by side', async () => {
    const a = await startTestEngine();
    const b = await startTestEngine();
    try {
      const [infoA, infoB] = await Promise.all([a.client.info(), b.client.info()]);
      expect(infoA.DockerRootDir).toBe(a.config.root);
      expect(infoB.DockerRootDir).toBe(b.config.root);
      expect(infoA.ID).not.toBe(infoB.ID);
    } finally {
      await a.cleanup();
      await b.cleanup();
    }
  });

  it('keeps its engine ID across restarts on the same root', async () => {
    const dir = await makeTempDir();
    dirs.push(dir);
    const config = testConfig(dir);
    const first = await startEngine(config);
    const id = first.services.engineId;
    await first.close();
    const second = await startEngine(config);
    expect(second.services.engineId).toBe(id);
    await second.close();
  });

  it('refuses a second engine on a socket that answers, and leaves its own root unlocked', async () => {
    const a = await startTestEngine();
    const dir = await makeTempDir();
    dirs.push(dir);
    const config = resolveEngineConfig({
      BERTH_ROOT: path.join(dir, 'root'),
      BERTH_RUN: path.join(dir, 'run'),
      BERTH_HOST: `unix://${a.config.socket}`,
    });
    try {
      const error = await startEngine(config).catch((e: unknown) => e);
      expect(isBerthError(error, 'Conflict')).toBe(true);
      expect((error as Error).message).toBe(`another engine is serving ${a.config.socket}`);
      expect(await exists(path.join(config.root, 'engine.lock'))).toBe(false);
      expect(await exists(config.pidFile)).toBe(false);
      expect((await a.client.ping()).apiVersion).toBe('1.44');
    } finally {
      await a.cleanup();
    }
  });

  it('replaces a stale socket file left by a process that died', async () => {
    const dir = await makeTempDir();
    dirs.push(dir);
    const config = testConfig(dir);
    await mkdir(config.runDir, { recursive: true });
    // A process that binds the socket and is killed keeps the file on disk with nothing listening.
    const child = spawn(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(config.socket)}, () => console.log('ready'))`,
    ]);
    await new Promise((r) => child.stdout.once('data', r));
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    expect(await exists(config.socket)).toBe(true);
    const engine = await startEngine(config);
    const client = new EngineClient({ socket: config.socket });
    expect((await client.ping()).osType).toBe('linux');
    client.close();
    await engine.close();
  });

  it('removes its socket, pid file and lock when closed, and close() is idempotent', async () => {
    const t = await startTestEngine();
    const lock = path.join(t.config.root, 'engine.lock');
    expect(await exists(lock)).toBe(true);
    await Promise.all([t.engine.close(), t.engine.close()]);
    expect(await exists(t.config.socket)).toBe(false);
    expect(await exists(t.config.pidFile)).toBe(false);
    expect(await exists(lock)).toBe(false);
    const error = await t.client.ping().catch((e: unknown) => e);
    expect(isBerthError(error, 'Unavailable')).toBe(true);
    await t.cleanup();
  });

  it('refuses a socket path longer than the kernel allows', async () => {
    const config = resolveEngineConfig({ BERTH_ROOT: '/tmp/x', BERTH_HOST: `/tmp/${'s'.repeat(120)}.sock` });
    await expect(startEngine(config)).rejects.toThrow('socket path is longer than 107 bytes');
  });
});
