// The logging a container is created with (`--log-driver`, `--log-opt max-size=10m --log-opt max-file=3`).
// The engine keeps every container's log as JSON lines (json-file); `local` is accepted as the same thing and
// `none` keeps no log. Options the engine does not act on are reported as create warnings, not silently dropped.

import { BerthError } from '../../shared/errors.js';
import type { JsonLogLimits } from '../runtime/json-log.js';

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

const DRIVERS = new Set(['', 'json-file', 'local', 'none']);
/** json-file options that change only what Docker adds to each line, which the engine does not add. */
const ATTRIBUTE_OPTIONS = new Set(['tag', 'labels', 'labels-regex', 'env', 'env-regex', 'compress']);

export interface LogSettings {
  /** False for the `none` driver: the container's output is not kept. */
  keep: boolean;
  limits: JsonLogLimits;
  warnings: string[];
}

export interface LogConfigInput {
  Type?: string;
  Config?: Readonly<Record<string, string>> | null;
}

/** The settings of a LogConfig; InvalidArgument naming the driver or option when they cannot be honoured. */
export function logSettings(logConfig: LogConfigInput | undefined | null): LogSettings {
  const driver = logConfig?.Type ?? '';
  if (!DRIVERS.has(driver)) {
    throw new BerthError(
      'InvalidArgument',
      `logging driver "${driver}" is not supported: use json-file (the default), local or none`,
    );
  }
  const config = logConfig?.Config ?? {};
  const warnings: string[] = [];
  for (const key of Object.keys(config)) {
    if (key === 'max-size' || key === 'max-file') continue;
    if (!ATTRIBUTE_OPTIONS.has(key))
      throw new BerthError(
        'InvalidArgument',
        `unknown log opt '${key}' for ${driver || 'json-file'} log driver`,
      );
    warnings.push(
      key === 'compress'
        ? `log option 'compress' has no effect: rotated log files are kept uncompressed`
        : `log option '${key}' has no effect: berth's log lines carry no attributes`,
    );
  }
  const maxSize = logSizeLimit(config);
  const maxFiles = logFileCount(config);
  if (maxFiles > 1 && maxSize === undefined)
    throw new BerthError('InvalidArgument', 'max-file cannot be set without max-size');
  return {
    keep: driver !== 'none',
    limits: maxSize === undefined ? { maxFiles } : { maxSize, maxFiles },
    warnings,
  };
}

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

/** Docker's `max-file`: a whole number of at least 1 (default 1). */
export function logFileCount(config: Readonly<Record<string, string>> | undefined): number {
  const text = config?.['max-file'];
  if (text === undefined || text === '') return 1;
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1)
    throw new BerthError(
      'InvalidArgument',
      `invalid log option max-file "${text}": max-file cannot be less than 1`,
    );
  return Number(text);
}
