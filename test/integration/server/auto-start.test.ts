// The engine as a process: connectOrStart() starts `berth engine run` in the background and waits for it;
// `berth engine status|logs|stop` manage it; one engine per root across processes; `engine run` in the
// foreground stops on SIGTERM; the real docker CLI drives it. Every process started here is killed by pid.

import { spawn, type ChildProcess } from 'node:child_process';
import { access, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBerthError } from '../../../src/shared/errors.js';
import { connectOrStart, type EngineClient } from '../../../src/engine/client/index.js';
import { engineConfigEnv, resolveEngineConfig, type EngineConfig } from '../../../src/engine/config.js';
import { startEngine } from '../../../src/engine/server/index.js';
import { buildBerthBundle } from './bundle.js';
import { makeTempDir, testConfig } from './engine-fixture.js';

let dir: string;
let bundle: string;
let config: EngineConfig;
const pids = new Set<number>();
const clients: EngineClient[] = [];

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const berth = (args: string[], env: Record<string, string> = engineConfigEnv(config)) =>
  execa(process.execPath, [bundle, ...args], {
    reject: false,
    env: { ...env, NO_COLOR: '1' },
    timeout: 30_000,
  });
const launch = () => ({ command: process.execPath, args: [bundle, 'engine', 'run'] });

beforeAll(async () => {
  dir = await makeTempDir();
  bundle = await buildBerthBundle(path.join(dir, 'bundle'));
  config = testConfig(dir);
});

