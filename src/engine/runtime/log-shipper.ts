// Ships a container's output from conmon's capture file into its JSON log while the engine runs.
// conmon writes the capture whether or not an engine is up, and reopens it afresh past a size bound; the shipper
// holds the capture open, so a reopen loses nothing while it runs. After an engine restart it resumes from the
// log's watermark: capture entries older than the log's last entry, and as many at that exact time as the log
// already holds, were shipped before. (Entries from one capture keep their order, so this is exact unless the
// clock steps back or a joined partial line older than the watermark was still pending at the crash.)
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { CaptureDecoder } from './capture-log.js';
import type { LogEntry } from './log-entry.js';
import { LogFileReader } from './log-follow.js';
import type { JsonLogWriter, LogWatermark } from './json-log.js';

export interface LogShipperOptions {
  capturePath: string;
  writer: JsonLogWriter;
  /** Where the log ends now (readWatermark); entries up to it are not shipped again. */
  watermark?: LogWatermark;
  /** A failure while shipping in the background (the shipper goes on at the next change). */
  onError?: (error: unknown) => void;
}

export class LogShipper {
  private readonly reader: LogFileReader;
  private watcher: FSWatcher | undefined;
  private queue: Promise<void> = Promise.resolve();
  private skip: LogWatermark | undefined;
  private closed = false;

  private constructor(private readonly options: LogShipperOptions) {
    this.reader = new LogFileReader(options.capturePath, new CaptureDecoder());
    this.skip = options.watermark === undefined ? undefined : { ...options.watermark };
  }

  /** Ships what the capture holds now, then keeps shipping as conmon writes. */
  static async start(options: LogShipperOptions): Promise<LogShipper> {
    const shipper = new LogShipper(options);
    shipper.watcher = watch(dirname(options.capturePath), (_event, filename) => {
      if (filename === null || filename.toString() === basename(options.capturePath)) shipper.kick();
    });
    shipper.watcher.on('error', (error) => options.onError?.(error));
    await shipper.drain();
    return shipper;
  }

  /** Ships a capture to its end at once (a container that is not running): no watching. */
  static async shipAll(options: LogShipperOptions): Promise<void> {
    const shipper = new LogShipper(options);
    await shipper.finish();
  }

  /** The process ended: ship the rest, unfinished lines included, and stop. */
  async finish(): Promise<void> {
    await this.end(true);
  }

  /** The engine is closing: stop shipping; the next engine resumes from the watermark. */
  async stop(): Promise<void> {
    await this.end(false);
  }

  private kick(): void {
    if (this.closed) return;
    this.drain().catch((error: unknown) => this.options.onError?.(error));
  }

  private drain(): Promise<void> {
    this.queue = this.queue.then(async () => {
      const entries = await this.reader.readAvailable({ switchOnRotation: true });
      await this.ship(entries);
    });
    return this.queue;
  }

  private async end(flush: boolean): Promise<void> {
    if (this.closed) return this.queue.catch(() => undefined);
    this.closed = true;
    this.watcher?.close();
    try {
      await this.queue.catch(() => undefined);
      if (flush) {
        await this.ship(await this.reader.readAvailable({ switchOnRotation: true }));
        await this.ship(this.reader.flush());
      }
    } finally {
      await this.reader.close();
      await this.options.writer.close();
    }
  }

  private async ship(entries: LogEntry[]): Promise<void> {
    const fresh = entries.filter((entry) => !this.shippedBefore(entry));
    if (fresh.length > 0) await this.options.writer.append(fresh);
  }

  private shippedBefore(entry: LogEntry): boolean {
    const skip = this.skip;
    if (skip === undefined) return false;
    if (entry.timeNs < skip.timeNs) return true;
    if (entry.timeNs === skip.timeNs && skip.count > 0) {
      skip.count--;
      return true;
    }
    if (entry.timeNs > skip.timeNs) this.skip = undefined;
    return false;
  }
}
