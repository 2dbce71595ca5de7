// When a container whose process ended is started again, and after how long: Docker's restart policies with
// its back-off (100 ms doubling up to 1 minute, back to 100 ms after a run of at least 10 s).
// Pure: the caller keeps the state (restart count, current delay) and runs the timer.
import { BerthError } from '../../shared/errors.js';
import type { RestartPolicy } from '../api/containers.js';

export const INITIAL_DELAY_MS = 100;
export const MAX_DELAY_MS = 60_000;
/** A run at least this long resets the back-off, as a container that started fine. */
export const RESET_AFTER_MS = 10_000;

export type PolicyName = 'no' | 'always' | 'unless-stopped' | 'on-failure';

export interface Policy {
  name: PolicyName;
  /** on-failure only: restarts allowed after failures; 0 = no limit. */
  maxRetries: number;
}

/** The policy of a HostConfig; InvalidArgument for a name or retry count Docker refuses. */
export function parsePolicy(policy: Partial<RestartPolicy> | null | undefined): Policy {
  const name = policy?.Name ?? '';
  const maxRetries = policy?.MaximumRetryCount ?? 0;
  if (name === '' || name === 'no') {
    if (maxRetries !== 0)
      throw invalid(`maximum retry count cannot be used with restart policy '${name || 'no'}'`);
    return { name: 'no', maxRetries: 0 };
  }
  if (name === 'always' || name === 'unless-stopped') {
    if (maxRetries !== 0) throw invalid(`maximum retry count cannot be used with restart policy '${name}'`);
    return { name, maxRetries: 0 };
  }
  if (name === 'on-failure') {
    if (!Number.isInteger(maxRetries) || maxRetries < 0)
      throw invalid('maximum retry count cannot be negative');
    return { name, maxRetries };
  }
  throw invalid(
    `invalid restart policy '${name}': use no, always, unless-stopped or on-failure[:max-retries]`,
  );
}

function invalid(message: string): BerthError {
  return new BerthError('InvalidArgument', message);
}

export interface ExitFacts {
  exitCode: number;
  /** The user stopped or killed it (or removes it): no policy undoes that. */
  stoppedByUser: boolean;
  /** Policy restarts so far (RestartCount). */
  restartCount: number;
  /** How long the run that just ended lasted. */
  uptimeMs: number;
  /** The delay used before the last restart (0 before the first). */
  previousDelayMs: number;
}

export type RestartDecision = { restart: false } | { restart: true; delayMs: number };

/** Whether to start the container again after this exit, and when. */
export function decideRestart(policy: Policy, facts: ExitFacts): RestartDecision {
  if (facts.stoppedByUser || policy.name === 'no') return { restart: false };
  if (policy.name === 'on-failure') {
    if (facts.exitCode === 0) return { restart: false };
    if (policy.maxRetries > 0 && facts.restartCount >= policy.maxRetries) return { restart: false };
  }
  return { restart: true, delayMs: nextDelay(facts.previousDelayMs, facts.uptimeMs) };
}

export function nextDelay(previousDelayMs: number, uptimeMs: number): number {
  if (previousDelayMs <= 0 || uptimeMs >= RESET_AFTER_MS) return INITIAL_DELAY_MS;
  return Math.min(previousDelayMs * 2, MAX_DELAY_MS);
}

/**
 * Whether an engine that starts brings the container back: `always` does (even after a user's stop, as
 * Docker does), `unless-stopped` unless its user stopped it; `on-failure` when it failed while no engine ran.
 */
export function restartsOnEngineStart(
  policy: Policy,
  facts: { stoppedByUser: boolean; exitedWhileEngineDown: boolean; exitCode: number; restartCount: number },
): boolean {
  switch (policy.name) {
    case 'always':
      return true;
    case 'unless-stopped':
      return !facts.stoppedByUser;
    case 'on-failure':
      return (
        facts.exitedWhileEngineDown &&
        facts.exitCode !== 0 &&
        (policy.maxRetries === 0 || facts.restartCount < policy.maxRetries)
      );
    default:
      return false;
  }
}
