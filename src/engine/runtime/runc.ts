// A small invoker for the OCI runtime binary (runc by default; crun speaks the same verbs).
// Invariant: every call passes `--root <state dir>` so engines with different state dirs never see each
// other's containers; failures become BerthErrors carrying the runtime's own message.
import { execa } from 'execa';
import { BerthError } from '../../shared/errors.js';
import type { OciResources, OciState } from './oci-types.js';

export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Runs a program to completion; injected so argument building is testable without a runtime. */
export type CommandRunner = (
  file: string,
  args: readonly string[],
  options?: { input?: string },
) => Promise<CommandResult>;

export const execaRunner: CommandRunner = async (file, args, options = {}) => {
  const result = await execa(file, [...args], {
    reject: false,
    stdin: options.input === undefined ? 'ignore' : 'pipe',
    ...(options.input === undefined ? {} : { input: options.input }),
  });
  return { stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode ?? -1 };
};

export interface RuncOptions {
  /** The runtime binary (a name on PATH or a path); `runc` by default. */
  binary?: string;
  /** The runtime's state directory for this engine. */
  root: string;
  systemdCgroup?: boolean;
  run?: CommandRunner;
}

/** cgroup statistics as `runc events --stats` reports them (the fields berth reads). */
export interface RuncStats {
  cpu?: { usage?: { total?: number; percpu?: number[]; kernel?: number; user?: number } };
  memory?: {
    usage?: { usage?: number; max?: number; limit?: number };
    cache?: number;
    raw?: Record<string, number>;
  };
  pids?: { current?: number; limit?: number };
  blkio?: Record<string, unknown>;
  [key: string]: unknown;
}

export class Runc {
  readonly binary: string;
  readonly root: string;
  private readonly systemdCgroup: boolean;
  private readonly run: CommandRunner;

  constructor(options: RuncOptions) {
    this.binary = options.binary ?? 'runc';
    this.root = options.root;
    this.systemdCgroup = options.systemdCgroup === true;
    this.run = options.run ?? execaRunner;
  }

  /** The global arguments every invocation starts with (conmon passes them on as --runtime-arg). */
  globalArgs(): string[] {
    return ['--root', this.root, ...(this.systemdCgroup ? ['--systemd-cgroup'] : [])];
  }

  /** The container's state, or undefined when the runtime does not know it. */
  async state(id: string): Promise<OciState | undefined> {
    const result = await this.run(this.binary, [...this.globalArgs(), 'state', id]);
    if (result.exitCode !== 0) {
      if (/does not exist|not found/i.test(result.stderr)) return undefined;
      throw runtimeError('state', id, result);
    }
    return JSON.parse(result.stdout) as OciState;
  }

  async list(): Promise<OciState[]> {
    const stdout = await this.invoke('list', undefined, ['list', '--format', 'json']);
    return (JSON.parse(stdout || 'null') as OciState[] | null) ?? [];
  }

  async start(id: string): Promise<void> {
    await this.invoke('start', id, ['start', id]);
  }

  /** Sends a signal to the init process, or to every process of the container with `all`. */
  async kill(
    id: string,
    signal: string | number = 'SIGTERM',
    options: { all?: boolean } = {},
  ): Promise<void> {
    await this.invoke('kill', id, ['kill', ...(options.all === true ? ['--all'] : []), id, String(signal)]);
  }

  async delete(id: string, options: { force?: boolean } = {}): Promise<void> {
    const result = await this.run(this.binary, [
      ...this.globalArgs(),
      'delete',
      ...(options.force === true ? ['--force'] : []),
      id,
    ]);
    // Deleting what is already gone is success: delete is how every path ends, including cleanup.
    if (result.exitCode !== 0 && !/does not exist|not found/i.test(result.stderr)) {
      throw runtimeError('delete', id, result);
    }
  }

  async pause(id: string): Promise<void> {
    await this.invoke('pause', id, ['pause', id]);
  }

  async resume(id: string): Promise<void> {
    await this.invoke('resume', id, ['resume', id]);
  }

  /** Host PIDs of the container's processes. */
  async ps(id: string): Promise<number[]> {
    const stdout = await this.invoke('ps', id, ['ps', '--format', 'json', id]);
    return (JSON.parse(stdout || 'null') as number[] | null) ?? [];
  }

  /** One sample of the container's cgroup statistics. */
  async stats(id: string): Promise<RuncStats> {
    const stdout = await this.invoke('events', id, ['events', '--stats', id]);
    const event = JSON.parse(stdout) as { type: string; data?: RuncStats };
    return event.data ?? {};
  }

  /** Changes resource limits of a running container. */
  async update(id: string, resources: OciResources): Promise<void> {
    await this.invoke('update', id, ['update', '--resources', '-', id], JSON.stringify(resources));
  }

  private async invoke(
    verb: string,
    id: string | undefined,
    args: string[],
    input?: string,
  ): Promise<string> {
    const result = await this.run(
      this.binary,
      [...this.globalArgs(), ...args],
      input === undefined ? {} : { input },
    );
    if (result.exitCode !== 0) throw runtimeError(verb, id, result);
    return result.stdout;
  }
}

/** runc logs `time=... level=error msg="..."`; keep only the message, classify "does not exist". */
export function runtimeError(verb: string, id: string | undefined, result: CommandResult): BerthError {
  const message = runtimeMessage(result.stderr) || `exit status ${result.exitCode}`;
  const code = /does not exist|not found/i.test(message)
    ? 'NotFound'
    : /not running|is not paused|cannot (?:pause|resume|kill)|already/i.test(message)
      ? 'Conflict'
      : 'Internal';
  return new BerthError(code, `runtime ${verb}${id === undefined ? '' : ` ${id}`}: ${message}`);
}

export function runtimeMessage(stderr: string): string {
  const messages: string[] = [];
  for (const line of stderr.split('\n')) {
    const match = /msg="((?:[^"\\]|\\.)*)"/.exec(line);
    if (match?.[1] !== undefined) messages.push(match[1].replace(/\\(.)/g, '$1'));
    else if (line.trim() !== '') messages.push(line.trim());
  }
  return messages.join('; ');
}
