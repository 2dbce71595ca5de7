// One of examples/ for an end-to-end suite: a copy of the example in a temp directory (so a suite may edit its
// files), an engine of its own (temp root, bridge prefix and subnet pool, a free port for what it publishes), the
// base images it needs (busybox from scripts/busybox-image.sh, Debian from the per-day archive of
// test/helpers/debian-image.ts), the built CLI run in the copy, and a close() that takes the project down with
// its volumes, stops the engine and removes the directory.
import { execa, type Options } from 'execa';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { cachedArchive } from '../helpers/debian-image.js';
import { networkSlotEnv } from '../helpers/network-slot.js';

const berthBin = path.resolve('bin/berth.js');

export interface ExampleOptions {
  /** Load berth.local/busybox:latest into the engine. */
  busybox?: boolean;
  /** Load debian:bookworm (minbase) into the engine. */
  debian?: boolean;
  /** The variable the example reads its published port from; set to a free port. */
  portVariable?: string;
}

export interface BerthResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
}

export interface ExampleProject {
  /** The copy of the example (the project directory). */
  dir: string;
  env: Record<string, string>;
  /** The host port the example publishes on (when `portVariable` was given). */
  port: number;
  berth(args: string[], extraEnv?: Record<string, string>, options?: Options): Promise<BerthResult>;
  /** The built CLI as a child process of its own (for commands that run until interrupted). */
  spawn(args: string[]): ReturnType<typeof execa>;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function openExample(
  example: string,
  tempPrefix: string,
  options: ExampleOptions = {},
): Promise<ExampleProject> {
  const root = await mkdtemp(path.join(os.tmpdir(), tempPrefix));
  const dir = path.join(root, example);
  await cp(path.resolve('examples', example), dir, { recursive: true });
  const port = options.portVariable === undefined ? 0 : await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    BERTH_ROOT: path.join(root, 'root'),
    BERTH_RUN: path.join(root, 'run'),
    ...networkSlotEnv(root),
    ...(options.portVariable === undefined ? {} : { [options.portVariable]: String(port) }),
  };
  const run = async (args: string[], extraEnv: Record<string, string> = {}, more: Options = {}) => {
    const result = await execa(process.execPath, ['--', berthBin, '--progress', 'plain', ...args], {
      cwd: dir,
      env: { ...env, ...extraEnv },
      extendEnv: false,
      reject: false,
      timeout: 120_000,
      ...more,
    });
    return { exitCode: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
  };
  const project: ExampleProject = {
    dir,
    env,
    port,
    berth: run,
    spawn: (args) =>
      execa(process.execPath, ['--', berthBin, '--progress', 'plain', ...args], {
        cwd: dir,
        env,
        extendEnv: false,
        reject: false,
        all: true,
      }),
    async close() {
      await run(['down', '-v', '--remove-orphans', '-t', '0']);
      await run(['engine', 'stop']);
      await rm(root, { recursive: true, force: true });
    },
  };
  try {
    if (options.busybox === true) {
      const image = await execa('bash', [path.resolve('scripts/busybox-image.sh')], {
        env,
        extendEnv: false,
        reject: false,
      });
      expect(image.stderr).toBe('');
      expect(image.exitCode).toBe(0);
    }
    if (options.debian === true) {
      const archive = await cachedArchive('bookworm', 'minbase', 600_000);
      const loaded = await run(['image', 'load', '-q', '-i', archive]);
      expect(loaded.stderr).toBe('');
      expect(loaded.exitCode).toBe(0);
    }
  } catch (error) {
    await project.close();
    throw error;
  }
  return project;
}

/** Polls `check` every 200 ms until it returns true; fails after `timeoutMs`. */
export async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The body of GET http://127.0.0.1:port/path, or undefined when it does not answer 200. */
export async function fetchText(port: number, urlPath: string): Promise<string | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${urlPath}`, { signal: AbortSignal.timeout(5000) });
    return response.ok ? await response.text() : undefined;
  } catch {
    return undefined;
  }
}
