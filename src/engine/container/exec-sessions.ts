// Exec sessions of running containers (`docker exec`): created, started once, inspected until their container
// goes. Without a TTY a process runs under `runc exec` with piped stdio (the fast path); with a TTY it runs
// under conmon, which holds the terminal and takes resizes. Invariant: a session's exit code is set exactly
// once, before `exec_die` is published and before its output stream is ended.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { BerthError } from '../../shared/errors.js';
import type { ExecCreateRequest, ExecInspect } from '../api/exec.js';
import type { OutputStream } from '../runtime/attach.js';
import { execProcessFromBundle, spawnExec, startMonitoredExec } from '../runtime/exec.js';
import { resolveUser } from '../runtime/user.js';
import { engineBoundingSet, narrowCapabilities } from './host-capabilities.js';
import type { ContainerManager } from './manager.js';

interface ExecSession {
  id: string;
  containerId: string;
  request: ExecCreateRequest;
  running: boolean;
  started: boolean;
  exitCode: number | null;
  pid: number;
  resize?: (height: number, width: number) => Promise<void>;
}

export interface ExecStartIo {
  onOutput: (stream: OutputStream, data: Buffer) => void;
  /** Client input, when the session attaches stdin. */
  input?: Readable;
  signal?: AbortSignal;
}

export class ExecSessions {
  private readonly sessions = new Map<string, ExecSession>();

  constructor(private readonly containers: ContainerManager) {}

  create(containerIdOrName: string, request: ExecCreateRequest): string {
    const record = this.containers.resolve(containerIdOrName);
    if (!this.containers.isRunning(record.id))
      throw new BerthError('Conflict', `Container ${record.id} is not running`);
    if (record.state.status === 'paused')
      throw new BerthError('Conflict', `Container ${record.id} is paused, unpause the container before exec`);
    if (!Array.isArray(request.Cmd) || request.Cmd.length === 0)
      throw new BerthError('InvalidArgument', 'No exec command specified');
    const id = randomBytes(32).toString('hex');
    this.sessions.set(id, {
      id,
      containerId: record.id,
      request,
      running: false,
      started: false,
      exitCode: null,
      pid: 0,
    });
    this.containers.publish(record, `exec_create: ${request.Cmd.join(' ')}`, { execID: id });
    return id;
  }

  get(id: string): ExecSession {
    const session = this.sessions.get(id);
    if (session === undefined || !this.containers.all().some((r) => r.id === session.containerId)) {
      this.sessions.delete(id);
      throw new BerthError('NotFound', `No such exec instance: ${id}`);
    }
    return session;
  }

  idsOf(containerId: string): string[] {
    return [...this.sessions.values()].filter((s) => s.containerId === containerId).map((s) => s.id);
  }

  inspect(id: string): ExecInspect {
    const session = this.get(id);
    const [entrypoint = '', ...args] = session.request.Cmd;
    return {
      ID: session.id,
      Running: session.running,
      ExitCode: session.exitCode,
      ProcessConfig: {
        privileged: session.request.Privileged === true,
        user: session.request.User ?? '',
        tty: session.request.Tty === true,
        entrypoint,
        arguments: args,
      },
      OpenStdin: session.request.AttachStdin === true,
      OpenStderr: session.request.AttachStderr === true,
      OpenStdout: session.request.AttachStdout === true,
      CanRemove: false,
      ContainerID: session.containerId,
      DetachKeys: session.request.DetachKeys ?? '',
      Pid: session.pid,
    };
  }

  async resize(id: string, height: number, width: number): Promise<void> {
    const session = this.get(id);
    if (!session.running || session.resize === undefined)
      throw new BerthError('Conflict', `exec ${id} is not running`);
    await session.resize(height, width);
  }

