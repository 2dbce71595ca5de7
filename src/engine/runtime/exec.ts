// Runs extra processes in a running container. Two paths:
// - runExec / spawnExec: `runc exec` in the foreground with piped stdio — the fast path (health checks,
//   non-TTY `docker exec`); the exit status is runc's own.
// - startMonitoredExec: through conmon (`--exec`), which holds a TTY or stdin, gives attach and resize,
//   and records the exit code in a file — `docker exec -it`.
// Invariant: an exec process inherits the container's security settings (capabilities, rlimits,
// no-new-privileges) from the bundle's config.json; only args, env, cwd, user and terminal change.
import { execa, type ResultPromise } from 'execa';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { BerthError } from '../../shared/errors.js';
import { attachToMonitor, resizeTerminal, type AttachSession, type OutputStream } from './attach.js';
import { conmonArgs, spawnConmon } from './conmon.js';
import { ALL_CAPABILITIES } from './defaults.js';
import { resolveExecutable, type MonitorContext } from './monitor.js';
import type { OciProcess, OciSpec } from './oci-types.js';
import type { Runc } from './runc.js';

export interface ExecInput {
  args: string[];
  /** `NAME=value` entries added to (and overriding) the container's env. */
  env?: string[];
  cwd?: string;
  user?: { uid: number; gid: number; additionalGids?: number[] };
  terminal?: boolean;
  /** All capabilities, as `docker exec --privileged`. */
  privileged?: boolean;
  consoleSize?: { height: number; width: number };
}

/** The exec process: the container's own process settings with this input's changes. */
export async function execProcessFromBundle(bundleDir: string, input: ExecInput): Promise<OciProcess> {
  const spec = JSON.parse(await readFile(join(bundleDir, 'config.json'), 'utf8')) as OciSpec;
  return execProcess(spec.process, input);
}

export function execProcess(base: OciProcess, input: ExecInput): OciProcess {
  if (input.args.length === 0) throw new BerthError('InvalidArgument', 'no command specified');
  const env = mergeEnv(base.env, input.env ?? []);
  const terminal = input.terminal === true;
  if (terminal && !env.some((entry) => entry.startsWith('TERM='))) env.push('TERM=xterm');
  const capabilities =
    input.privileged === true
      ? {
          bounding: [...ALL_CAPABILITIES],
          effective: [...ALL_CAPABILITIES],
          permitted: [...ALL_CAPABILITIES],
        }
      : base.capabilities;
  return {
    terminal,
    ...(terminal && input.consoleSize !== undefined ? { consoleSize: input.consoleSize } : {}),
    user: input.user === undefined ? base.user : { ...input.user },
    args: [...input.args],
    env,
    cwd: input.cwd === undefined || input.cwd === '' ? base.cwd : input.cwd,
    ...(capabilities === undefined ? {} : { capabilities }),
    ...(base.rlimits === undefined ? {} : { rlimits: base.rlimits }),
    noNewPrivileges: base.noNewPrivileges,
    ...(base.apparmorProfile === undefined ? {} : { apparmorProfile: base.apparmorProfile }),
  };
}

