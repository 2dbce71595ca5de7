// One container's process under its monitor (conmon): create, start, wait, stop, attach, resize, and
// adoption by an engine that restarted. Example:
//   const c = await createContainer(ctx, { id, bundleDir, logPath, exitDir });
//   await c.start(); const code = await c.wait(); await c.delete();
// Invariants: the exit code comes from conmon's exit file, never from the runtime; everything needed to
// find the container again is in its MonitorRecord (plain JSON the caller persists), so a new engine
// process can adopt it with no other memory.
import { access, mkdir, rm } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import { constants } from 'node:fs';
import { BerthError, isBerthError, messageOf } from '../../shared/errors.js';
import { attachToMonitor, resizeTerminal, type AttachOptions, type AttachSession } from './attach.js';
import { conmonArgs, spawnConmon } from './conmon.js';
import { readExitCode, removeExitFile, waitForExitFile } from './exit-file.js';
import type { OciState } from './oci-types.js';
import type { Runc } from './runc.js';
import { isProcessAlive, readPidFile } from '../../shared/process.js';

export interface MonitorContext {
  runc: Runc;
  /** conmon binary (name on PATH or path), `conmon` by default. */
  conmonBinary?: string;
}

/** What a caller persists to find the container again (adopt). */
export interface MonitorRecord {
  id: string;
  bundleDir: string;
  logPath: string;
  exitDir: string;
  persistDir: string;
  pidFile: string;
  conmonPidFile: string;
  terminal: boolean;
  stdin: boolean;
}

export interface CreateContainerOptions {
  id: string;
  /** Holds config.json (and the rootfs or a path to it); conmon adds attach, ctl and winsz here. */
  bundleDir: string;
  /** The k8s-file log; the same path may be reused across restarts of the container. */
  logPath: string;
  exitDir: string;
  /** Where conmon leaves its `oom` marker; the bundle dir by default. */
  persistDir?: string;
  terminal?: boolean;
  /** Keep a stdin pipe open for attach (`docker run -i`). */
  stdin?: boolean;
  /** Bytes after which conmon starts a new log file (the old content is dropped). */
  logSizeMax?: number;
  name?: string;
  /** Run when the container exits (restart policies, cleanup). */
  exitCommand?: { path: string; args: string[] };
}

/** Creates the container through conmon (status `created`); `start()` runs its process. */
export async function createContainer(
  context: MonitorContext,
  options: CreateContainerOptions,
): Promise<MonitoredContainer> {
  const record: MonitorRecord = {
    id: options.id,
    bundleDir: options.bundleDir,
    logPath: options.logPath,
    exitDir: options.exitDir,
    persistDir: options.persistDir ?? options.bundleDir,
    pidFile: join(options.bundleDir, 'container.pid'),
    conmonPidFile: join(options.bundleDir, 'conmon.pid'),
    terminal: options.terminal === true,
    stdin: options.stdin === true,
  };
  await mkdir(record.exitDir, { recursive: true });
  await mkdir(record.persistDir, { recursive: true });
  // A restart reuses the id: last run's exit file and oom marker must not answer for this run.
  await removeExitFile(record.exitDir, record.id);
  await rm(join(record.persistDir, 'oom'), { force: true });

  const runtimePath = await resolveExecutable(context.runc.binary);
  const args = conmonArgs({
    containerId: record.id,
    sessionId: record.id,
    runtimePath,
    runtimeArgs: context.runc.globalArgs(),
    bundleDir: record.bundleDir,
    pidFile: record.pidFile,
    conmonPidFile: record.conmonPidFile,
    exitDir: record.exitDir,
    persistDir: record.persistDir,
    logPath: record.logPath,
    terminal: record.terminal,
    stdin: record.stdin,
    ...(options.logSizeMax === undefined ? {} : { logSizeMax: options.logSizeMax }),
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.exitCommand === undefined ? {} : { exitCommand: options.exitCommand }),
  });
  try {
    const { pid } = await spawnConmon({
      conmonBinary: context.conmonBinary ?? 'conmon',
      args,
      tmpDir: record.bundleDir,
    });
    return new MonitoredContainer(context, record, pid);
  } catch (error) {
    await context.runc.delete(record.id, { force: true }).catch(() => undefined);
    throw new BerthError('Internal', `cannot create container ${record.id}: ${messageOf(error)}`, {
      cause: error,
    });
  }
}

export type AdoptedStatus = OciState['status'] | 'missing';

