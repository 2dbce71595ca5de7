// `berth engine status|stop|logs`: look after the background engine through its pid file, socket and log.

import { watch } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { BerthError, isBerthError } from '../../shared/errors.js';
import { resolveEngineConfig, type EngineConfig } from '../../engine/config.js';
import { EngineClient } from '../../engine/client/index.js';
import { isProcessAlive, readPidFile } from '../../shared/process.js';

interface EngineStatus {
  running: boolean;
  pid: number | null;
  socket: string;
  root: string;
  runDir: string;
  version: string | null;
  apiVersion: string | null;
  /** Seconds since the engine started. */
  uptime: number | null;
}

/** `berth engine status`: exit 0 when the engine answers, 1 when it does not. */
export async function status(options: Record<string, unknown>): Promise<void> {
  const config = resolveEngineConfig();
  const state = await engineStatus(config);
  if (options.format === 'json') {
    process.stdout.write(`${JSON.stringify(state)}\n`);
  } else if (state.running) {
    const rows: [string, string][] = [
      ['Status', 'running'],
      ['PID', String(state.pid ?? '-')],
      ['Version', `${state.version ?? '-'} (API ${state.apiVersion ?? '-'})`],
      ['Socket', state.socket],
      ['Root', state.root],
      ['Uptime', state.uptime === null ? '-' : formatDuration(state.uptime)],
    ];
    for (const [key, value] of rows) process.stdout.write(`${`${key}:`.padEnd(9)}${value}\n`);
  } else {
    process.stdout.write(`not running (socket ${state.socket})\n`);
  }
  process.exitCode = state.running ? 0 : 1;
}

/** `berth engine stop`: SIGTERM to the engine, then wait until it has gone (SIGKILL after the timeout). */
export async function stop(options: Record<string, unknown>): Promise<void> {
  const config = resolveEngineConfig();
  const timeoutMs = Number(options.timeout ?? 15) * 1000;
  const pid = await readPidFile(config.pidFile);
  if (pid === undefined || !isProcessAlive(pid) || !(await looksLikeEngine(pid))) {
    process.stderr.write('engine is not running\n');
    return;
  }
  process.kill(pid, 'SIGTERM');
  if (await waitForExit(pid, config.socket, timeoutMs)) {
    process.stderr.write(`engine stopped (pid ${pid})\n`);
    return;
  }
  process.kill(pid, 'SIGKILL');
  await waitForExit(pid, config.socket, 2000);
  process.stderr.write(`engine did not stop within ${timeoutMs / 1000} s and was killed (pid ${pid})\n`);
}

/** `berth engine logs [-f] [-n N]`: print the engine log, and with -f keep printing what is appended. */
export async function logs(options: Record<string, unknown>): Promise<void> {
  const config = resolveEngineConfig();
  const tail = options.tail === undefined || options.tail === 'all' ? undefined : Number(options.tail);
  if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) {
    throw new BerthError('Usage', `--tail must be a number of lines or "all", not ${String(options.tail)}`);
  }
  let offset = 0;
  try {
    const text = await readFile(config.logFile, 'utf8');
    offset = Buffer.byteLength(text);
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const shown = tail === undefined ? lines : tail === 0 ? [] : lines.slice(-tail);
    if (shown.length > 0) process.stdout.write(`${shown.join('\n')}\n`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    if (!options.follow) throw new BerthError('NotFound', `no engine log at ${config.logFile}`);
  }
  if (options.follow) await follow(config.logFile, offset);
}

export async function engineStatus(config: EngineConfig): Promise<EngineStatus> {
  const pid = (await readPidFile(config.pidFile)) ?? null;
  const client = new EngineClient({ socket: config.socket });
  const base = { socket: config.socket, root: config.root, runDir: config.runDir };
  try {
    const version = await client.version(AbortSignal.timeout(3000));
    const started = await stat(config.pidFile).then(
      (s) => s.mtimeMs,
      () => undefined,
    );
    return {
      running: true,
      pid,
      ...base,
      version: version.Version,
      apiVersion: version.ApiVersion,
      uptime: started === undefined ? null : Math.max(0, Math.round((Date.now() - started) / 1000)),
    };
  } catch (error) {
    if (!isBerthError(error)) throw error;
    return { running: false, pid: null, ...base, version: null, apiVersion: null, uptime: null };
  } finally {
    client.close();
  }
}

/** A stale pid file may name a pid reused by something else: only signal a process running `engine run`. */
async function looksLikeEngine(pid: number): Promise<boolean> {
  try {
    const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    return args.includes('engine') && args.includes('run');
  } catch {
    return false;
  }
}

/** Waits for the process to end and its socket to go; the socket's removal is watched, the pid checked then. */
async function waitForExit(pid: number, socket: string, timeoutMs: number): Promise<boolean> {
  const gone = async () =>
    !isProcessAlive(pid) &&
    (await stat(socket).then(
      () => false,
      () => true,
    ));
  if (await gone()) return true;
  return new Promise<boolean>((resolve) => {
    const dir = path.dirname(socket);
    const watcher = watch(dir, () => void recheck());
    watcher.on('error', () => undefined);
    // The process can exit after the socket is removed, which no watch reports: re-check on a short beat.
    const beat = setInterval(() => void recheck(), 100);
    const timer = setTimeout(() => done(false), timeoutMs);
    let finished = false;
    const done = (result: boolean) => {
      if (finished) return;
      finished = true;
      watcher.close();
      clearInterval(beat);
      clearTimeout(timer);
      resolve(result);
    };
    const recheck = async () => {
      if (await gone()) done(true);
    };
  });
}

/** Prints what is appended to the file from `offset` on, until Ctrl-C. */
async function follow(file: string, offset: number): Promise<void> {
  let position = offset;
  let reading = false;
  let pending = false;
  const readMore = async () => {
    if (reading) {
      pending = true;
      return;
    }
    reading = true;
    try {
      const handle = await open(file, 'r').catch(() => undefined);
      if (!handle) return;
      try {
        const { size } = await handle.stat();
        if (size < position) position = 0; // truncated or replaced: start again
        while (position < size) {
          const buffer = Buffer.alloc(Math.min(64 * 1024, size - position));
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
          if (bytesRead === 0) break;
          position += bytesRead;
          process.stdout.write(buffer.subarray(0, bytesRead));
        }
      } finally {
        await handle.close();
      }
    } finally {
      reading = false;
      if (pending) {
        pending = false;
        void readMore();
      }
    }
  };
  const watcher = watch(path.dirname(file), (_event, name) => {
    if (name === null || name === path.basename(file)) void readMore();
  });
  await readMore();
  await new Promise<void>((resolve) => {
    process.removeAllListeners('SIGINT');
    process.once('SIGINT', () => {
      watcher.close();
      resolve();
    });
  });
}

function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
}