function mergeEnv(base: readonly string[], extra: readonly string[]): string[] {
  const byName = new Map<string, string>();
  for (const entry of [...base, ...extra]) byName.set(entry.split('=', 1)[0] ?? entry, entry);
  return [...byName.values()];
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunExecOptions {
  /** Holds process.json and the pid file of this exec. */
  execDir: string;
  stdin?: string | Buffer;
  /** Kills the process after this long; the result then has exit code 137. */
  timeoutMs?: number;
  /** Kills the process when aborted (health check timeouts, a container stopping). */
  signal?: AbortSignal;
}

/** Runs a non-TTY process to completion and collects its output. */
export async function runExec(
  runc: Runc,
  containerId: string,
  process: OciProcess,
  options: RunExecOptions,
): Promise<ExecResult> {
  const child = await spawnExec(runc, containerId, process, options);
  let timer: NodeJS.Timeout | undefined;
  const kill = (): void => void child.pid().then((pid) => killQuietly(pid));
  if (options.timeoutMs !== undefined) timer = setTimeout(kill, options.timeoutMs);
  if (options.signal?.aborted) kill();
  options.signal?.addEventListener('abort', kill, { once: true });
  try {
    const [exitCode, stdout, stderr] = await Promise.all([
      child.exited,
      collect(child.stdout),
      collect(child.stderr),
      options.stdin === undefined ? child.stdin.end() : child.stdin.end(options.stdin),
    ]);
    return { exitCode, stdout, stderr };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', kill);
  }
}

export interface ExecChild {
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
  /** The exec'd process's host PID, once runc has written it. */
  pid(): Promise<number>;
  /** Its exit code (128 + signal when killed by one). */
  exited: Promise<number>;
}

/** Starts a non-TTY process with piped stdio; runc stays its parent and relays its exit status. */
export async function spawnExec(
  runc: Runc,
  containerId: string,
  process: OciProcess,
  options: { execDir: string },
): Promise<ExecChild> {
  if (process.terminal) throw new BerthError('InvalidArgument', 'a terminal exec needs startMonitoredExec');
  await mkdir(options.execDir, { recursive: true });
  const processPath = join(options.execDir, 'process.json');
  const pidFile = join(options.execDir, 'exec.pid');
  await writeFile(processPath, JSON.stringify(process));
  const child: ResultPromise = execa(
    runc.binary,
    [...runc.globalArgs(), 'exec', '--process', processPath, '--pid-file', pidFile, containerId],
    { stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', reject: false, buffer: false },
  );
  const exited = child.then((result) => {
    if (result.exitCode !== undefined) return result.exitCode;
    return 128 + signalNumber(result.signal);
  });
  return {
    stdin: child.stdin as Writable,
    stdout: child.stdout as Readable,
    stderr: child.stderr as Readable,
    pid: () => readPid(pidFile),
    exited,
  };
}

export interface MonitoredExecOptions {
  containerId: string;
  /** Unique per exec session; names conmon's session. */
  execId: string;
  /** A directory of this session: process.json, attach socket, ctl FIFO, log and exit file. */
  execDir: string;
  process: OciProcess;
  /** Keep stdin open for the attached client (`docker exec -i`). */
  stdin?: boolean;
  onOutput?: (stream: OutputStream, data: Buffer) => void;
}

export interface MonitoredExec {
  pid: number;
  attach: AttachSession;
  resize(height: number, width: number): Promise<void>;
  wait(signal?: AbortSignal): Promise<number>;
  inspect(): Promise<{ running: boolean; exitCode: number | undefined; pid: number }>;
}

/** Starts a process under conmon, attached from its first byte of output. */
export async function startMonitoredExec(
  context: MonitorContext,
  options: MonitoredExecOptions,
): Promise<MonitoredExec> {
  const dir = options.execDir;
  await mkdir(dir, { recursive: true });
  const processPath = join(dir, 'process.json');
  await writeFile(processPath, JSON.stringify(options.process));
  const args = conmonArgs({
    containerId: options.containerId,
    sessionId: options.execId,
    runtimePath: await resolveExecutable(context.runc.binary),
    runtimeArgs: context.runc.globalArgs(),
    bundleDir: dir,
    pidFile: join(dir, 'exec.pid'),
    conmonPidFile: join(dir, 'conmon.pid'),
    exitDir: dir,
    persistDir: dir,
    logPath: join(dir, 'exec.log'),
    terminal: options.process.terminal,
    stdin: options.stdin === true,
    exec: { processSpecPath: processPath, attach: true },
  });
  let attach: AttachSession | undefined;
  const spawned = await spawnConmon({
    conmonBinary: context.conmonBinary ?? 'conmon',
    args,
    awaitExitMessage: true,
    tmpDir: dir,
    beforeStart: async () => {
      attach = await attachToMonitor(
        dir,
        options.onOutput === undefined ? {} : { onOutput: options.onOutput },
      );
    },
  });
  if (attach === undefined)
    throw new BerthError('Internal', 'conmon started the exec without an attach socket');
  // For exec sessions conmon reports the exit code on its sync pipe, after the output is drained.
  let exitCode: number | undefined;
  const exited = (spawned.exitCode ?? Promise.resolve(-1)).then((code) => {
    exitCode = code;
    return code;
  });
  const pid = spawned.pid;
  return {
    pid,
    attach,
    resize: (height, width) => resizeTerminal(dir, height, width),
    wait: (signal) =>
      signal === undefined
        ? exited
        : Promise.race([
            exited,
            new Promise<number>((_resolve, reject) =>
              signal.addEventListener('abort', () => reject(new BerthError('Cancelled', 'stopped waiting')), {
                once: true,
              }),
            ),
          ]),
    inspect: async () => ({ running: exitCode === undefined, exitCode, pid }),
  };
}

async function collect(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function readPid(pidFile: string): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const text = await readFile(pidFile, 'utf8').catch(() => '');
    if (/^\d+$/.test(text.trim())) return Number(text.trim());
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new BerthError('Internal', 'the exec process did not start');
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function signalNumber(signal: string | undefined): number {
  const numbers: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };
  return signal === undefined ? 0 : (numbers[signal] ?? 0);
}
