// Docker's multiplexed stream framing ("stdcopy"), used by attach, exec and logs when there is no TTY:
// each frame is an 8-byte header [stream, 0, 0, 0, size (uint32 big-endian)] followed by `size` bytes.
// Invariant: the decoder is incremental — a header or payload split across chunks is reassembled, never lost.

export const StdStream = { stdin: 0, stdout: 1, stderr: 2, systemErr: 3 } as const;
export type StdStreamType = (typeof StdStream)[keyof typeof StdStream];

export interface StdFrame {
  stream: StdStreamType;
  payload: Buffer;
}

const HEADER_SIZE = 8;

export function encodeStdFrame(stream: StdStreamType, payload: Buffer | string): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(HEADER_SIZE);
  header.writeUInt8(stream, 0);
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

/** Reassembles frames from chunks as they arrive from a socket. */
export class StdFrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  /** Adds a chunk and returns every frame it completed, in order. */
  push(chunk: Buffer): StdFrame[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: StdFrame[] = [];
    while (this.pending.length >= HEADER_SIZE) {
      const type = this.pending.readUInt8(0);
      if (type > 3) throw new Error(`not a multiplexed stream: frame type ${type}`);
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < HEADER_SIZE + size) break;
      frames.push({
        stream: type as StdStreamType,
        payload: this.pending.subarray(HEADER_SIZE, HEADER_SIZE + size),
      });
      this.pending = this.pending.subarray(HEADER_SIZE + size);
    }
    return frames;
  }

  /** Bytes received that do not yet make a whole frame (non-zero at end of stream means truncation). */
  get buffered(): number {
    return this.pending.length;
  }
}

/** Decodes a complete multiplexed buffer; throws if it ends in the middle of a frame. */
export function decodeStdFrames(data: Buffer): StdFrame[] {
  const decoder = new StdFrameDecoder();
  const frames = decoder.push(data);
  if (decoder.buffered !== 0)
    throw new Error(`multiplexed stream truncated (${decoder.buffered} bytes left over)`);
  return frames;
}
