// Log options a container is created with (`--log-opt max-size=10m`). conmon enforces the size: when the log
// reaches it, conmon starts the file afresh (it keeps no rotated copies, so `max-file` has no effect).

import { BerthError } from '../../shared/errors.js';

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
};

/** Bytes for a `max-size` value such as `10m`, `512k`, `1g`; undefined when none is set. */
export function logSizeLimit(config: Readonly<Record<string, string>> | undefined): number | undefined {
  const text = config?.['max-size'];
  if (text === undefined || text === '' || text === '-1') return undefined;
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const factor = match ? UNITS[(match[2] ?? '').toLowerCase()] : undefined;
  if (!match || factor === undefined || Number(match[1]) <= 0) {
    throw new BerthError(
      'InvalidArgument',
      `invalid log option max-size "${text}" (expected e.g. 10m, 512k, 1g)`,
    );
  }
  return Math.floor(Number(match[1]) * factor);
}
