// Auto-start: any command that needs the engine connects to its socket and, when nothing answers, starts
// `berth engine run` as a detached background process (its own session, output appended to the engine log)
// and waits for /_ping. Invariant: we wait on file-system events for the socket, never on blind sleeps, and
// give up at a deadline with the end of the engine log, so a failed start explains itself.

import { spawn, type ChildProcess } from 'node:child_process';
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { BerthError } from '../../shared/errors.js';
import { engineConfigEnv, type EngineConfig } from '../config.js';
import { EngineClient } from './engine-client.js';

export interface EngineLaunch {
  /** The program to run (default: this Node binary). */
  command: string;
  /** Its arguments (default: this process's entry script, then `engine run`). */
  args: string[];
}

export interface ConnectOptions {
  launch?: EngineLaunch;
  /** How long to wait for a started engine to answer (default 10 s). */
  timeoutMs?: number;
  /** Do not start an engine: fail with Unavailable when none answers. */
  noStart?: boolean;
}

export interface ConnectResult {
  client: EngineClient;
  /** The pid of the engine process this call started, if it started one. */
  startedPid: number | undefined;
}

/** Connects to the configured engine, starting it in the background if its socket does not answer. */
export async function connectOrStart(
  config: EngineConfig,
  options: ConnectOptions = {},
): Promise<ConnectResult> {
  const client = new EngineClient({ socket: config.socket });
  if (await answers(client)) {
    await client.negotiate();
    return { client, startedPid: undefined };
  }
  if (options.noStart) {
    client.close();
    throw new BerthError('Unavailable', `no engine is answering at ${config.socket}`, {
      hint: 'start one with `berth engine run`',
    });
  }
  const child = await spawnEngine(config, options.launch ?? defaultLaunch());
  try {
    await waitForEngine(client, config, child, options.timeoutMs ?? 10_000);
  } catch (error) {
    client.close();
    throw error;
  }
  await client.negotiate();
  return { client, startedPid: child.pid };
}

/** `node <entry script> engine run`: the same berth that is running now. */
export function defaultLaunch(): EngineLaunch {
  const entry = process.argv[1];
  if (entry === undefined)
    throw new BerthError('Internal', 'cannot tell which berth to start: no entry script');
  return { command: process.execPath, args: [entry, 'engine', 'run'] };
}

async function answers(client: EngineClient): Promise<boolean> {
  try {
    await client.ping(AbortSignal.timeout(2000));
    return true;
  } catch {
    return false;
  }
}

async function spawnEngine(config: EngineConfig, launch: EngineLaunch): Promise<ChildProcess> {
  await mkdir(config.runDir, { recursive: true, mode: 0o700 });
  const log = await open(config.logFile, 'a', 0o600);
  try {
    const child = spawn(launch.command, launch.args, {
      // Its own session: the engine outlives this command and never gets the terminal's Ctrl-C.
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
      env: { ...process.env, ...engineConfigEnv(config) },
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error) =>
        reject(new BerthError('Unavailable', `cannot start the engine: ${error.message}`, { cause: error })),
      );
    });
    // Not waited for: this command may exit while the engine runs on.
    child.unref();
    return child;
  } finally {
    await log.close();
  }
}

/** Waits until the engine answers /_ping, it dies, or the deadline passes. */
async function waitForEngine(
  client: EngineClient,
  config: EngineConfig,
  child: ChildProcess,
  timeoutMs: number,
): Promise<void> {
  const dir = path.dirname(config.socket);
  const name = path.basename(config.socket);
  const deadline = Date.now() + timeoutMs;
  let watcher: FSWatcher | undefined;
  let exited = child.exitCode !== null || child.signalCode !== null;
  const onExit = () => {
    exited = true;
    void check?.();
  };
  let check: (() => Promise<void>) | undefined;
  child.once('exit', onExit);
  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      let checking = false;
      let again = false;
      const timers: NodeJS.Timeout[] = [];
      const finish = (error?: Error) => {
        if (settled) return;
        settled = true;
        for (const t of timers) clearTimeout(t);
        if (error) reject(error);
        else resolve();
      };
      check = async () => {
        if (settled) return;
        if (checking) {
          again = true;
          return;
        }
        checking = true;
        try {
          if (await answers(client)) return finish();
          if (exited) {
            // It may have lost a start race to another engine that now serves the socket.
            if (await answers(client)) return finish();
            return finish(await startFailure(config, `the engine exited during start-up`));
          }
        } finally {
          checking = false;
        }
        if (again) {
          again = false;
          void check?.();
        }
      };
      watcher = watch(dir, (_event, file) => {
        if (file === null || file === name) void check?.();
      });
      watcher.on('error', () => undefined);
      const expire = () =>
        void startFailure(config, `the engine did not answer within ${timeoutMs / 1000} s`).then(finish);
      timers.push(setTimeout(expire, Math.max(0, deadline - Date.now())));
      // A slow safety net for what a watch may miss (a socket bound a moment before it listens).
      const heartbeat = () => {
        if (settled) return;
        void check?.();
        timers.push(setTimeout(heartbeat, 1000));
      };
      timers.push(setTimeout(heartbeat, 1000));
      void check();
    });
  } finally {
    watcher?.close();
    child.off('exit', onExit);
  }
}

async function startFailure(config: EngineConfig, message: string): Promise<BerthError> {
  const tail = await logTail(config.logFile, 20);
  return new BerthError('Unavailable', message, {
    hint: tail === '' ? `see ${config.logFile}` : `last lines of ${config.logFile}:\n${tail}`,
  });
}

/** The last `lines` lines of a file ('' when it cannot be read). */
export async function logTail(file: string, lines: number): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
