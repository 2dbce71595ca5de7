import { describe, expect, it } from 'vitest';
import { decodeStdFrames, encodeStdFrame, StdFrameDecoder, StdStream } from './stdcopy.js';

describe('stdcopy framing', () => {
  it('writes the 8-byte header with a big-endian size', () => {
    expect([...encodeStdFrame(StdStream.stderr, 'hi')]).toEqual([2, 0, 0, 0, 0, 0, 0, 2, 104, 105]);
    expect([...encodeStdFrame(StdStream.stdout, Buffer.alloc(0))]).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('reassembles frames split anywhere across chunks', () => {
    const data = Buffer.concat([
      encodeStdFrame(1, 'hello '),
      encodeStdFrame(2, 'oops'),
      encodeStdFrame(1, 'world'),
    ]);
    for (let cut = 1; cut < data.length; cut++) {
      const decoder = new StdFrameDecoder();
      const frames = [...decoder.push(data.subarray(0, cut)), ...decoder.push(data.subarray(cut))];
      expect(frames.map((f) => `${f.stream}:${f.payload.toString()}`)).toEqual([
        '1:hello ',
        '2:oops',
        '1:world',
      ]);
      expect(decoder.buffered).toBe(0);
    }
  });

  it('reports truncation and garbage', () => {
    expect(() => decodeStdFrames(encodeStdFrame(1, 'abc').subarray(0, 9))).toThrow(
      'multiplexed stream truncated (9 bytes left over)',
    );
    expect(() => decodeStdFrames(Buffer.from('hello world'))).toThrow(
      'not a multiplexed stream: frame type 104',
    );
  });
});
