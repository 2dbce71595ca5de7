// Reads and follows the container logs conmon writes in the k8s-file format:
//   <RFC3339Nano time> <stdout|stderr> <F|P> <text>
// where P marks a partial line continued by the next record of the same stream.
// Invariants: partial records are joined before anything is filtered or counted; following keeps the
// open file until it is fully read, so nothing written just before a rotation is lost, and it goes on
// across rotation and across restarts of the container (the same path, appended to).
import { watch, type FSWatcher } from 'node:fs';
import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';

export type LogStream = 'stdout' | 'stderr';

export interface LogEntry {
  /** The record's timestamp as written (RFC 3339 with nanoseconds). */
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

interface LogRecord {
  time: string;
  stream: LogStream;
  partial: boolean;
  text: string;
}

/** Parses one line of the file; undefined for a line that is not a log record. */
export function parseLogRecord(line: string): LogRecord | undefined {
  const match = /^(\S+) (stdout|stderr) ([FP]) ?(.*)$/s.exec(line);
  if (match === null) return undefined;
  return {
    time: match[1] ?? '',
    stream: match[2] as LogStream,
    partial: match[3] === 'P',
    text: match[4] ?? '',
  };
}

/** `2026-11-23T09:47:11.084205172+00:00` → nanoseconds since the epoch. */
export function parseTimestampNs(time: string): bigint {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (match === null) return 0n;
  const seconds = Date.parse(`${match[1]}${match[3]}`);
  if (Number.isNaN(seconds)) return 0n;
  const fraction = (match[2] ?? '').padEnd(9, '0').slice(0, 9);
  return BigInt(seconds) * 1_000_000n + BigInt(fraction);
}

/** Joins partial records into entries, per stream; keeps unfinished partials for the next call. */
export class LogAssembler {
  private readonly pending = new Map<LogStream, { time: string; text: string }>();

  push(record: LogRecord): LogEntry | undefined {
    const previous = this.pending.get(record.stream);
    const text = (previous?.text ?? '') + record.text;
    const time = previous?.time ?? record.time;
    if (record.partial) {
      this.pending.set(record.stream, { time, text });
      return undefined;
    }
    this.pending.delete(record.stream);
    return { time, timeNs: parseTimestampNs(time), stream: record.stream, message: `${text}\n` };
  }

  /** Unfinished lines as entries without a newline (what exists when reading stops). */
  flush(): LogEntry[] {
    const entries = [...this.pending.entries()].map(([stream, { time, text }]) => ({
      time,
      timeNs: parseTimestampNs(time),
      stream,
      message: text,
    }));
    this.pending.clear();
    return entries.sort((a, b) => (a.timeNs < b.timeNs ? -1 : a.timeNs > b.timeNs ? 1 : 0));
  }
}

export function matchesFilter(entry: LogEntry, filter: LogFilter): boolean {
  if (entry.stream === 'stdout' && filter.stdout === false) return false;
  if (entry.stream === 'stderr' && filter.stderr === false) return false;
  if (filter.sinceNs !== undefined && entry.timeNs < filter.sinceNs) return false;
  if (filter.untilNs !== undefined && entry.timeNs >= filter.untilNs) return false;
  return true;
}

/** Entries of a log file's text, partials joined (a trailing unfinished one included). */
export function parseLogText(text: string): LogEntry[] {
  const assembler = new LogAssembler();
  const entries: LogEntry[] = [];
  for (const line of text.split('\n')) {
    const record = line === '' ? undefined : parseLogRecord(line);
    const entry = record === undefined ? undefined : assembler.push(record);
    if (entry !== undefined) entries.push(entry);
  }
  return [...entries, ...assembler.flush()];
}

/** The log as it is now, filtered; a missing file is an empty log. */
export async function readLogs(path: string, filter: LogFilter = {}): Promise<LogEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return applyTail(
    parseLogText(text).filter((entry) => matchesFilter(entry, filter)),
    filter.tail,
  );
}

function applyTail(entries: LogEntry[], tail: number | undefined): LogEntry[] {
  if (tail === undefined || tail < 0) return entries;
  return tail === 0 ? [] : entries.slice(-tail);
}

