// Loader warnings on stderr, one per line, with the file position when known.

import type { LoadWarning } from '../../compose/load/warnings.js';
import { formatPosition } from '../../compose/load/source-map.js';

export function printWarnings(warnings: readonly LoadWarning[]): void {
  for (const warning of warnings) {
    const where = formatPosition(warning.position);
    process.stderr.write(`WARN ${where ? `${where} ` : ''}${warning.message}\n`);
  }
}
