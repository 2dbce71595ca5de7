// A container's log as the engine keeps it: JSON lines in Docker's json-file shape
//   {"log":"text\n","stream":"stdout","time":"2026-11-23T09:47:11.084205172Z"}
// in <name>, rotated by size into <name>.1 (newest) ... <name>.<max-file - 1>, as Docker's json-file driver does.
// Invariant: only the engine's shipper of the container writes it, one line per entry, appended whole.
import { open, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import {
  formatTimestampNs,
  parseTimestampNs,
  type LogEntry,
  type LogFilter,
  type LogStream,
} from './log-entry.js';
import {
  followLogFile,
  readLogFile,
  type FollowOptions,
  type LogDecoder,
  type LogFiles,
} from './log-follow.js';

export interface JsonLogLimits {
  /** Bytes after which the file is rotated; none means it grows without bound. */
  maxSize?: number;
  /** Files kept, the current one included (Docker's max-file, default 1: rotation starts it afresh). */
  maxFiles: number;
}

export function encodeJsonLine(entry: LogEntry): string {
  return `${JSON.stringify({ log: entry.message, stream: entry.stream, time: formatTimestampNs(entry.timeNs) })}\n`;
}

/** One line of the file as an entry; undefined for a line that is not one (e.g. cut short by a crash). */
export function decodeJsonLine(line: string): LogEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { log, stream, time } = value as Record<string, unknown>;
  if (typeof log !== 'string' || typeof time !== 'string') return undefined;
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  return { time, timeNs: parseTimestampNs(time), stream: stream as LogStream, message: log };
}

class JsonDecoder implements LogDecoder {
  decode(lines: readonly string[]): LogEntry[] {
    const entries: LogEntry[] = [];
    for (const line of lines) {
      const entry = line === '' ? undefined : decodeJsonLine(line);
      if (entry !== undefined) entries.push(entry);
    }
    return entries;
  }

  flush(): LogEntry[] {
    return [];
  }
}

/** The files of the log at `path`: rotated ones (oldest first) and the current one. */
export function jsonLogFiles(path: string, maxFiles: number): LogFiles {
  const history: string[] = [];
  for (let index = Math.max(1, maxFiles) - 1; index >= 1; index--) history.push(`${path}.${index}`);
  return { current: path, history };
}

/** The whole log (rotated files included), filtered and tailed. */
export function readJsonLog(files: LogFiles, filter: LogFilter = {}): Promise<LogEntry[]> {
  return readLogFile([...files.history, files.current], () => new JsonDecoder(), filter);
}

export function followJsonLog(
  files: LogFiles,
  onEntry: (entry: LogEntry) => void,
  options: FollowOptions = {},
): Promise<void> {
  return followLogFile(files, () => new JsonDecoder(), onEntry, options);
}

/** Where a log ends: the time of its last entry and how many entries at its end carry that time. */
export interface LogWatermark {
  timeNs: bigint;
  count: number;
}

const WATERMARK_WINDOW = 1024 * 1024;

/** The watermark of the newest non-empty file of the log; undefined for an empty log. */
export async function readWatermark(files: LogFiles): Promise<LogWatermark | undefined> {
  for (const path of [files.current, ...[...files.history].reverse()]) {
    const entries = await lastEntries(path);
    const last = entries.at(-1);
    if (last === undefined) continue;
    let count = 0;
    for (let index = entries.length - 1; index >= 0 && entries[index]?.timeNs === last.timeNs; index--)
      count++;
    return { timeNs: last.timeNs, count };
  }
  return undefined;
}

async function lastEntries(path: string): Promise<LogEntry[]> {
  const size = await stat(path).then(
    (s) => s.size,
    () => 0,
  );
  if (size === 0) return [];
  if (size <= WATERMARK_WINDOW) return new JsonDecoder().decode((await readFile(path, 'utf8')).split('\n'));
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(WATERMARK_WINDOW);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, size - WATERMARK_WINDOW);
    const lines = buffer.subarray(0, bytesRead).toString('utf8').split('\n').slice(1); // the first is cut
    return new JsonDecoder().decode(lines);
  } finally {
    await handle.close();
  }
}

/** Appends entries to the log, rotating it by size. One writer per log; calls must not overlap. */
export class JsonLogWriter {
  private constructor(
    private readonly path: string,
    private readonly limits: JsonLogLimits,
    private handle: FileHandle,
    private size: number,
  ) {}

  static async open(path: string, limits: JsonLogLimits): Promise<JsonLogWriter> {
    const handle = await open(path, 'a', 0o640);
    return new JsonLogWriter(path, limits, handle, (await handle.stat()).size);
  }

  get files(): LogFiles {
    return jsonLogFiles(this.path, this.limits.maxFiles);
  }

  async append(entries: readonly LogEntry[]): Promise<void> {
    let batch = '';
    for (const entry of entries) {
      const line = encodeJsonLine(entry);
      const bytes = Buffer.byteLength(line);
      if (this.limits.maxSize !== undefined && this.size > 0 && this.size + bytes > this.limits.maxSize) {
        await this.write(batch);
        batch = '';
        await this.rotate();
      }
      batch += line;
      this.size += bytes;
    }
    await this.write(batch);
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }

  private async write(text: string): Promise<void> {
    if (text !== '') await this.handle.write(text);
  }

  /** The current file becomes <path>.1 (older ones shift up, the oldest goes), or is dropped with max-file 1. */
  private async rotate(): Promise<void> {
    await this.handle.close();
    const kept = Math.max(1, this.limits.maxFiles) - 1;
    if (kept === 0) {
      await rm(this.path, { force: true });
    } else {
      await rm(`${this.path}.${kept}`, { force: true });
      for (let index = kept - 1; index >= 1; index--)
        await rename(`${this.path}.${index}`, `${this.path}.${index + 1}`).catch(ignoreMissing);
      await rename(this.path, `${this.path}.1`);
    }
    this.handle = await open(this.path, 'a', 0o640);
    this.size = 0;
  }
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}
