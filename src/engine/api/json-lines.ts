// Newline-delimited JSON framing (progress, events, build output), shared by every reader of the engine's streams.

import type { Readable } from 'node:stream';

/** Splits a byte stream into non-empty lines. */
export async function* jsonLines(stream: Readable): AsyncGenerator<string> {
  let pending = '';
  for await (const chunk of stream) {
    pending += (chunk as Buffer).toString('utf8');
    let newline: number;
    while ((newline = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (line !== '') yield line;
    }
  }
  if (pending.trim() !== '') yield pending.trim();
}
