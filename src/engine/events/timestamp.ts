// The `since` and `until` parameters of /events (and of logs): unix seconds with an optional fraction
// ("1700000000.123456789"), an RFC 3339 date, or a duration back from now ("10m", "1h30m", "90s").
// Invariant: results are unix nanoseconds as a number (microsecond-precise), like EventMessage.timeNano.

import { BerthError } from '../../shared/errors.js';

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Parses a timestamp relative to `nowNano`; throws InvalidArgument when it is none of the accepted forms. */
export function parseTimestampNano(value: string, nowNano: number): number {
  const text = value.trim();
  const unix = /^(\d+)(?:\.(\d{1,9}))?$/.exec(text);
  if (unix) {
    const seconds = Number(unix[1]);
    const fraction = Number((unix[2] ?? '').padEnd(9, '0'));
    return seconds * 1e9 + fraction;
  }
  if (/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text)) {
    let total = 0;
    for (const part of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
      total += Number(part[1]) * (UNIT_NS[part[2] ?? 's'] ?? 1e9);
    }
    return nowNano - total;
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return ms * 1e6;
  }
  throw new BerthError(
    'InvalidArgument',
    `invalid timestamp ${JSON.stringify(value)}: expected unix seconds, RFC 3339 or a duration`,
  );
}
