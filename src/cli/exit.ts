// Errors become a message on stderr and an exit code here, and only here.

import { BerthError } from '../shared/errors.js';

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

export function reportError(error: unknown): number {
  if (error instanceof BerthError) {
    process.stderr.write(`${error.message}\n`);
    if (error.hint) process.stderr.write(`  ${error.hint}\n`);
    if (error.code === 'Usage') return EXIT_USAGE;
    if (error.code === 'Cancelled') return EXIT_INTERRUPTED;
    return EXIT_FAILURE;
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`unexpected error: ${text}\n`);
  return EXIT_FAILURE;
}