afterAll(async () => {
  for (const client of clients) client.close();
  for (const pid of pids) {
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  await rm(dir, { recursive: true, force: true });
});

describe('engine auto-start and the engine commands', () => {
  it('says it is not running before anything started it', async () => {
    const status = await berth(['engine', 'status', '--format', 'json']);
    expect(status.exitCode).toBe(1);
    expect(JSON.parse(status.stdout)).toMatchObject({ running: false, pid: null, socket: config.socket });
  });

  it('starts the engine in the background when its socket does not answer, and reports the cost', async () => {
    const started = performance.now();
    const { client, startedPid } = await connectOrStart(config, { launch: launch() });
    const readyMs = performance.now() - started;
    clients.push(client);
    expect(startedPid).toBeGreaterThan(0);
    pids.add(startedPid ?? 0);
    expect(client.apiVersion).toBe('1.44');
    expect((await client.info()).DockerRootDir).toBe(config.root);
    expect(Number((await readFile(config.pidFile, 'utf8')).trim())).toBe(startedPid);

    await new Promise((r) => setTimeout(r, 500));
    const status = await readFile(`/proc/${startedPid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
    console.log(
      `engine ready ${readyMs.toFixed(0)} ms after connectOrStart; idle RSS ${(rssKb / 1024).toFixed(1)} MiB`,
    );
    expect(rssKb).toBeGreaterThan(0);
  });

  it('connects without starting when the engine answers', async () => {
    const { client, startedPid } = await connectOrStart(config, { launch: launch() });
    clients.push(client);
    expect(startedPid).toBeUndefined();
  });

  it('refuses a second engine on the same root from another process', async () => {
    const other = resolveEngineConfig({
      ...engineConfigEnv(config),
      BERTH_RUN: path.join(dir, 'run2'),
      BERTH_HOST: '',
    });
    const error = await startEngine(other).catch((e: unknown) => e);
    expect(isBerthError(error, 'Conflict')).toBe(true);
    expect((error as Error).message).toMatch(/^another berth engine is using .+ \(pid \d+\)$/);
    expect(await exists(other.socket)).toBe(false);
  });

  it('lets the real docker CLI talk to it', async () => {
    const env = {
      DOCKER_HOST: `unix://${config.socket}`,
      HOME: dir,
      DOCKER_CONFIG: path.join(dir, 'docker'),
    };
    const version = await execa('docker', ['version', '--format', '{{.Server.APIVersion}} {{.Server.Os}}'], {
      env,
      reject: false,
    });
    expect(version.stderr).toBe('');
    expect(version.stdout).toBe('1.44 linux');
    expect(version.exitCode).toBe(0);
    const info = await execa('docker', ['info', '--format', '{{.DockerRootDir}} {{.OSType}} {{.Driver}}'], {
      env,
      reject: false,
    });
    expect(info.stdout).toBe(`${config.root} linux overlay2`);
    expect(info.exitCode).toBe(0);
    const plain = await execa('docker', ['info'], { env, reject: false });
    expect(plain.exitCode).toBe(0);
    expect(plain.stdout).toContain(`Docker Root Dir: ${config.root}`);
  });

  it('shows its status and its log', async () => {
    const status = await berth(['engine', 'status', '--format', 'json']);
    expect(status.exitCode).toBe(0);
    const parsed = JSON.parse(status.stdout) as Record<string, unknown>;
    expect(parsed).toMatchObject({
      running: true,
      socket: config.socket,
      root: config.root,
      apiVersion: '1.44',
    });
    expect(pids.has(parsed.pid as number)).toBe(true);
    const pretty = await berth(['engine', 'status']);
    const lines = pretty.stdout.split('\n');
    expect(
      lines.slice(0, 3).map((l) => l.replace(/\d+/g, 'N').replace(/^Version: \S+/, 'Version: V')),
    ).toEqual(['Status:  running', 'PID:     N', 'Version: V (API N.N)']);
    expect(lines.slice(3, 5)).toEqual([`Socket:  ${config.socket}`, `Root:    ${config.root}`]);
    const logs = await berth(['engine', 'logs']);
    expect(logs.exitCode).toBe(0);
    expect(logs.stdout).toMatch(/ info engine started pid=\d+ socket=/);
    expect(logs.stdout).toMatch(/ info GET \/v1\.44\/info status=200 ms=/);
    // Auto-started: stderr is the log file, so each line is there once.
    expect(logs.stdout.match(/engine started/g)?.length).toBe(1);
    const tail = await berth(['engine', 'logs', '-n', '1']);
    expect(tail.stdout.trim().split('\n')).toHaveLength(1);
  });

  // '-f' as well once the program parses its own options only before the subcommand (enablePositionalOptions).
  it('follows the log with --follow', async () => {
    const follower = spawn(process.execPath, [bundle, 'engine', 'logs', '--follow', '-n', '0'], {
      env: { ...process.env, ...engineConfigEnv(config) },
    });
    pids.add(follower.pid ?? 0);
    let seen = '';
    const found = new Promise<void>((resolve) => {
      follower.stdout.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes('GET /v1.44/version')) resolve();
      });
    });
    // The follower starts at the log's end whenever its process gets going (later on a busy machine): keep making
    // requests, a bounded number of times, until one of them shows up.
    const [client] = clients;
    let done = false;
    void found.then(() => (done = true));
    for (let attempt = 0; attempt < 100 && !done; attempt++) {
      await client?.version();
      await new Promise((r) => setTimeout(r, 200));
    }
    await found;
    expect(seen).not.toContain('engine started');
    const exited = new Promise((r) => follower.once('exit', r));
    follower.kill('SIGINT');
    await exited;
  });

  it('stops with `berth engine stop`: process, socket and pid file gone', async () => {
    const [pid] = [...pids];
    const stop = await berth(['engine', 'stop']);
    expect(stop.exitCode).toBe(0);
    expect(stop.stderr).toBe(`engine stopped (pid ${pid})`);
    expect(alive(pid ?? 0)).toBe(false);
    expect(await exists(config.socket)).toBe(false);
    expect(await exists(config.pidFile)).toBe(false);
    expect(await exists(path.join(config.root, 'engine.lock'))).toBe(false);
    const status = await berth(['engine', 'status']);
    expect(status.exitCode).toBe(1);
    expect(status.stdout).toBe(`not running (socket ${config.socket})`);
    const again = await berth(['engine', 'stop']);
    expect([again.exitCode, again.stderr]).toEqual([0, 'engine is not running']);
  });

  it('explains a failed start with the end of the engine log', async () => {
    const failDir = await makeTempDir();
    try {
      const failing = testConfig(failDir);
      const error = await connectOrStart(failing, {
        launch: {
          command: process.execPath,
          args: ['-e', "console.error('cannot bind: boom'); process.exit(3)"],
        },
      }).catch((e: unknown) => e);
      expect(isBerthError(error, 'Unavailable')).toBe(true);
      expect((error as Error).message).toBe('the engine exited during start-up');
      expect((error as { hint?: string }).hint).toContain('cannot bind: boom');
      const noStart = await connectOrStart(failing, { noStart: true }).catch((e: unknown) => e);
      expect((noStart as Error).message).toBe(`no engine is answering at ${failing.socket}`);
    } finally {
      await rm(failDir, { recursive: true, force: true });
    }
  });

  it('runs in the foreground from the bundle and stops cleanly on SIGTERM', async () => {
    const fgDir = path.join(dir, 'fg');
    const fg = testConfig(fgDir);
    const child: ChildProcess = spawn(process.execPath, [bundle, 'engine', 'run'], {
      env: { ...process.env, ...engineConfigEnv(fg) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    pids.add(child.pid ?? 0);
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const { client } = await connectOrStart(fg, { noStart: true }).catch(async () => {
      for (let i = 0; i < 100 && !stderr.includes('engine started'); i++)
        await new Promise((r) => setTimeout(r, 50));
      return connectOrStart(fg, { noStart: true });
    });
    expect((await client.ping()).apiVersion).toBe('1.44');
    client.close();
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('info received SIGTERM');
    expect(stderr).toContain('info engine stopped');
    // Foreground: stderr and the log file both have it.
    expect(await readFile(fg.logFile, 'utf8')).toContain('info engine stopped');
    expect(await exists(fg.socket)).toBe(false);
  });
});
