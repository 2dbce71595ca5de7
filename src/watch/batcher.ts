// Collects file events into batches: a batch is sent after a short quiet window with no new event, but never
// later than `maxWaitMs` after its first event, so a stream of events (a build writing files) cannot postpone
// it forever. Invariant: a path appears once per batch (the set keeps the last kind seen), and events that
// arrive after a flush start a new batch.
import type { Clock } from './clock.js';

export type ChangeKind = 'add' | 'change' | 'unlink' | 'addDir' | 'unlinkDir';

export interface BatcherOptions {
  /** Quiet time after the last event before a batch is sent (ms). */
  quietMs?: number;
  /** Longest a batch may wait after its first event (ms). */
  maxWaitMs?: number;
  clock: Clock;
  onBatch(batch: ReadonlyMap<string, ChangeKind>): void;
}

export const DEFAULT_QUIET_MS = 20;
export const DEFAULT_MAX_WAIT_MS = 200;

export class Batcher {
  private pending = new Map<string, ChangeKind>();
  private firstAt = 0;
  private timer: unknown;
  private readonly quietMs: number;
  private readonly maxWaitMs: number;

  constructor(private readonly options: BatcherOptions) {
    this.quietMs = options.quietMs ?? DEFAULT_QUIET_MS;
    this.maxWaitMs = Math.max(options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS, this.quietMs);
  }

  add(path: string, kind: ChangeKind): void {
    const clock = this.options.clock;
    if (this.pending.size === 0) this.firstAt = clock.now();
    // Keep insertion order meaningful: a path seen again moves to the end (a delete after a write wins).
    this.pending.delete(path);
    this.pending.set(path, kind);
    if (this.timer !== undefined) clock.clearTimeout(this.timer);
    const untilCap = this.firstAt + this.maxWaitMs - clock.now();
    this.timer = clock.setTimeout(() => this.flush(), Math.max(0, Math.min(this.quietMs, untilCap)));
  }

  /** Sends what is pending now (also used on shutdown). */
  flush(): void {
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.options.onBatch(batch);
  }

  /** Drops what is pending without sending it. */
  dispose(): void {
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = new Map();
  }
}

/**
 * Runs one job at a time per key; work submitted while a job runs is merged into a single follow-up job, so
 * a service never has two batches in flight and never falls more than one batch behind.
 */
export class SerialQueue<T> {
  private readonly running = new Map<string, Promise<void>>();
  private readonly waiting = new Map<string, T>();

  constructor(
    private readonly merge: (a: T, b: T) => T,
    private readonly run: (key: string, work: T) => Promise<void>,
  ) {}

  submit(key: string, work: T): void {
    const queued = this.waiting.get(key);
    this.waiting.set(key, queued === undefined ? work : this.merge(queued, work));
    if (!this.running.has(key)) this.drain(key);
  }

  /** Resolves when every key is idle. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }

  private drain(key: string): void {
    const work = this.waiting.get(key);
    if (work === undefined) {
      this.running.delete(key);
      return;
    }
    this.waiting.delete(key);
    const job = this.run(key, work)
      .catch(() => undefined)
      .then(() => this.drain(key));
    this.running.set(key, job);
  }
}
