// `berth run SERVICE [COMMAND...]`: a one-off container of a service, attached (exit code passed on) or
// detached (-d), removed afterwards with --rm.
import { createOneOff } from '../../compose/converge/one-off.js';
import { BerthError } from '../../shared/errors.js';
import type { GlobalOptions } from '../global-options.js';
import { progressReporter } from '../render/progress.js';
import { openProject } from './compose-project.js';
import { runAttached } from './container.js';

interface RunFlags {
  detach?: boolean;
  rm?: boolean;
  env?: string[];
  user?: string;
  workdir?: string;
  publish?: string[];
  servicePorts?: boolean;
  deps?: boolean;
  entrypoint?: string;
  volume?: string[];
  name?: string;
  tty?: boolean;
  interactive?: boolean;
}

export async function run(
  raw: Record<string, unknown>,
  args: string[],
  globals: GlobalOptions,
): Promise<void> {
  const flags = raw as RunFlags;
  const [service, ...command] = args;
  if (service === undefined)
    throw new BerthError('Usage', 'usage: berth run [OPTIONS] SERVICE [COMMAND] [ARGS...]');
  const stdinIsTty = process.stdin.isTTY === true;
  const tty = flags.tty === false ? false : stdinIsTty && process.stdout.isTTY === true;
  const interactive = flags.detach !== true && flags.interactive !== false && stdinIsTty;
  const session = await openProject(globals, [service]);
  const reporter = progressReporter(globals.progress);
  try {
    const { id, name } = await createOneOff(
      session.project,
      service,
      session.engine,
      {
        command,
        ...(flags.entrypoint === undefined ? {} : { entrypoint: [flags.entrypoint] }),
        env: flags.env ?? [],
        ...(flags.user === undefined ? {} : { user: flags.user }),
        ...(flags.workdir === undefined ? {} : { workdir: flags.workdir }),
        ...(flags.name === undefined ? {} : { name: flags.name }),
        servicePorts: flags.servicePorts === true,
        publish: flags.publish ?? [],
        volumes: flags.volume ?? [],
        tty,
        interactive,
        noDeps: flags.deps === false,
        remove: flags.rm === true,
      },
      reporter,
    );
    reporter.finish();
    if (flags.detach === true) {
      await session.engine.start(id);
      process.stdout.write(`${name}\n`);
      return;
    }
    const { socket } = await session.client.hijack({
      method: 'POST',
      path: `/containers/${id}/attach`,
      query: { stream: true, stdin: interactive, stdout: true, stderr: true },
    });
    const exit = session.engine.wait(id, undefined, flags.rm === true ? 'removed' : 'next-exit');
    await session.engine.start(id);
    await runAttached(session.client, `/containers/${id}/resize`, socket, { tty, interactive });
    process.exitCode = await exit;
  } finally {
    session.close();
  }
}
