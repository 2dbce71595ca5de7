// `berth exec SERVICE COMMAND...`: a command in a running container of a service (the first, or --index).
import { BerthError } from '../../shared/errors.js';
import { projectContainers } from '../../compose/converge/lifecycle.js';
import type { GlobalOptions } from '../global-options.js';
import { openProject } from './compose-project.js';
import { exec } from './container.js';

interface ExecFlags {
  detach?: boolean;
  tty?: boolean;
  user?: string;
  workdir?: string;
  env?: string[];
  index?: string;
  privileged?: boolean;
}

export async function run(
  raw: Record<string, unknown>,
  args: string[],
  globals: GlobalOptions,
): Promise<void> {
  const flags = raw as ExecFlags;
  const [service, ...command] = args;
  if (service === undefined || command.length === 0)
    throw new BerthError('Usage', 'usage: berth exec [OPTIONS] SERVICE COMMAND [ARGS...]');
  const session = await openProject(globals);
  let id: string;
  try {
    const index = flags.index === undefined ? 1 : Number(flags.index);
    const containers = await projectContainers(session.project, session.engine, { services: [service] });
    const target = containers.find((c) => c.number === index && c.state === 'running');
    if (target === undefined)
      throw new BerthError(
        'FailedPrecondition',
        `service "${service}" is not running${index === 1 ? '' : ` (container #${index})`}`,
        { hint: 'start it with: berth up -d' },
      );
    id = target.id;
  } finally {
    session.close();
  }
  await exec(
    {
      detach: flags.detach === true,
      ...(flags.tty === false ? { tty: false } : {}),
      ...(flags.user === undefined ? {} : { user: flags.user }),
      ...(flags.workdir === undefined ? {} : { workdir: flags.workdir }),
      env: flags.env ?? [],
      privileged: flags.privileged === true,
    },
    [id, ...command],
  );
}
