// Every command's name, flags and help, declared up front (cheap), with its implementation loaded only
// when it runs. One file per verb under commands/.

import { Option, type Command } from 'commander';
import type { GlobalOptions } from '../global-options.js';

type Action = (options: Record<string, unknown>, args: string[], globals: GlobalOptions) => Promise<void>;

/** Wraps a lazily imported action so commander hands it the command's options, arguments and globals. */
function lazy(load: () => Promise<{ run: Action }>) {
  return async (...received: unknown[]) => {
    const command = received[received.length - 1] as Command;
    const { run } = await load();
    const args = command.args;
    const globals = command.optsWithGlobals() as GlobalOptions;
    await run(command.opts(), args, globals);
  };
}

export function registerCommands(program: Command): void {
  program
    .command('config')
    .description('parse, resolve and render the compose project in canonical form')
    .argument('[services...]', 'only these services')
    .addOption(new Option('--format <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .option('-q, --quiet', 'only validate the configuration, print nothing')
    .option('--services', 'print the service names, one per line')
    .option('--volumes', 'print the volume names, one per line')
    .option('--networks', 'print the network names, one per line')
    .option('--profiles', 'print the profile names, one per line')
    .option('--images', 'print the image names, one per line')
    .option('--variables', 'print the variables used by the model and their defaults')
    .option('--environment', 'print the environment used for interpolation')
    .option('--hash <services>', "print the config hash of services ('svc1,svc2' or '*')")
    .option('--no-interpolate', 'do not interpolate environment variables')
    .option('--no-normalize', 'do not normalise the model')
    .option('--no-path-resolution', 'keep relative paths as written')
    .option('--no-consistency', 'skip the semantic checks')
    .option('-o, --output <path>', 'write to this file instead of standard output')
    .action(lazy(() => import('./config.js')));

  program
    .command('version')
    .description('show the berth version information')
    .addOption(new Option('--format <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .option('--short', 'print only the version number')
    .action(lazy(() => import('./version.js')));

  const engine = program.command('engine').description("manage berth's embedded container engine");
  engine
    .command('run')
    .description('run the engine in the foreground (logs to stderr; stops on SIGTERM or Ctrl-C)')
    .action(lazy(() => import('./engine-run.js')));
  engine
    .command('status')
    .description('show whether the engine is running (exit 1 when it is not)')
    .addOption(new Option('--format <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .action(lazy(() => import('./engine.js').then((m) => ({ run: m.status }))));
  engine
    .command('stop')
    .description('stop the background engine')
    .option('-t, --timeout <seconds>', 'how long to wait before killing it', '15')
    .action(lazy(() => import('./engine.js').then((m) => ({ run: m.stop }))));
  engine
    .command('logs')
    .description("print the engine's log")
    .option('-f, --follow', 'keep printing new lines')
    .option('-n, --tail <lines>', 'only the last lines ("all" for everything)', 'all')
    .action(lazy(() => import('./engine.js').then((m) => ({ run: m.logs }))));
}
