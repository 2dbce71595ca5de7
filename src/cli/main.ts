// berth's entry point. It stays tiny: the parser and the command table load only when needed, so
// `berth --version` answers at once. Errors map to exit codes in cli/exit.ts (usage 2, failure 1, Ctrl-C 130).

import { reportError, EXIT_INTERRUPTED } from './exit.js';
import { VERSION } from '../shared/version.js';

process.once('SIGINT', () => {
  // A command that handles Ctrl-C itself removes this listener; otherwise leave at once, as a shell would.
  process.exit(EXIT_INTERRUPTED);
});

async function main(argv: readonly string[]): Promise<number> {
  const args = argv.slice(2);
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const { runCli } = await import('./program.js');
  return runCli(argv);
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = reportError(error);
  },
);