  /**
   * Runs the session's process; resolves with its exit code once it exited and its output was delivered.
   * `consoleSize` is [height, width].
   */
  async start(id: string, io: ExecStartIo, consoleSize?: [number, number] | null): Promise<number> {
    const session = this.get(id);
    if (session.started) throw new BerthError('Conflict', `Exec command ${id} has already run`);
    const record = this.containers.resolve(session.containerId);
    const monitored = this.containers.monitored(record.id);
    if (monitored === undefined) throw new BerthError('Conflict', `Container ${record.id} is not running`);
    session.started = true;
    session.running = true;
    const request = session.request;
    const terminal = request.Tty === true;
    const size = consoleSize ?? request.ConsoleSize ?? undefined;
    try {
      const user =
        request.User === undefined || request.User === ''
          ? undefined
          : await this.containers.withRootfs(record.id, (rootfs) => resolveUser(rootfs, request.User ?? ''));
      const requested = await execProcessFromBundle(monitored.record.bundleDir, {
        args: request.Cmd,
        env: request.Env ?? [],
        ...(request.WorkingDir ? { cwd: request.WorkingDir } : {}),
        ...(user === undefined
          ? {}
          : { user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids } }),
        terminal,
        privileged: request.Privileged === true,
        ...(size && size[0] > 0 && size[1] > 0 ? { consoleSize: { height: size[0], width: size[1] } } : {}),
      });
      // "All capabilities" can only mean all the engine holds (runc refuses the others).
      const process =
        request.Privileged === true ? narrowCapabilities(requested, await engineBoundingSet()) : requested;
      const execDir = join(this.containers.paths(record.id).execsDir, id.slice(0, 12));
      this.containers.publish(record, `exec_start: ${request.Cmd.join(' ')}`, { execID: id });
      const exitCode = terminal
        ? await this.runMonitored(session, execDir, process, io)
        : await this.runPiped(session, execDir, process, io);
      session.exitCode = exitCode;
      return exitCode;
    } catch (error) {
      session.exitCode = 126;
      throw error;
    } finally {
      session.running = false;
      delete session.resize;
      this.containers.publish(record, 'exec_die', { execID: id, exitCode: String(session.exitCode ?? -1) });
    }
  }

  private async runPiped(
    session: ExecSession,
    execDir: string,
    process: Parameters<typeof spawnExec>[2],
    io: ExecStartIo,
  ): Promise<number> {
    const child = await spawnExec(this.containers.runc, session.containerId, process, { execDir });
    void child.pid().then(
      (pid) => (session.pid = pid),
      () => undefined,
    );
    let stderrHead = '';
    const attachOut = session.request.AttachStdout !== false;
    const attachErr = session.request.AttachStderr !== false;
    child.stdout.on('data', (chunk: Buffer) => attachOut && io.onOutput('stdout', chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderrHead.length < 4096) stderrHead += chunk.toString('utf8');
      if (attachErr) io.onOutput('stderr', chunk);
    });
    const drained = Promise.all([ended(child.stdout), ended(child.stderr)]);
    if (session.request.AttachStdin === true && io.input !== undefined) {
      io.input.on('data', (chunk: Buffer) => child.stdin.write(chunk));
      io.input.once('end', () => child.stdin.end());
      io.input.once('error', () => child.stdin.end());
    } else {
      child.stdin.end();
    }
    child.stdin.on('error', () => undefined);
    const onAbort = (): void => {
      // The client went away: like Docker, the process keeps running; only our pipes go.
      child.stdin.end();
    };
    io.signal?.addEventListener('abort', onAbort, { once: true });
    const code = await child.exited;
    await drained;
    io.signal?.removeEventListener('abort', onAbort);
    // runc's own failure to start the process (not the process's exit): Docker's 126/127.
    if (code === 255 && /exec failed|unable to start container process/.test(stderrHead)) {
      if (/not found|no such file/i.test(stderrHead)) return 127;
      return 126;
    }
    return code;
  }

  private async runMonitored(
    session: ExecSession,
    execDir: string,
    process: Parameters<typeof spawnExec>[2],
    io: ExecStartIo,
  ): Promise<number> {
    const exec = await startMonitoredExec(this.containers.monitorContext(), {
      containerId: session.containerId,
      execId: session.id.slice(0, 32),
      execDir,
      process,
      stdin: session.request.AttachStdin === true,
      onOutput: (stream, data) => io.onOutput(stream, data),
    });
    session.pid = exec.pid;
    session.resize = (height, width) => exec.resize(height, width);
    if (session.request.AttachStdin === true && io.input !== undefined) {
      io.input.on('data', (chunk: Buffer) => exec.attach.write(chunk));
      io.input.once('end', () => exec.attach.endInput());
    }
    const code = await exec.wait();
    await exec.attach.closed;
    return code;
  }
}

function ended(stream: Readable): Promise<void> {
  return new Promise((resolve) => {
    if (stream.readableEnded || stream.destroyed) return resolve();
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
}
