// conmon's capture of a container's output, in the k8s-file format:
//   <RFC3339Nano time> <stdout|stderr> <F|P> <text>
// where P marks a partial line continued by the next record of the same stream. The engine ships this file into
// the container's JSON log (log-shipper.ts); conmon keeps writing it while no engine runs.
// Invariant: partial records are joined before anything is filtered or counted, up to a bound per line, as
// Docker's json-file driver splits very long lines.
import { parseTimestampNs, type LogEntry, type LogStream } from './log-entry.js';
import { readLogFile, followLogFile, type FollowOptions, type LogDecoder } from './log-follow.js';
import type { LogFilter } from './log-entry.js';

/** A line longer than this is kept as several entries (Docker's json-file splits at 16 KiB). */
export const MAX_ENTRY_BYTES = 16 * 1024;

interface CaptureRecord {
  time: string;
  stream: LogStream;
  partial: boolean;
  text: string;
}

/** Parses one line of the file; undefined for a line that is not a record. */
export function parseCaptureRecord(line: string): CaptureRecord | undefined {
  const match = /^(\S+) (stdout|stderr) ([FP]) ?(.*)$/s.exec(line);
  if (match === null) return undefined;
  return {
    time: match[1] ?? '',
    stream: match[2] as LogStream,
    partial: match[3] === 'P',
    text: match[4] ?? '',
  };
}

/** Joins partial records into entries, per stream; keeps unfinished partials for the next call. */
export class CaptureDecoder implements LogDecoder {
  private readonly pending = new Map<LogStream, { time: string; text: string }>();

  constructor(private readonly maxEntryBytes = MAX_ENTRY_BYTES) {}

  decode(lines: readonly string[]): LogEntry[] {
    const entries: LogEntry[] = [];
    for (const line of lines) {
      const record = line === '' ? undefined : parseCaptureRecord(line);
      if (record !== undefined) entries.push(...this.push(record));
    }
    return entries;
  }

  private push(record: CaptureRecord): LogEntry[] {
    const previous = this.pending.get(record.stream);
    const text = (previous?.text ?? '') + record.text;
    const time = previous?.time ?? record.time;
    if (!record.partial) {
      this.pending.delete(record.stream);
      return [entry(time, record.stream, `${text}\n`)];
    }
    if (Buffer.byteLength(text) < this.maxEntryBytes) {
      this.pending.set(record.stream, { time, text });
      return [];
    }
    // A line without end: what is held so far becomes an entry without newline.
    this.pending.delete(record.stream);
    return [entry(time, record.stream, text)];
  }

  /** Unfinished lines as entries without a newline (what exists when reading stops). */
  flush(): LogEntry[] {
    const entries = [...this.pending.entries()].map(([stream, { time, text }]) => entry(time, stream, text));
    this.pending.clear();
    return entries.sort((a, b) => (a.timeNs < b.timeNs ? -1 : a.timeNs > b.timeNs ? 1 : 0));
  }
}

function entry(time: string, stream: LogStream, message: string): LogEntry {
  return { time, timeNs: parseTimestampNs(time), stream, message };
}

/** Entries of a capture's text, partials joined (a trailing unfinished one included). */
export function parseCaptureText(text: string): LogEntry[] {
  const decoder = new CaptureDecoder(Number.POSITIVE_INFINITY);
  return [...decoder.decode(text.split('\n')), ...decoder.flush()];
}

/** The capture as it is now, filtered; a missing file is empty. */
export function readCaptureLog(path: string, filter: LogFilter = {}): Promise<LogEntry[]> {
  return readLogFile([path], () => new CaptureDecoder(), filter);
}

/** Follows a capture file (across conmon's reopen of it) until the signal aborts or `until` settles. */
export function followCaptureLog(
  path: string,
  onEntry: (entry: LogEntry) => void,
  options: FollowOptions = {},
): Promise<void> {
  return followLogFile({ current: path, history: [] }, () => new CaptureDecoder(), onEntry, options);
}
