import { describe, expect, it } from 'vitest';
import { Batcher, SerialQueue, type ChangeKind } from './batcher.js';
import type { Clock } from './clock.js';

/** A clock whose time moves only when the test says so. */
function fakeClock() {
  let now = 0;
  let nextId = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  const clock: Clock = {
    now: () => now,
    setTimeout(callback, ms) {
      const id = ++nextId;
      timers.set(id, { at: now + ms, callback });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
  };
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      timers.delete(due[0]);
      now = due[1].at;
      due[1].callback();
    }
    now = end;
  };
  return { clock, advance };
}

function collect() {
  const batches: Array<Array<[string, ChangeKind]>> = [];
  return { batches, onBatch: (b: ReadonlyMap<string, ChangeKind>) => batches.push([...b]) };
}

describe('Batcher', () => {
  it('sends a batch after the quiet window', () => {
    const { clock, advance } = fakeClock();
    const { batches, onBatch } = collect();
    const batcher = new Batcher({ clock, quietMs: 20, maxWaitMs: 200, onBatch });
    batcher.add('/a', 'change');
    advance(19);
    expect(batches).toEqual([]);
    batcher.add('/b', 'add');
    advance(19);
    expect(batches).toEqual([]);
    advance(1);
    expect(batches).toEqual([
      [
        ['/a', 'change'],
        ['/b', 'add'],
      ],
    ]);
  });

  it('does not let a stream of events postpone a batch beyond the cap', () => {
    const { clock, advance } = fakeClock();
    const { batches, onBatch } = collect();
    const batcher = new Batcher({ clock, quietMs: 20, maxWaitMs: 200, onBatch });
    for (let i = 0; i < 30; i++) {
      batcher.add(`/f${i}`, 'change');
      advance(10);
    }
    // Events every 10 ms for 300 ms: the first batch left at 200 ms, the second collects the rest.
    expect(batches.length).toBe(1);
    expect(batches[0]?.length).toBe(20);
    advance(20);
    expect(batches.length).toBe(2);
    expect(batches[1]?.length).toBe(10);
  });

  it('keeps one entry per path, the last kind winning', () => {
    const { clock, advance } = fakeClock();
    const { batches, onBatch } = collect();
    const batcher = new Batcher({ clock, onBatch });
    batcher.add('/a', 'add');
    batcher.add('/b', 'add');
    batcher.add('/a', 'unlink');
    advance(1000);
    expect(batches).toEqual([
      [
        ['/b', 'add'],
        ['/a', 'unlink'],
      ],
    ]);
  });

  it('handles thousands of paths in one batch', () => {
    const { clock, advance } = fakeClock();
    const { batches, onBatch } = collect();
    const batcher = new Batcher({ clock, onBatch });
    for (let i = 0; i < 5000; i++) batcher.add(`/f${i}`, 'add');
    advance(20);
    expect(batches.map((b) => b.length)).toEqual([5000]);
  });
});

describe('SerialQueue', () => {
  it('runs one job per key at a time and merges what arrives meanwhile', async () => {
    const runs: Array<[string, number[]]> = [];
    let release: () => void = () => undefined;
    const queue = new SerialQueue<number[]>(
      (a, b) => [...a, ...b],
      async (key, work) => {
        runs.push([key, work]);
        if (runs.length === 1) await new Promise<void>((resolve) => (release = resolve));
      },
    );
    queue.submit('web', [1]);
    queue.submit('web', [2]);
    queue.submit('web', [3]);
    queue.submit('api', [9]);
    expect(runs).toEqual([
      ['web', [1]],
      ['api', [9]],
    ]);
    release();
    await queue.idle();
    expect(runs).toEqual([
      ['web', [1]],
      ['api', [9]],
      ['web', [2, 3]],
    ]);
  });
});
