import { describe, expect, it } from 'vitest';
import { decodeChanges, encodeChanges, type SyncChange } from './sync.js';

async function roundTrip(changes: SyncChange[], chunkSize: number) {
  const frames: Buffer[] = [];
  for await (const frame of encodeChanges(changes)) frames.push(frame);
  const whole = Buffer.concat(frames);
  // Re-chunk at an arbitrary size so headers and contents straddle chunk boundaries.
  const chunks: Buffer[] = [];
  for (let i = 0; i < whole.length; i += chunkSize) chunks.push(whole.subarray(i, i + chunkSize));
  const out: Array<{ entry: unknown; content: string }> = [];
  for await (const { entry, content } of decodeChanges(
    (async function* () {
      yield* chunks;
    })(),
  )) {
    const parts: Buffer[] = [];
    for await (const part of content) parts.push(part);
    out.push({ entry, content: Buffer.concat(parts).toString() });
  }
  return out;
}

describe('sync frames', () => {
  const changes: SyncChange[] = [
    { op: 'write', path: '/app/a.txt', mode: 0o644, content: Buffer.from('hello') },
    { op: 'mkdir', path: '/app/d', mode: 0o755 },
    { op: 'write', path: '/app/empty', mode: 0o600, content: async () => Buffer.alloc(0) },
    { op: 'symlink', path: '/app/l', target: 'a.txt' },
    { op: 'delete', path: '/app/old' },
  ];

  for (const size of [1, 3, 7, 1024]) {
    it(`round-trips in chunks of ${size} bytes`, async () => {
      const out = await roundTrip(changes, size);
      expect(out.map((o) => o.entry)).toEqual([
        { op: 'write', path: '/app/a.txt', mode: 0o644, size: 5 },
        { op: 'mkdir', path: '/app/d', mode: 0o755 },
        { op: 'write', path: '/app/empty', mode: 0o600, size: 0 },
        { op: 'symlink', path: '/app/l', target: 'a.txt' },
        { op: 'delete', path: '/app/old' },
      ]);
      expect(out[0]?.content).toBe('hello');
    });
  }

  it('skips content the consumer does not read', async () => {
    const frames: Buffer[] = [];
    for await (const frame of encodeChanges(changes)) frames.push(frame);
    const ops: string[] = [];
    for await (const { entry } of decodeChanges(
      (async function* () {
        yield Buffer.concat(frames);
      })(),
    ))
      ops.push(entry.op);
    expect(ops).toEqual(['write', 'mkdir', 'write', 'symlink', 'delete']);
  });

  it('rejects a truncated stream', async () => {
    const frames: Buffer[] = [];
    for await (const frame of encodeChanges(changes.slice(0, 1))) frames.push(frame);
    const cut = Buffer.concat(frames).subarray(0, -2);
    await expect(async () => {
      for await (const item of decodeChanges(
        (async function* () {
          yield cut;
        })(),
      ))
        for await (const _ of item.content) void _;
    }).rejects.toThrow(/ended inside/);
  });
});
