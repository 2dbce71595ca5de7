// `berth build [services]`: build the images of the project's services that have a `build:` section, with
// docker compose build's flags; progress per service, prefixed by its name.
import { BerthError } from '../../shared/errors.js';
import { buildServices } from '../../compose/converge/build.js';
import type { GlobalOptions } from '../global-options.js';
import { progressReporter } from '../render/progress.js';
import { openProject } from './compose-project.js';

interface BuildFlags {
  cache?: boolean;
  pull?: boolean;
  buildArg?: string[];
  quiet?: boolean;
  ssh?: string;
}

export async function run(
  raw: Record<string, unknown>,
  args: string[],
  globals: GlobalOptions,
): Promise<void> {
  const flags = raw as BuildFlags;
  if (flags.ssh !== undefined)
    throw new BerthError('Usage', "--ssh is not supported: berth's builder does not forward SSH agents");
  const session = await openProject(globals, args);
  const reporter = progressReporter(flags.quiet === true ? 'quiet' : globals.progress);
  try {
    const services = Object.values(session.project.services).filter(
      (service) => args.length === 0 || args.includes(service.name),
    );
    for (const name of args)
      if (!(name in session.project.services)) throw new BerthError('Usage', `no such service: ${name}`);
    const buildable = services.filter((service) => service.build !== undefined);
    if (buildable.length === 0) {
      reporter.warn('no service to build: none of them has a build section');
      return;
    }
    await buildServices(
      session.project,
      buildable,
      session.engine,
      {
        noCache: flags.cache === false,
        pull: flags.pull === true,
        buildArgs: buildArgs(flags.buildArg ?? []),
        quiet: flags.quiet === true,
      },
      reporter,
    );
  } finally {
    reporter.finish();
    session.close();
  }
}

function buildArgs(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq === -1) {
      const env = process.env[value];
      if (env !== undefined) out[value] = env;
    } else out[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return out;
}
