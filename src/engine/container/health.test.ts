import { describe, expect, it } from 'vitest';
import { applyProbe, healthSettings, initialHealth, nextProbeDelay, type ProbeResult } from './health.js';

const started = new Date('2026-11-23T10:00:00Z');
const probe = (secondsAfterStart: number, exitCode: number, output = ''): ProbeResult => ({
  start: new Date(started.getTime() + secondsAfterStart * 1000),
  end: new Date(started.getTime() + secondsAfterStart * 1000 + 5),
  exitCode,
  output,
});

describe('healthcheck settings', () => {
  it('use Docker defaults and the test forms', () => {
    expect(healthSettings({ Test: ['CMD', 'true'] })).toEqual({
      args: ['true'],
      intervalMs: 30_000,
      timeoutMs: 30_000,
      startPeriodMs: 0,
      startIntervalMs: 5_000,
      retries: 3,
    });
    expect(healthSettings({ Test: ['CMD-SHELL', 'test -f /ok'] })?.args).toEqual([
      '/bin/sh',
      '-c',
      'test -f /ok',
    ]);
    expect(healthSettings({ Test: ['CMD-SHELL', 'x'] }, ['/bin/bash', '-ec'])?.args).toEqual([
      '/bin/bash',
      '-ec',
      'x',
    ]);
    expect(healthSettings({ Test: ['NONE'] })).toBeUndefined();
    expect(healthSettings({ Test: [] })).toBeUndefined();
    expect(healthSettings(undefined)).toBeUndefined();
    const custom = healthSettings({
      Test: ['CMD', 'x'],
      Interval: 2e9,
      Timeout: 5e8,
      StartPeriod: 1e10,
      Retries: 5,
    });
    expect(custom).toMatchObject({ intervalMs: 2000, timeoutMs: 500, startPeriodMs: 10_000, retries: 5 });
  });
});

describe('probe results', () => {
  const settings = healthSettings({ Test: ['CMD', 'x'], Retries: 2, StartPeriod: 10e9 })!;

  it('turn healthy at the first success and unhealthy after `retries` failures', () => {
    let health = applyProbe(initialHealth(), probe(11, 0, 'ok'), settings, started);
    expect(health).toMatchObject({ Status: 'healthy', FailingStreak: 0 });
    health = applyProbe(health, probe(12, 1), settings, started);
    expect(health).toMatchObject({ Status: 'healthy', FailingStreak: 1 });
    health = applyProbe(health, probe(13, 1), settings, started);
    expect(health).toMatchObject({ Status: 'unhealthy', FailingStreak: 2 });
  });

  it('do not count failures while starting within the start period', () => {
    let health = applyProbe(initialHealth(), probe(1, 1), settings, started);
    health = applyProbe(health, probe(2, 1), settings, started);
    health = applyProbe(health, probe(3, -1, 'Health check exceeded timeout (1s)'), settings, started);
    expect(health).toMatchObject({ Status: 'starting', FailingStreak: 0 });
    expect(health.Log).toHaveLength(3);
    health = applyProbe(health, probe(10, 1), settings, started);
    expect(health).toMatchObject({ Status: 'starting', FailingStreak: 1 });
  });

  it('keep the last five results with output cut at 4 KiB', () => {
    let health = initialHealth();
    for (let index = 0; index < 7; index++)
      health = applyProbe(health, probe(20 + index, 0, `run ${index}`), settings, started);
    expect(health.Log.map((entry) => entry.Output)).toEqual(['run 2', 'run 3', 'run 4', 'run 5', 'run 6']);
    health = applyProbe(health, probe(30, 0, 'x'.repeat(10_000)), settings, started);
    expect(health.Log.at(-1)?.Output).toHaveLength(4096);
  });

  it('wait the start interval while starting, the interval after', () => {
    const fast = healthSettings({
      Test: ['CMD', 'x'],
      Interval: 30e9,
      StartPeriod: 60e9,
      StartInterval: 1e9,
    })!;
    expect(nextProbeDelay(initialHealth(), fast, 5_000)).toBe(1000);
    expect(nextProbeDelay(initialHealth(), fast, 61_000)).toBe(30_000);
    expect(nextProbeDelay({ Status: 'healthy', FailingStreak: 0, Log: [] }, fast, 5_000)).toBe(30_000);
  });
});
