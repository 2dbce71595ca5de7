// `berth logs`: the output of the project's containers, prefixed per container, optionally followed.
import { projectContainers } from '../../compose/converge/lifecycle.js';
import type { GlobalOptions } from '../global-options.js';
import { linePrinter, wantsColour } from '../render/log-prefix.js';
import { openProject, shortName } from './compose-project.js';
import { printContainerOutput } from './container-output.js';

interface LogsFlags {
  follow?: boolean;
  tail?: string;
  since?: string;
  until?: string;
  timestamps?: boolean;
  color?: boolean;
  logPrefix?: boolean;
}

export async function run(
  raw: Record<string, unknown>,
  args: string[],
  globals: GlobalOptions,
): Promise<void> {
  const flags = raw as LogsFlags;
  const session = await openProject(globals);
  try {
    const containers = await projectContainers(session.project, session.engine, { services: args });
    const names = containers.map((c) => shortName(session.project, c.name));
    const colour = wantsColour(flags.color, globals.ansi);
    const printer = linePrinter(names, { colour, prefix: flags.logPrefix !== false });
    const stop = new AbortController();
    const onInterrupt = (): void => stop.abort();
    process.once('SIGINT', onInterrupt);
    try {
      await Promise.all(
        containers.map(async (container, index) => {
          const name = names[index] ?? container.name;
          await printContainerOutput(
            session.client,
            container.id,
            name,
            printer,
            {
              follow: flags.follow === true,
              timestamps: flags.timestamps === true,
              ...(flags.tail === undefined ? {} : { tail: flags.tail }),
              ...(flags.since === undefined ? {} : { since: flags.since }),
              ...(flags.until === undefined ? {} : { until: flags.until }),
            },
            stop.signal,
          );
        }),
      );
    } finally {
      process.off('SIGINT', onInterrupt);
      printer.flush();
    }
    if (stop.signal.aborted) process.exitCode = 130;
  } finally {
    session.close();
  }
}
