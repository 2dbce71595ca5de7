// Runs the host tools the network subsystem drives (ip, iptables). Injectable so tests and dry runs can record the
// commands instead. Invariant: every command goes through a runner; nothing here builds shell strings.

import { execa } from 'execa';
import { BerthError } from '../../shared/errors.js';

export interface CommandResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `file args…` with optional stdin; resolves with the result whatever the exit code. */
export type CommandRunner = (
  file: string,
  args: readonly string[],
  options?: { input?: string },
) => Promise<CommandResult>;

export const execaRunner: CommandRunner = async (file, args, options = {}) => {
  const result = await execa(file, [...args], {
    reject: false,
    input: options.input,
    stdin: options.input === undefined ? 'ignore' : 'pipe',
    env: { LC_ALL: 'C' },
  });
  if (result.failed && result.exitCode === undefined) {
    throw new BerthError('Internal', `cannot run ${file}: ${result.shortMessage}`, { cause: result });
  }
  return { exitCode: result.exitCode ?? 1, stdout: result.stdout, stderr: result.stderr };
};

/** Runs a command that must succeed; a failure is Internal with the tool's own message. */
export async function mustRun(
  run: CommandRunner,
  file: string,
  args: readonly string[],
  input?: string,
): Promise<string> {
  const result = await run(file, args, input === undefined ? {} : { input });
  if (result.exitCode !== 0) {
    const what =
      input === undefined ? `${file} ${args.join(' ')}` : `${file} ${args.join(' ')} <<${input.trim()}`;
    throw new BerthError('Internal', `${what} failed: ${result.stderr.trim() || `exit ${result.exitCode}`}`);
  }
  return result.stdout;
}

/** Runs several `ip` commands in one process (`ip -batch -`), optionally inside a named network namespace. */
export async function ipBatch(
  run: CommandRunner,
  lines: readonly string[],
  netnsName?: string,
): Promise<void> {
  if (lines.length === 0) return;
  const args = netnsName === undefined ? ['-batch', '-'] : ['-n', netnsName, '-batch', '-'];
  await mustRun(run, 'ip', args, lines.join('\n') + '\n');
}
