import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Project } from '../../compose/model/types.js';
import { coalescedRebuilds } from './watch.js';

const shared = { context: '/app', target: 'app' };
const project = {
  services: {
    web: { name: 'web', image: 'app:dev', build: shared },
    migrate: { name: 'migrate', image: 'app:dev', build: shared },
    worker: { name: 'worker', build: { context: '/worker' } },
  },
} as unknown as Project;

describe('watch rebuilds', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('builds once for services sharing a build whose rules fire together', async () => {
    const calls: string[][] = [];
    const rebuild = coalescedRebuilds(
      () => project,
      async (names) => void calls.push([...names]),
    );
    const web = rebuild(['web']);
    const migrate = rebuild(['migrate']);
    await vi.advanceTimersByTimeAsync(50);
    await Promise.all([web, migrate]);
    expect(calls).toEqual([['web', 'migrate']]);
  });

  it('keeps services with other builds, and later saves, apart', async () => {
    const calls: string[][] = [];
    const rebuild = coalescedRebuilds(
      () => project,
      async (names) => void calls.push([...names]),
    );
    const web = rebuild(['web']);
    const worker = rebuild(['worker']);
    await vi.advanceTimersByTimeAsync(50);
    await Promise.all([web, worker]);
    const again = rebuild(['web']);
    await vi.advanceTimersByTimeAsync(50);
    await again;
    expect(calls).toEqual([['web'], ['worker'], ['web']]);
  });
});
