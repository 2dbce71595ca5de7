// Docker's healthcheck model: the settings of a container's check (its own config over the image's), and how
// one probe's result changes the health kept in inspect (`State.Health`). Pure: timers and execs are in
// health-monitor.ts.
import type { HealthConfig } from '../api/containers.js';

export const DEFAULT_INTERVAL_MS = 30_000;
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_START_INTERVAL_MS = 5_000;
export const DEFAULT_RETRIES = 3;
/** Results kept in inspect, and the bytes of output kept per result (Docker's limits). */
export const MAX_LOG_ENTRIES = 5;
export const MAX_OUTPUT_BYTES = 4096;

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

export interface HealthSettings {
  /** The probe's command line as run inside the container. */
  args: string[];
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  startIntervalMs: number;
  retries: number;
}

export interface HealthLogEntry {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

/** What inspect shows as State.Health. */
export interface HealthState {
  Status: HealthStatus;
  FailingStreak: number;
  Log: HealthLogEntry[];
}

export interface ProbeResult {
  start: Date;
  end: Date;
  /** 0 healthy, anything else a failure; -1 for a probe that ran out of time. */
  exitCode: number;
  output: string;
}

const msOf = (ns: number | undefined, fallback: number): number =>
  ns === undefined || ns <= 0 ? fallback : Math.round(ns / 1e6);

/**
 * The settings of a healthcheck config; undefined when the container has none (absent, empty or `NONE`).
 * `CMD` runs its arguments, `CMD-SHELL` (and a bare string) runs through the container's shell.
 */
export function healthSettings(
  config: HealthConfig | null | undefined,
  shell: readonly string[] = ['/bin/sh', '-c'],
): HealthSettings | undefined {
  const test = config?.Test ?? [];
  const [kind, ...rest] = test;
  let args: string[];
  if (kind === undefined || kind === 'NONE') return undefined;
  if (kind === 'CMD') args = rest;
  else if (kind === 'CMD-SHELL') args = [...shell, rest.join(' ')];
  else args = [...shell, test.join(' ')];
  if (args.length === 0 || args.every((arg) => arg === '')) return undefined;
  return {
    args,
    intervalMs: msOf(config?.Interval, DEFAULT_INTERVAL_MS),
    timeoutMs: msOf(config?.Timeout, DEFAULT_TIMEOUT_MS),
    startPeriodMs: msOf(config?.StartPeriod, 0),
    startIntervalMs: msOf(config?.StartInterval, DEFAULT_START_INTERVAL_MS),
    retries: config?.Retries === undefined || config.Retries <= 0 ? DEFAULT_RETRIES : config.Retries,
  };
}

export function initialHealth(): HealthState {
  return { Status: 'starting', FailingStreak: 0, Log: [] };
}

/**
 * The health after one probe. A success makes it healthy; a failure counts toward `retries` — except while
 * the container is still starting within its start period, where failures are not counted.
 */
export function applyProbe(
  health: HealthState,
  result: ProbeResult,
  settings: HealthSettings,
  startedAt: Date,
): HealthState {
  const entry: HealthLogEntry = {
    Start: result.start.toISOString(),
    End: result.end.toISOString(),
    ExitCode: result.exitCode,
    Output: truncate(result.output),
  };
  const Log = [...health.Log, entry].slice(-MAX_LOG_ENTRIES);
  if (result.exitCode === 0) return { Status: 'healthy', FailingStreak: 0, Log };
  const inGrace =
    health.Status === 'starting' && result.start.getTime() - startedAt.getTime() < settings.startPeriodMs;
  if (inGrace) return { ...health, Log };
  const FailingStreak = health.FailingStreak + 1;
  return { Status: FailingStreak >= settings.retries ? 'unhealthy' : health.Status, FailingStreak, Log };
}

/** The wait before the next probe: the start interval while starting within the start period. */
export function nextProbeDelay(health: HealthState, settings: HealthSettings, sinceStartMs: number): number {
  const starting = health.Status === 'starting' && sinceStartMs < settings.startPeriodMs;
  return starting ? settings.startIntervalMs : settings.intervalMs;
}

function truncate(output: string): string {
  const bytes = Buffer.from(output);
  return bytes.length <= MAX_OUTPUT_BYTES ? output : bytes.subarray(0, MAX_OUTPUT_BYTES).toString('utf8');
}
