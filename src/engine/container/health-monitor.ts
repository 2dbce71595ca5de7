// Runs each running container's healthcheck on its own timer: a probe (an exec in the container) after every
// interval, one at a time, killed at its timeout. Each result updates the container's health; a change of status
// is reported so the engine publishes `health_status: ...` and waiters wake without polling.
import {
  applyProbe,
  initialHealth,
  nextProbeDelay,
  type HealthSettings,
  type HealthState,
  type ProbeResult,
} from './health.js';

/** How long a killed probe may take to end before its result is no longer awaited. */
const PROBE_GRACE_MS = 2_000;

export interface ProbeOutcome {
  exitCode: number;
  output: string;
}

export interface HealthMonitorHooks {
  /** Runs the probe in the container; must end (killing the probe) when the signal aborts. */
  probe(id: string, args: readonly string[], signal: AbortSignal): Promise<ProbeOutcome>;
  /** A probe's result was applied; `statusChanged` when Status differs from before. */
  update(id: string, health: HealthState, statusChanged: boolean): void;
  /** A probe could not be run at all (the container went away meanwhile, the runtime failed). */
  failed?(id: string, error: unknown): void;
  now?(): Date;
}

interface Watch {
  settings: HealthSettings;
  startedAt: Date;
  health: HealthState;
  timer: NodeJS.Timeout | undefined;
  running: AbortController | undefined;
  stopped: boolean;
}

export class HealthMonitor {
  private readonly watches = new Map<string, Watch>();
  private readonly now: () => Date;

  constructor(private readonly hooks: HealthMonitorHooks) {
    this.now = hooks.now ?? (() => new Date());
  }

  /** Starts checking a container that has just started (or was adopted, keeping its health). */
  start(id: string, settings: HealthSettings, startedAt: Date, health: HealthState = initialHealth()): void {
    this.stop(id);
    const watch: Watch = {
      settings,
      startedAt,
      health,
      timer: undefined,
      running: undefined,
      stopped: false,
    };
    this.watches.set(id, watch);
    this.schedule(id, watch);
  }

  /** Stops checking; a probe in flight is killed and its result dropped. */
  stop(id: string): void {
    const watch = this.watches.get(id);
    if (watch === undefined) return;
    watch.stopped = true;
    clearTimeout(watch.timer);
    watch.running?.abort();
    this.watches.delete(id);
  }

  stopAll(): void {
    for (const id of [...this.watches.keys()]) this.stop(id);
  }

  private schedule(id: string, watch: Watch): void {
    const sinceStart = this.now().getTime() - watch.startedAt.getTime();
    const delay = nextProbeDelay(watch.health, watch.settings, sinceStart);
    watch.timer = setTimeout(() => void this.runProbe(id, watch), delay);
    watch.timer.unref();
  }

  private async runProbe(id: string, watch: Watch): Promise<void> {
    const controller = new AbortController();
    watch.running = controller;
    const timeoutMs = watch.settings.timeoutMs;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const start = this.now();
    let outcome: ProbeOutcome | undefined;
    try {
      outcome = await Promise.race([
        this.hooks.probe(id, watch.settings.args, controller.signal),
        abandonAfterAbort(controller.signal, PROBE_GRACE_MS),
      ]);
    } catch (error) {
      if (!timedOut && !watch.stopped) this.hooks.failed?.(id, error);
    } finally {
      clearTimeout(timer);
      watch.running = undefined;
    }
    if (watch.stopped) return;
    if (timedOut) outcome = { exitCode: -1, output: `Health check exceeded timeout (${seconds(timeoutMs)})` };
    if (outcome !== undefined) {
      const result: ProbeResult = { start, end: this.now(), ...outcome };
      const before = watch.health.Status;
      watch.health = applyProbe(watch.health, result, watch.settings, watch.startedAt);
      this.hooks.update(id, watch.health, watch.health.Status !== before);
    }
    this.schedule(id, watch);
  }
}

/** A duration as Go prints it in Docker's message: `30s`, `1.5s`, `500ms`. */
function seconds(ms: number): string {
  return ms >= 1000 ? `${ms / 1000}s` : `${ms}ms`;
}

/** Rejects a moment after the signal aborts: a probe whose pipes a leftover child holds open cannot stall checks. */
function abandonAfterAbort(signal: AbortSignal, graceMs: number): Promise<never> {
  return new Promise((_resolve, reject) => {
    signal.addEventListener(
      'abort',
      () => setTimeout(() => reject(new Error('probe abandoned')), graceMs).unref(),
      {
        once: true,
      },
    );
  });
}
