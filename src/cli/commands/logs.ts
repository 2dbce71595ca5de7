// `berth logs`: the output of the project's containers, prefixed per container, optionally followed.
import { observedContainer } from '../../compose/converge/plan.js';
import type { GlobalOptions } from '../global-options.js';
import { linePrinter } from '../render/log-prefix.js';
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
    const containers = (await session.engine.containers(session.project.name, true))
      .map((summary) => observedContainer(summary, session.project.name))
      .filter((c) => c !== undefined && !c.oneoff && (args.length === 0 || args.includes(c.service)))
      .map((c) => c as NonNullable<typeof c>)
      .sort((a, b) => a.name.localeCompare(b.name));
    const names = containers.map((c) => shortName(session.project, c.name));
    const colour =
      flags.color !== false &&
      globals.ansi !== 'never' &&
      (globals.ansi === 'always' || process.stdout.isTTY === true);
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
