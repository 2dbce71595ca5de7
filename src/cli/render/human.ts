// Numbers and times as Docker's tables print them: sizes in decimal units with three significant digits
// ("4.26MB"), ages in words ("2 minutes ago"), short IDs and ellipsised text. Invariant: pure functions of their
// inputs (the current time is a parameter), so tables are tested as exact text.

/** Bytes in decimal units with three significant digits: 0 → "0B", 4_260_000 → "4.26MB", 1500 → "1.5kB". */
import { humanDuration } from '../../shared/human-duration.js';

export { humanDuration };

export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let size = Math.max(0, bytes);
  let unit = 0;
  while (size >= 1000 && unit < units.length - 1) {
    size /= 1000;
    unit++;
  }
  // Number(toPrecision) drops trailing zeros as Go's %g does.
  return `${Number(size.toPrecision(3))}${units[unit] ?? 'B'}`;
}

/** Binary units with four significant digits, for memory figures (`docker stats`): 1536 → "1.5KiB". */
export function humanBinarySize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let size = Math.max(0, bytes);
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit++;
  }
  return `${Number(size.toPrecision(4))}${units[unit] ?? 'B'}`;
}

/** "2 minutes ago" for a unix time in seconds; "N/A" for 0 (unknown). */
export function timeAgo(unixSeconds: number, nowMs: number): string {
  if (unixSeconds <= 0) return 'N/A';
  return `${humanDuration(nowMs - unixSeconds * 1000)} ago`;
}

/** The first 12 hex characters of an ID, without its `sha256:` prefix. */
export function shortId(id: string): string {
  return (id.startsWith('sha256:') ? id.slice('sha256:'.length) : id).slice(0, 12);
}

/** Cuts text longer than `max` characters to max-1 and adds "…" (Docker's Ellipsis). */
export function ellipsis(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}
