// Spawns conmon, the per-container monitor, and waits for its report that the runtime created the
// process. conmon double-forks, so the container and its monitor survive the engine being killed.
// Invariant: the caller learns the container's PID or a BerthError carrying conmon's/runc's message —
// never a silent half-created container (on failure the runtime's leftovers are deleted by the caller).
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { BerthError } from '../../shared/errors.js';

export interface ConmonArgsInput {
  /** The runtime container id (`-c`). */
  containerId: string;
  /** conmon's own id for this session (`-u`): the container id, or an exec session id. */
  sessionId: string;
  /** Absolute path of the runtime binary. */
  runtimePath: string;
  runtimeArgs: readonly string[];
  /** Bundle dir of the container, or the exec session's own dir; conmon puts attach, ctl, winsz there. */
  bundleDir: string;
  pidFile: string;
  conmonPidFile: string;
  exitDir: string;
  persistDir: string;
  logPath: string;
  logSizeMax?: number;
  terminal: boolean;
  stdin: boolean;
  name?: string;
  exitCommand?: { path: string; args: readonly string[] };
  /** For exec sessions: the process.json to run in the existing container. */
  exec?: { processSpecPath: string; attach: boolean };
  logLevel?: 'error' | 'warn' | 'info' | 'debug';
}

/** conmon's command line (Podman's shape, libpod/oci_conmon_common.go). */
export function conmonArgs(input: ConmonArgsInput): string[] {
  const args = [
    '--api-version', '1',
    '-c', input.containerId,
    '-u', input.sessionId,
    '-r', input.runtimePath,
    '-b', input.bundleDir,
    '-p', input.pidFile,
    '-n', input.name ?? input.containerId,
    '--exit-dir', input.exitDir,
    '--persist-dir', input.persistDir,
    '--full-attach',
    '-l', `k8s-file:${input.logPath}`,
    '--conmon-pidfile', input.conmonPidFile,
    '--log-level', input.logLevel ?? 'error',
  ]; // prettier-ignore
  if (input.logSizeMax !== undefined && input.logSizeMax > 0)
    args.push('--log-size-max', String(input.logSizeMax));
  if (input.terminal) args.push('-t');
  if (input.stdin) args.push('-i');
  for (const arg of input.runtimeArgs) args.push('--runtime-arg', arg);
  if (input.exitCommand !== undefined) {
    args.push('--exit-command', input.exitCommand.path);
    for (const arg of input.exitCommand.args) args.push('--exit-command-arg', arg);
  }
  if (input.exec !== undefined) {
    args.push('-e', '--exec-process-spec', input.exec.processSpecPath);
    if (input.exec.attach) args.push('--exec-attach');
  }
  return args;
}

/** What conmon reports on its sync pipe: `{"data": pid}` or `{"data": -1, "message": "..."}`. */
interface SyncMessage {
  data: number;
  message?: string;
}

export interface SpawnConmonOptions {
  conmonBinary: string;
  args: readonly string[];
  /** Called once conmon has made the attach socket, before the exec process starts (exec --exec-attach). */
  beforeStart?: () => Promise<void>;
  /** Exec sessions: conmon reports the exit code as a second sync message. */
  awaitExitMessage?: boolean;
  /**
   * The session's own dir: conmon's working directory (it drops an `oom` marker there) and TMPDIR (its
   * TTY console socket, which it may leave behind).
   */
  tmpDir: string;
}

export interface SpawnedConmon {
  /** PID of the created process (the container's init, or the exec'd process). */
  pid: number;
  /** With awaitExitMessage: the exit code conmon reports on the sync pipe. */
  exitCode?: Promise<number>;
}

/**
 * Runs conmon until it reports the created process. conmon talks over inherited pipes named in the
 * environment: fd 3 sync (pid or error; for execs then the exit code), and for attached execs fd 4 start
 * (we write to begin, and again once attached) and fd 5 attach (it writes when its socket listens).
 */
export async function spawnConmon(options: SpawnConmonOptions): Promise<SpawnedConmon> {
  const withAttach = options.beforeStart !== undefined;
  const env: Record<string, string> = { _OCI_SYNCPIPE: '3', TMPDIR: options.tmpDir };
  if (withAttach) Object.assign(env, { _OCI_STARTPIPE: '4', _OCI_ATTACHPIPE: '5' });
  // Node's own spawn: extra fds must be plain pipes we can both read (3, 5) and write (4).
  const child = spawn(options.conmonBinary, [...options.args], {
    env,
    cwd: options.tmpDir,
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', ...(withAttach ? (['pipe', 'pipe'] as const) : [])],
    detached: true,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  // The first conmon process exits right after forking; waiting for it leaves no zombie.
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const pipes = child.stdio as unknown as (Readable | Writable | null | undefined)[];
  const sync = new MessageReader(pipes[3] as Readable);
  let keepSync = false;
  try {
    if (withAttach) {
      // conmon reads the start pipe twice: once to begin at all (Podman moves it into a cgroup first),
      // and once, after announcing its attach socket, to run the process.
      const startPipe = pipes[4] as Writable;
      startPipe.write('{"data": 0}\n');
      const attachMessage = await new MessageReader(pipes[5] as Readable).next();
      if (attachMessage.data < 0) throw conmonError(attachMessage.message);
      await options.beforeStart?.();
      startPipe.end('{"data": 0}\n');
    }
    const message = await sync.next();
    if (message.data <= 0) throw conmonError(message.message);
    if (options.awaitExitMessage !== true) return { pid: message.data };
    keepSync = true;
    const exitCode = sync.next().then(
      (exit) => exit.data,
      () => -1,
    );
    void exitCode.finally(() => sync.close());
    return { pid: message.data, exitCode };
  } catch (error) {
    await exited;
    if (error instanceof BerthError && error.message !== 'conmon failed') throw error;
    const detail = stderr.trim();
    throw new BerthError('Internal', `conmon failed${detail === '' ? '' : `: ${detail}`}`, { cause: error });
  } finally {
    for (const index of [2, 4, 5]) pipes[index]?.destroy();
    if (!keepSync) sync.close();
    await exited;
  }
}

function conmonError(message: string | undefined): BerthError {
  return new BerthError('Internal', message?.trim() || 'conmon failed');
}

/** Reads conmon's JSON messages from a pipe, one at a time; EOF before one means conmon died. */
class MessageReader {
  private text = '';
  private ended = false;
  private waiter: (() => void) | undefined;

  constructor(private readonly pipe: Readable) {
    pipe.on('data', (chunk: Buffer) => {
      this.text += chunk.toString('utf8');
      this.waiter?.();
    });
    const end = (): void => {
      this.ended = true;
      this.waiter?.();
    };
    pipe.on('end', end);
    pipe.on('error', end);
    pipe.on('close', end);
  }

  async next(): Promise<SyncMessage> {
    for (;;) {
      const start = this.text.indexOf('{');
      // A message may hold `}` in its text: the first closing brace that parses ends it.
      for (
        let end = this.text.indexOf('}', start);
        start >= 0 && end >= 0;
        end = this.text.indexOf('}', end + 1)
      ) {
        try {
          const message = JSON.parse(this.text.slice(start, end + 1)) as SyncMessage;
          this.text = this.text.slice(end + 1);
          return message;
        } catch {
          // not the end of this message yet
        }
      }
      if (this.ended) throw new BerthError('Internal', 'conmon failed');
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
      this.waiter = undefined;
    }
  }

  close(): void {
    this.pipe.destroy();
  }
}
