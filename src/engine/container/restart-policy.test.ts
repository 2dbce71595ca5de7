import { describe, expect, it } from 'vitest';
import {
  decideRestart,
  nextDelay,
  parsePolicy,
  restartsOnEngineStart,
  type ExitFacts,
} from './restart-policy.js';

const exit = (facts: Partial<ExitFacts>): ExitFacts => ({
  exitCode: 1,
  stoppedByUser: false,
  restartCount: 0,
  uptimeMs: 50,
  previousDelayMs: 0,
  ...facts,
});

describe('restart policies', () => {
  it('parse like Docker, refusing what it refuses', () => {
    expect(parsePolicy(undefined)).toEqual({ name: 'no', maxRetries: 0 });
    expect(parsePolicy({ Name: 'on-failure', MaximumRetryCount: 3 })).toEqual({
      name: 'on-failure',
      maxRetries: 3,
    });
    expect(() => parsePolicy({ Name: 'always', MaximumRetryCount: 2 })).toThrow(
      'maximum retry count cannot be used',
    );
    expect(() => parsePolicy({ Name: 'sometimes' as 'always' })).toThrow(
      "invalid restart policy 'sometimes'",
    );
    expect(() => parsePolicy({ Name: 'on-failure', MaximumRetryCount: -1 })).toThrow('cannot be negative');
  });

  it('restart on-failure only after failures, up to the maximum', () => {
    const policy = parsePolicy({ Name: 'on-failure', MaximumRetryCount: 3 });
    expect(decideRestart(policy, exit({ exitCode: 0 }))).toEqual({ restart: false });
    expect(decideRestart(policy, exit({ restartCount: 2 }))).toEqual({ restart: true, delayMs: 100 });
    expect(decideRestart(policy, exit({ restartCount: 3 }))).toEqual({ restart: false });
    expect(decideRestart(parsePolicy({ Name: 'on-failure' }), exit({ restartCount: 99 })).restart).toBe(true);
  });

  it('never undo a stop by the user, and never restart with no', () => {
    expect(decideRestart(parsePolicy({ Name: 'always' }), exit({ stoppedByUser: true }))).toEqual({
      restart: false,
    });
    expect(decideRestart(parsePolicy({ Name: 'no' }), exit({}))).toEqual({ restart: false });
    expect(decideRestart(parsePolicy({ Name: 'unless-stopped' }), exit({ exitCode: 0 })).restart).toBe(true);
  });

  it('back off from 100 ms doubling to a minute, reset by a run of 10 s', () => {
    const delays: number[] = [];
    let previous = 0;
    for (let index = 0; index < 12; index++) {
      previous = nextDelay(previous, 20);
      delays.push(previous);
    }
    expect(delays.slice(0, 4)).toEqual([100, 200, 400, 800]);
    expect(delays.at(-1)).toBe(60_000);
    expect(nextDelay(60_000, 10_000)).toBe(100);
  });

  it('decide what comes back when an engine starts', () => {
    const facts = { stoppedByUser: true, exitedWhileEngineDown: false, exitCode: 0, restartCount: 0 };
    expect(restartsOnEngineStart(parsePolicy({ Name: 'always' }), facts)).toBe(true);
    expect(restartsOnEngineStart(parsePolicy({ Name: 'unless-stopped' }), facts)).toBe(false);
    expect(
      restartsOnEngineStart(parsePolicy({ Name: 'unless-stopped' }), { ...facts, stoppedByUser: false }),
    ).toBe(true);
    const failed = { stoppedByUser: false, exitedWhileEngineDown: true, exitCode: 2, restartCount: 1 };
    expect(restartsOnEngineStart(parsePolicy({ Name: 'on-failure', MaximumRetryCount: 2 }), failed)).toBe(
      true,
    );
    expect(restartsOnEngineStart(parsePolicy({ Name: 'on-failure', MaximumRetryCount: 1 }), failed)).toBe(
      false,
    );
    expect(restartsOnEngineStart(parsePolicy({ Name: 'no' }), failed)).toBe(false);
  });
});
