// The command line: global options, the command table, and parsing with usage errors mapped to exit code 2.

import { Command, CommanderError, Option } from 'commander';
import { registerCommands } from './commands/index.js';
import { reportError, EXIT_USAGE } from './exit.js';
import { VERSION } from '../shared/version.js';
import { setHostOption } from './engine-target.js';

export function buildProgram(): Command {
  const program = new Command('berth')
    .description('Compose-first container stacks on an embedded engine')
    .version(VERSION, '-v, --version', 'print the version and exit')
    .addOption(new Option('-f, --file <path>', 'compose configuration file (repeatable)').argParser(collect))
    .addOption(new Option('-p, --project-name <name>', 'project name'))
    .addOption(
      new Option(
        '--project-directory <path>',
        "working directory of the project (default: the first file's)",
      ),
    )
    .addOption(new Option('--all-resources', 'include all resources, even those not used by services'))
    .addOption(new Option('--profile <name>', 'enable a profile (repeatable)').argParser(collect))
    .addOption(
      new Option('--env-file <path>', 'an alternative environment file (repeatable)').argParser(collect),
    )
    .addOption(
      new Option('--progress <mode>', 'how progress is shown')
        .choices(['auto', 'tty', 'plain', 'json', 'quiet'])
        .default('auto'),
    )
    .addOption(
      new Option(
        '-H, --host <socket>',
        "drive the engine at this unix socket (default: DOCKER_HOST, else berth's own)",
      ),
    )
    .addOption(
      new Option('--ansi <when>', 'control characters in output')
        .choices(['auto', 'never', 'always'])
        .default('auto'),
    )
    // Global options go before the command, so a command's own short flags (`logs -f`) stay its own.
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) })
    .hook('preAction', (_program, action) => {
      setHostOption((action.optsWithGlobals() as { host?: string }).host);
    });
  registerCommands(program);
  return program;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[]);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      )
        return 0;
      return EXIT_USAGE;
    }
    return reportError(error);
  }
}
