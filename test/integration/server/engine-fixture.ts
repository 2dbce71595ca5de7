// An engine started in this test process on its own temporary root, run dir and socket, and a client to it.
// cleanup() closes both and removes the directory, so a test file leaves nothing behind.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EngineClient } from '../../../src/engine/client/index.js';
import { resolveEngineConfig, type EngineConfig } from '../../../src/engine/config.js';
import { startEngine, type EngineHandle, type StartEngineOptions } from '../../../src/engine/server/index.js';
import { networkSlotEnv } from '../../helpers/network-slot.js';

export interface TestEngine {
  dir: string;
  config: EngineConfig;
  engine: EngineHandle;
  client: EngineClient;
  cleanup(): Promise<void>;
}

/** A config whose every path lies under `dir` (short names: unix socket paths are limited to 107 bytes). */
export function testConfig(dir: string, env: Record<string, string> = {}): EngineConfig {
  return resolveEngineConfig({
    BERTH_ROOT: path.join(dir, 'root'),
    BERTH_RUN: path.join(dir, 'run'),
    ...networkSlotEnv(dir), // a bridge prefix and subnet pool of its own
    ...env,
  });
}

export async function makeTempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'berth-srv-'));
}

export async function startTestEngine(options: StartEngineOptions = {}): Promise<TestEngine> {
  const dir = await makeTempDir();
  const config = testConfig(dir);
  const engine = await startEngine(config, { shutdownGraceMs: 1000, ...options });
  const client = new EngineClient({ socket: config.socket });
  return {
    dir,
    config,
    engine,
    client,
    async cleanup() {
      await engine.close();
      client.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A raw HTTP exchange over the socket, for checking exact wire details the typed client hides. */
export async function rawRequest(
  socket: string,
  request: string,
): Promise<{ status: number; head: string; body: string }> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const conn = net.connect(socket);
    const chunks: Buffer[] = [];
    conn.on('data', (chunk) => chunks.push(chunk));
    conn.on('error', reject);
    conn.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const head = text.slice(0, split);
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), head, body: text.slice(split + 4) });
    });
    conn.write(request);
  });
}
