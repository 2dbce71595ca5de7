// examples/tiny for the end-to-end suites: an engine of its own (temp root, bridge prefix and subnet pool, a free
// port for the published page), the busybox image made by scripts/busybox-image.sh, the built CLI run in the
// example's directory, and a close() that takes the project down, stops the engine it auto-started and removes
// the directory.
import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { networkSlotEnv } from '../helpers/network-slot.js';

const berthBin = path.resolve('bin/berth.js');
const exampleDir = path.resolve('examples/tiny');

export interface TinyProject {
  dir: string;
  env: Record<string, string>;
  /** The host port the example publishes its page on. */
  port: number;
  berth: ReturnType<typeof berthIn>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The built CLI, run in the example's directory with `env` (and per call `extraEnv`) only. */
function berthIn(env: Record<string, string>) {
  return (args: string[], extraEnv: Record<string, string> = {}) =>
    execa(process.execPath, ['--', berthBin, ...args], {
      cwd: exampleDir,
      env: { ...env, ...extraEnv },
      extendEnv: false,
      reject: false,
      timeout: 120_000,
    });
}

export async function openTinyProject(tempPrefix: string): Promise<TinyProject> {
  const dir = await mkdtemp(path.join(os.tmpdir(), tempPrefix));
  const port = await freePort();
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    BERTH_ROOT: path.join(dir, 'root'),
    BERTH_RUN: path.join(dir, 'run'),
    ...networkSlotEnv(dir),
    TINY_PORT: String(port),
  };
  const image = await execa('bash', [path.resolve('scripts/busybox-image.sh')], {
    env,
    extendEnv: false,
    reject: false,
  });
  expect(image.stderr).toBe('');
  expect(image.exitCode).toBe(0);
  const berth = berthIn(env);
  return {
    dir,
    env,
    port,
    berth,
    async close() {
      await berth(['down', '-v', '-t', '0']);
      await berth(['engine', 'stop']);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
