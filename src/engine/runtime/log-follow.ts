// Reads and follows a log file made of lines, whatever their format (a decoder turns lines into entries): the
// JSON log the engine keeps, or conmon's capture it ships from.
// Invariants: following keeps the open file until it is fully read, so nothing written just before a rotation
// is lost, and goes on with the file that replaces it (rotation, conmon's reopen) or appears later.
import { watch, type FSWatcher } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { applyTail, matchesFilter, type LogEntry, type LogFilter } from './log-entry.js';

/** Turns complete lines into entries; may hold state across calls (joined partial lines). */
export interface LogDecoder {
  decode(lines: readonly string[]): LogEntry[];
  /** What is held when reading stops for good. */
  flush(): LogEntry[];
}

export type DecoderFactory = () => LogDecoder;

/** A log as files: the one being written, and rotated ones, oldest first. */
export interface LogFiles {
  current: string;
  history: readonly string[];
}

export interface FollowOptions extends LogFilter {
  signal?: AbortSignal;
  /** Ends the follow after a last read (e.g. when the container exited and will not restart). */
  until?: Promise<unknown>;
}

/** Every entry of the files (oldest first), filtered and tailed; missing files are empty. */
export async function readLogFile(
  paths: readonly string[],
  makeDecoder: DecoderFactory,
  filter: LogFilter = {},
): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  for (const path of paths) {
    const reader = new LogFileReader(path, makeDecoder());
    try {
      entries.push(...(await reader.readAvailable({ switchOnRotation: false })), ...reader.flush());
    } finally {
      await reader.close();
    }
  }
  return applyTail(
    entries.filter((entry) => matchesFilter(entry, filter)),
    filter.tail,
  );
}

/**
 * Emits what the log holds now (filtered, tailed), then every new entry as it is written, until the signal
 * aborts or `until` settles. Watches the directory, not the file, so a file that replaces the current one or
 * appears later is seen.
 */
export async function followLogFile(
  files: LogFiles,
  makeDecoder: DecoderFactory,
  onEntry: (entry: LogEntry) => void,
  options: FollowOptions = {},
): Promise<void> {
  const emit = (entry: LogEntry): void => {
    if (matchesFilter(entry, options)) onEntry(entry);
  };
  const reader = new LogFileReader(files.current, makeDecoder(), [...files.history, files.current]);
  // The current file is opened first: a rotation after this point leaves it among the history, read once.
  const currentInode = await reader.openIfPresent();
  const older: LogEntry[] = [];
  for (const path of files.history) {
    if (currentInode !== undefined && (await inodeOf(path)) === currentInode) continue;
    older.push(...(await readLogFile([path], makeDecoder)));
  }
  const initial = [...older, ...(await reader.readAvailable({ switchOnRotation: true }))];
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
      for (const entry of await reader.readAvailable({ switchOnRotation: true })) emit(entry);
    });
    return draining;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      watcher = watch(dirname(files.current), (_event, filename) => {
        if (filename === null || filename.toString() === basename(files.current)) drain().catch(reject);
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
    if (options.until !== undefined && !options.signal?.aborted)
      for (const entry of reader.flush()) emit(entry);
    await reader.close();
  }
}

async function inodeOf(path: string): Promise<number | undefined> {
  return stat(path).then(
    (s) => s.ino,
    () => undefined,
  );
}

/**
 * Reads a growing file of lines incrementally. When the file at the path is replaced, it reads the old one to
 * its end and goes on with the file that came after it: with a chain of rotated names (oldest first), the
 * one named after it now, so a reader that fell behind several rotations still reads every file that is kept.
 */
export class LogFileReader {
  private handle: FileHandle | undefined;
  private inode = -1;
  private offset = 0;
  private remainder = '';
  private text = new StringDecoder('utf8');

  constructor(
    private readonly path: string,
    private readonly decoder: LogDecoder,
    private readonly chain: readonly string[] = [path],
  ) {}

  /** Opens the file when it exists; its inode, or undefined when there is none yet. */
  async openIfPresent(): Promise<number | undefined> {
    if (this.handle === undefined && !(await this.openCurrent())) return undefined;
    return this.inode;
  }

  /**
   * Entries written since the last call. With switchOnRotation, a file replaced at the path (or unlinked) is
   * read to its end and the new one is then read from its start.
   */
  async readAvailable(options: { switchOnRotation: boolean }): Promise<LogEntry[]> {
    const entries: LogEntry[] = [];
    for (;;) {
      if (this.handle === undefined && !(await this.openCurrent())) return entries;
      entries.push(...(await this.readToEnd()));
      if (!options.switchOnRotation) return entries;
      const current = await stat(this.path).catch(() => undefined);
      const handleInfo = await (this.handle as FileHandle).stat();
      // A new inode at the path, or ours unlinked (an inode number can be reused at once).
      if (current !== undefined && (current.ino !== this.inode || handleInfo.nlink === 0)) {
        await this.moveToSuccessor();
        continue;
      }
      if (handleInfo.size < this.offset) {
        // Truncated in place: start over from the beginning.
        this.offset = 0;
        this.remainder = '';
        this.text = new StringDecoder('utf8');
        continue;
      }
      return entries;
    }
  }

  /** Held partial lines, and an unterminated last line, as entries. */
  flush(): LogEntry[] {
    const last = this.remainder === '' ? [] : this.decoder.decode([this.remainder]);
    this.remainder = '';
    return [...last, ...this.decoder.flush()];
  }

  /** Bytes of the current file consumed so far. */
  get position(): number {
    return this.offset;
  }

  async close(): Promise<void> {
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
  }

  /** Closes ours and opens the file after it (none found: the caller opens the current one). */
  private async moveToSuccessor(): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const next = await this.successor();
      if (next === undefined) break;
      const ours = this.inode;
      await this.close();
      if (await this.openFile(next.path, next.inode)) return;
      this.inode = ours; // it was moved meanwhile: look again from ours
    }
    await this.close();
  }

  /** The file after ours in the chain, by inode; the oldest kept one when ours was dropped. */
  private async successor(): Promise<{ path: string; inode: number } | undefined> {
    const inodes = await Promise.all(this.chain.map(inodeOf));
    const index = inodes.indexOf(this.inode);
    const nextIndex = index >= 0 ? index + 1 : inodes.findIndex((inode) => inode !== undefined);
    const path = this.chain[nextIndex];
    const inode = inodes[nextIndex];
    if (path === undefined || inode === undefined || path === this.path) return undefined;
    return { path, inode };
  }

  private openCurrent(): Promise<boolean> {
    return this.openFile(this.path);
  }

  /** Opens a file; with an expected inode, only that file (false when a rotation moved it meanwhile). */
  private async openFile(path: string, expectedInode?: number): Promise<boolean> {
    try {
      this.handle = await open(path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
    const inode = (await this.handle.stat()).ino;
    if (expectedInode !== undefined && inode !== expectedInode) {
      await this.close();
      return false;
    }
    this.inode = inode;
    this.offset = 0;
    this.remainder = '';
    this.text = new StringDecoder('utf8');
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
    const lines = (this.remainder + this.text.write(Buffer.concat(chunks))).split('\n');
    this.remainder = lines.pop() ?? ''; // an incomplete line waits for its newline
    return this.decoder.decode(lines);
  }
}
