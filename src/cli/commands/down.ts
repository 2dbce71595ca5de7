// `berth down`: stop and remove the project's containers and networks (and volumes with -v).
import { down } from '../../compose/converge/down.js';
import { BerthError } from '../../shared/errors.js';
import type { GlobalOptions } from '../global-options.js';
import { progressReporter } from '../render/progress.js';
import { openProject } from './compose-project.js';

interface DownFlags {
  volumes?: boolean;
  removeOrphans?: boolean;
  timeout?: string;
  rmi?: string;
}

export async function run(
  raw: Record<string, unknown>,
  _args: string[],
  globals: GlobalOptions,
): Promise<void> {
  const flags = raw as DownFlags;
  if (flags.rmi !== undefined && flags.rmi !== 'local' && flags.rmi !== 'all')
    throw new BerthError('Usage', `invalid --rmi "${flags.rmi}": use local or all`);
  const session = await openProject(globals);
  const reporter = progressReporter(globals.progress);
  try {
    await down(
      session.project,
      session.engine,
      {
        volumes: flags.volumes === true,
        removeOrphans: flags.removeOrphans === true,
        ...(flags.timeout === undefined ? {} : { stopTimeout: Number(flags.timeout) }),
        ...(flags.rmi === undefined ? {} : { rmi: flags.rmi as 'local' | 'all' }),
      },
      reporter,
    );
  } finally {
    reporter.finish();
    session.close();
  }
}
