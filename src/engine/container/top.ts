// `docker top`: the host's `ps` output (with the client's ps_args) narrowed to the container's processes, as
// Docker's daemon does. Invariant: rows are matched by the PID column only, so a ps_args without a PID column
// is refused rather than answered wrongly.
import { execa } from 'execa';
import { BerthError } from '../../shared/errors.js';
import type { ContainerTopResponse } from '../api/containers.js';

/** Splits ps output into titles and rows of the container's pids (the last column keeps its spaces). */
export function parsePsOutput(output: string, pids: ReadonlySet<number>): ContainerTopResponse {
  const lines = output.split('\n').filter((line) => line.trim() !== '');
  const titles = (lines[0] ?? '').trim().split(/\s+/);
  const pidIndex = titles.indexOf('PID');
  if (pidIndex < 0) throw new BerthError('InvalidArgument', `Couldn't find PID field in ps output`);
  const processes: string[][] = [];
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/);
    const row = [...fields.slice(0, titles.length - 1), fields.slice(titles.length - 1).join(' ')];
    if (pids.has(Number(row[pidIndex]))) processes.push(row);
  }
  return { Titles: titles, Processes: processes };
}

export async function topProcesses(pids: readonly number[], psArgs: string): Promise<ContainerTopResponse> {
  const args = psArgs.trim() === '' ? ['-ef'] : psArgs.trim().split(/\s+/);
  const result = await execa('ps', args, { reject: false });
  if (result.exitCode !== 0)
    throw new BerthError(
      'Internal',
      `Error running ps: ${result.stderr.trim() || `exit status ${result.exitCode}`}`,
    );
  return parsePsOutput(result.stdout, new Set(pids));
}
