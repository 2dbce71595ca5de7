// One line of a container's output as the engine keeps it, and the filters `logs` applies to entries.

export type LogStream = 'stdout' | 'stderr';

export interface LogEntry {
  /** The entry's timestamp as written (RFC 3339 with nanoseconds). */
  time: string;
  /** Nanoseconds since the epoch, for since/until. */
  timeNs: bigint;
  stream: LogStream;
  /** The text with its newline, or without one when the process left the line unfinished. */
  message: string;
}

export interface LogFilter {
  stdout?: boolean;
  stderr?: boolean;
  /** Only entries at or after this time (ns since the epoch). */
  sinceNs?: bigint;
  /** Only entries before this time (ns since the epoch). */
  untilNs?: bigint;
  /** Only the last N entries of what exists now. */
  tail?: number;
}

/** `2026-11-23T09:47:11.084205172+00:00` → nanoseconds since the epoch; 0 for a malformed time. */
export function parseTimestampNs(time: string): bigint {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (match === null) return 0n;
  const seconds = Date.parse(`${match[1]}${match[3]}`);
  if (Number.isNaN(seconds)) return 0n;
  const fraction = (match[2] ?? '').padEnd(9, '0').slice(0, 9);
  return BigInt(seconds) * 1_000_000n + BigInt(fraction);
}

/** Nanoseconds since the epoch → `2026-11-23T09:47:11.084205172Z` (UTC, nine digits, as Docker writes). */
export function formatTimestampNs(timeNs: bigint): string {
  const millis = timeNs / 1_000_000n;
  const seconds = new Date(Number(millis)).toISOString().slice(0, 19);
  const fraction = String(timeNs % 1_000_000_000n).padStart(9, '0');
  return `${seconds}.${fraction}Z`;
}

export function matchesFilter(entry: LogEntry, filter: LogFilter): boolean {
  if (entry.stream === 'stdout' && filter.stdout === false) return false;
  if (entry.stream === 'stderr' && filter.stderr === false) return false;
  if (filter.sinceNs !== undefined && entry.timeNs < filter.sinceNs) return false;
  if (filter.untilNs !== undefined && entry.timeNs >= filter.untilNs) return false;
  return true;
}

export function applyTail(entries: LogEntry[], tail: number | undefined): LogEntry[] {
  if (tail === undefined || tail < 0) return entries;
  return tail === 0 ? [] : entries.slice(-tail);
}
