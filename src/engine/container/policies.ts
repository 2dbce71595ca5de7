// What happens to a container on its own, by its config: its healthcheck runs while it runs, and its restart
// policy starts it again after it ends (with Docker's back-off) or when an engine starts. The manager tells
// this object about starts and exits and gives it the few operations it needs; timers live here.
// Invariants: at most one pending restart per container; a stop, kill or removal by the user cancels it; a
// closing engine leaves every policy to the next engine.
import { BerthError, messageOf } from '../../shared/errors.js';
import { HealthMonitor, type ProbeOutcome } from './health-monitor.js';
import { healthSettings, initialHealth, type HealthState } from './health.js';
import { decideRestart, parsePolicy, restartsOnEngineStart } from './restart-policy.js';
import type { ContainerRecord } from './record.js';

export interface PolicyHost {
  record(id: string): ContainerRecord | undefined;
  /** Starts the container by its policy (not by its user: RestartCount and stoppedByUser are kept). */
  startByPolicy(id: string): Promise<void>;
  persist(record: ContainerRecord): Promise<void>;
  publish(record: ContainerRecord, action: string): void;
  probe(id: string, args: readonly string[], signal: AbortSignal): Promise<ProbeOutcome>;
  /** Wakes whoever waits for a health change (compose's service_healthy). */
  healthChanged(id: string, health: HealthState): void;
  warn(message: string, fields: Record<string, unknown>): void;
  now(): Date;
}

interface PendingRestart {
  timer: NodeJS.Timeout | undefined;
  /** Settles when the restart has run or was cancelled. */
  done: Promise<void>;
  settle: () => void;
}

export class ContainerPolicies {
  private readonly health: HealthMonitor;
  private readonly pending = new Map<string, PendingRestart>();
  private closed = false;

  constructor(private readonly host: PolicyHost) {
    this.health = new HealthMonitor({
      probe: (id, args, signal) => host.probe(id, args, signal),
      update: (id, health, statusChanged) => this.healthUpdated(id, health, statusChanged),
      failed: (id, error) => host.warn('a health probe could not run', { id, error: messageOf(error) }),
      now: () => host.now(),
    });
  }

  /** Create time: refuses a policy Docker refuses, and `--rm` with a restart policy. */
  static check(record: Pick<ContainerRecord, 'hostConfig'>): void {
    const policy = parsePolicy(record.hostConfig.RestartPolicy);
    if (policy.name !== 'no' && record.hostConfig.AutoRemove === true)
      throw new BerthError('InvalidArgument', 'Conflicting options: --restart and --rm');
  }

  /** The container's process has started: its healthcheck begins (adopted ones keep their health so far). */
  started(record: ContainerRecord, options: { adopted: boolean }): void {
    const settings = healthSettings(record.config.Healthcheck, record.config.Shell ?? undefined);
    if (settings === undefined) {
      delete record.health;
      return;
    }
    if (!options.adopted || record.health === undefined) record.health = initialHealth();
    this.health.start(record.id, settings, new Date(record.state.startedAt), record.health);
  }

  /**
   * The process ended (the record already says exited). Returns true when a restart is scheduled: the record
   * is then `restarting` until the timer fires.
   */
  exited(record: ContainerRecord, options: { byUser: boolean }): boolean {
    this.health.stop(record.id);
    if (this.closed) return false;
    const policy = parsePolicy(record.hostConfig.RestartPolicy);
    const uptimeMs = Date.parse(record.state.finishedAt) - Date.parse(record.state.startedAt);
    const decision = decideRestart(policy, {
      exitCode: record.state.exitCode,
      stoppedByUser: options.byUser || record.stoppedByUser === true,
      restartCount: record.restartCount,
      uptimeMs: Number.isNaN(uptimeMs) ? 0 : uptimeMs,
      previousDelayMs: record.restartDelayMs ?? 0,
    });
    if (!decision.restart) return false;
    record.restartDelayMs = decision.delayMs;
    record.state.status = 'restarting';
    this.schedule(record.id, decision.delayMs);
    return true;
  }

  /** The restart that follows this container's exit, if one is pending. */
  restartPending(id: string): Promise<void> | undefined {
    return this.pending.get(id)?.done;
  }

  /** The user stopped, killed, started or removes it: a pending restart is dropped. True when one was. */
  cancel(id: string): boolean {
    const pending = this.pending.get(id);
    if (pending === undefined) return false;
    clearTimeout(pending.timer);
    this.pending.delete(id);
    pending.settle();
    return true;
  }

  /** A container is going away or stops running: no more probes. */
  stopHealth(id: string): void {
    this.health.stop(id);
  }

  /**
   * After an engine start: brings back what the policies say should run. `exitedMeanwhile` holds the ids of
   * containers found ended (or between restarts) that were running when the last engine went away.
   */
  resumeAfterEngineStart(records: Iterable<ContainerRecord>, exitedMeanwhile: ReadonlySet<string>): void {
    for (const record of records) {
      if (record.state.status === 'running' || record.state.status === 'paused') continue;
      if (record.state.status === 'removing' || record.state.status === 'dead') continue;
      const policy = parsePolicy(record.hostConfig.RestartPolicy);
      const comesBack = restartsOnEngineStart(policy, {
        stoppedByUser: record.stoppedByUser === true,
        exitedWhileEngineDown: exitedMeanwhile.has(record.id),
        exitCode: record.state.exitCode,
        restartCount: record.restartCount,
      });
      // Containers never started stay created, as with Docker.
      if (comesBack && record.state.startedAt !== '0001-01-01T00:00:00Z') this.schedule(record.id, 0);
    }
  }

  close(): void {
    this.closed = true;
    this.health.stopAll();
    for (const id of [...this.pending.keys()]) this.cancel(id);
  }

  private schedule(id: string, delayMs: number): void {
    this.cancel(id);
    let settle: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (settle = resolve));
    const pending: PendingRestart = { timer: undefined, done, settle };
    pending.timer = setTimeout(() => {
      if (this.pending.get(id) !== pending) return;
      this.host
        .startByPolicy(id)
        .catch((error: unknown) => this.startFailed(id, error))
        .finally(() => {
          if (this.pending.get(id) === pending) this.pending.delete(id);
          settle();
        });
    }, delayMs);
    this.pending.set(id, pending);
  }

  /** A policy start failed: the failure counts as an exit, so the policy (and its back-off) goes on. */
  private startFailed(id: string, error: unknown): void {
    const record = this.host.record(id);
    this.host.warn('a restart by policy failed', { id, error: messageOf(error) });
    if (record === undefined || this.closed) return;
    this.pending.delete(id);
    record.state.status = 'exited';
    this.exited(record, { byUser: false });
    void this.host.persist(record).catch(() => undefined);
  }

  private healthUpdated(id: string, health: HealthState, statusChanged: boolean): void {
    const record = this.host.record(id);
    if (record === undefined) return;
    record.health = health;
    void this.host.persist(record).catch(() => undefined);
    if (statusChanged) {
      this.host.publish(record, `health_status: ${health.Status}`);
      this.host.healthChanged(id, health);
    }
  }
}
