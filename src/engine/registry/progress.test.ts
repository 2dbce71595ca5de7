import { describe, expect, it } from 'vitest';
import { createLimiter, mapBounded, shortId } from './progress.js';

describe('bounded work', () => {
  it('never runs more than the limit at once and keeps results in order', async () => {
    let running = 0;
    let peak = 0;
    const work = async (n: number) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5 + (n % 3)));
      running--;
      return n * 2;
    };
    expect(await mapBounded([1, 2, 3, 4, 5, 6, 7], 3, work)).toEqual([2, 4, 6, 8, 10, 12, 14]);
    expect(peak).toBe(3);
    peak = 0;
    const limit = createLimiter(2);
    expect(await Promise.all([1, 2, 3, 4, 5].map((n) => limit(() => work(n))))).toEqual([2, 4, 6, 8, 10]);
    expect(peak).toBe(2);
  });

  it('passes failures through and keeps going with the rest', async () => {
    const limit = createLimiter(1);
    const failing = limit(() => Promise.reject(new Error('boom')));
    const after = limit(() => Promise.resolve('ok'));
    await expect(failing).rejects.toThrow('boom');
    expect(await after).toBe('ok');
    expect(shortId('sha256:0123456789abcdef')).toBe('0123456789ab');
  });
});