export interface Adoption {
  container: MonitoredContainer;
  /** The runtime's view; `stopped` or `missing` with `exitCode` when it exited while no engine watched. */
  status: AdoptedStatus;
  exitCode: number | undefined;
  /** Whether the monitor process is still alive (it goes when the container exits). */
  monitorAlive: boolean;
}

/** Re-attaches to a container created by an earlier engine process, from its persisted record. */
export async function adopt(context: MonitorContext, record: MonitorRecord): Promise<Adoption> {
  const state = await context.runc.state(record.id);
  const container = new MonitoredContainer(context, record, state?.pid ?? 0);
  const monitorPid = await container.monitorPid();
  return {
    container,
    status: state?.status ?? 'missing',
    exitCode: await readExitCode(record.exitDir, record.id),
    monitorAlive: monitorPid !== undefined && isProcessAlive(monitorPid),
  };
}

export interface StopOptions {
  /** The image's or user's stop signal, SIGTERM by default. */
  signal?: string;
  /** Grace period before SIGKILL, 10 s by default (Docker's). */
  timeoutMs?: number;
}

export class MonitoredContainer {
  constructor(
    private readonly context: MonitorContext,
    readonly record: MonitorRecord,
    /** Host PID of the container's init (0 when unknown). */
    readonly pid: number,
  ) {}

  get id(): string {
    return this.record.id;
  }

  async start(): Promise<void> {
    await this.context.runc.start(this.record.id);
  }

  state(): Promise<OciState | undefined> {
    return this.context.runc.state(this.record.id);
  }

  /** The exit code if the process has exited. */
  exitCode(): Promise<number | undefined> {
    return readExitCode(this.record.exitDir, this.record.id);
  }

  /** Resolves with the exit code when the process exits (at once if it already has). */
  wait(signal?: AbortSignal): Promise<number> {
    return waitForExitFile(this.record.exitDir, this.record.id, signal);
  }

  /** Whether the kernel's OOM killer ended the container (conmon leaves a marker). */
  async oomKilled(): Promise<boolean> {
    return access(join(this.record.persistDir, 'oom')).then(
      () => true,
      () => false,
    );
  }

  async kill(signal: string | number = 'SIGKILL', options: { all?: boolean } = {}): Promise<void> {
    await this.context.runc.kill(this.record.id, signal, options);
  }

  /** Docker's stop: the stop signal, then SIGKILL after the grace period; resolves with the exit code. */
  async stop(options: StopOptions = {}): Promise<number> {
    const already = await this.exitCode();
    if (already !== undefined) return already;
    const abort = new AbortController();
    const exited = this.wait(abort.signal);
    exited.catch(() => undefined);
    await this.killIgnoringStopped(options.signal ?? 'SIGTERM', false);
    const timer = delay(options.timeoutMs ?? 10_000);
    const first = await Promise.race([exited, timer.promise.then(() => undefined)]);
    timer.cancel();
    if (first !== undefined) return first;
    await this.killIgnoringStopped('SIGKILL', true);
    return exited;
  }

  /** The ctl FIFO takes `1 <height> <width>` to resize the terminal conmon holds. */
  resize(height: number, width: number): Promise<void> {
    return resizeTerminal(this.record.bundleDir, height, width);
  }

  /** Connects to the monitor's attach socket: output streams, and stdin when created with `stdin`. */
  attach(options: AttachOptions = {}): Promise<AttachSession> {
    return attachToMonitor(this.record.bundleDir, options);
  }

  async monitorPid(): Promise<number | undefined> {
    return readPidFile(this.record.conmonPidFile);
  }

  /** Removes the runtime's state (forcibly, killing the process if it still runs). */
  async delete(): Promise<void> {
    await this.context.runc.delete(this.record.id, { force: true });
  }

  private async killIgnoringStopped(signal: string, all: boolean): Promise<void> {
    try {
      await this.kill(signal, { all });
    } catch (error) {
      // Exiting between our check and the signal is a race, not a failure.
      if (!isBerthError(error, 'Conflict') && !isBerthError(error, 'NotFound')) throw error;
    }
  }
}

/** conmon execs the runtime by path, so a bare name is looked up on PATH here. */
export async function resolveExecutable(name: string): Promise<string> {
  if (isAbsolute(name)) return name;
  for (const dir of (
    process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  ).split(delimiter)) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new BerthError('FailedPrecondition', `${name} not found on PATH`);
}

function delay(ms: number): { promise: Promise<void>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}