export interface FollowOptions extends LogFilter {
  signal?: AbortSignal;
  /** Ends the follow after a last read (e.g. when the container exited and will not restart). */
  until?: Promise<unknown>;
}

/**
 * Emits what the log holds now (filtered, tailed), then every new entry as it is written, until the
 * signal aborts or `until` settles. Watches the directory, not the file, so a new file that replaces
 * the old one (rotation) or appears later (the container had not started yet) is seen.
 */
export async function followLogs(
  path: string,
  onEntry: (entry: LogEntry) => void,
  options: FollowOptions = {},
): Promise<void> {
  const emit = (entry: LogEntry): void => {
    if (matchesFilter(entry, options)) onEntry(entry);
  };
  const reader = new LogFileReader(path);
  // What exists now goes through tail; what comes later is emitted as it arrives.
  const initial = await reader.readAvailable();
  for (const entry of applyTail(
    initial.filter((entry) => matchesFilter(entry, options)),
    options.tail,
  )) {
    onEntry(entry);
  }
  if (options.signal?.aborted) return reader.close();

  let watcher: FSWatcher | undefined;
  let draining = Promise.resolve();
  const drain = (): Promise<void> => {
    draining = draining.then(async () => {
      for (const entry of await reader.readAvailable()) emit(entry);
    });
    return draining;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      watcher = watch(dirname(path), (_event, filename) => {
        if (filename === null || filename.toString() === basename(path)) drain().catch(reject);
      });
      watcher.on('error', reject);
      options.signal?.addEventListener('abort', () => resolve(), { once: true });
      options.until?.then(
        () => drain().then(resolve, reject),
        () => drain().then(resolve, reject),
      );
      drain().catch(reject); // anything written between the first read and the watch
    });
  } finally {
    watcher?.close();
    await draining.catch(() => undefined);
    await reader.close();
  }
}

/** Reads a growing log file incrementally, switching to the new file when the path is replaced. */
class LogFileReader {
  private handle: FileHandle | undefined;
  private inode = -1;
  private offset = 0;
  private remainder = '';
  private decoder = new StringDecoder('utf8');
  private readonly assembler = new LogAssembler();

  constructor(private readonly path: string) {}

  async readAvailable(): Promise<LogEntry[]> {
    const entries: LogEntry[] = [];
    for (;;) {
      if (this.handle === undefined && !(await this.openCurrent())) return entries;
      entries.push(...(await this.readToEnd()));
      const current = await stat(this.path).catch(() => undefined);
      const handleInfo = await (this.handle as FileHandle).stat();
      // A new inode at the path, or ours unlinked (an inode number can be reused at once).
      if (current !== undefined && (current.ino !== this.inode || handleInfo.nlink === 0)) {
        // Rotated: the old file is fully read; go on with the new one from its start.
        await this.close();
        continue;
      }
      if (handleInfo.size < this.offset) {
        // Truncated in place: start over from the beginning.
        this.offset = 0;
        this.remainder = '';
        this.decoder = new StringDecoder('utf8');
        continue;
      }
      return entries;
    }
  }

  async close(): Promise<void> {
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
  }

  private async openCurrent(): Promise<boolean> {
    try {
      this.handle = await open(this.path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
    this.inode = (await this.handle.stat()).ino;
    this.offset = 0;
    this.remainder = '';
    this.decoder = new StringDecoder('utf8');
    return true;
  }

  private async readToEnd(): Promise<LogEntry[]> {
    const handle = this.handle as FileHandle;
    const chunks: Buffer[] = [];
    const buffer = Buffer.alloc(64 * 1024);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset);
      if (bytesRead === 0) break;
      chunks.push(Buffer.from(buffer.subarray(0, bytesRead)));
      this.offset += bytesRead;
    }
    const text = this.remainder + this.decoder.write(Buffer.concat(chunks));
    const lines = text.split('\n');
    this.remainder = lines.pop() ?? ''; // an incomplete record waits for its newline
    const entries: LogEntry[] = [];
    for (const line of lines) {
      const record = line === '' ? undefined : parseLogRecord(line);
      const entry = record === undefined ? undefined : this.assembler.push(record);
      if (entry !== undefined) entries.push(entry);
    }
    return entries;
  }
}
