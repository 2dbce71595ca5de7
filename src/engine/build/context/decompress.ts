// Decompression for what the builder reads (an uploaded context, an ADD archive), told by magic bytes:
// gzip and zstd as the image store reads them, bzip2 and xz through the `bzip2` and `xz` programs, which
// Node's zlib lacks. Invariant: a stream from a program ends only after that program exited 0, so corrupt
// input fails the read instead of ending it early as if complete.

import { spawn } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import { BerthError } from '../../../shared/errors.js';
import { detectCompression, openDecompressed, type Compression } from '../../image/compression.js';

/** The uncompressed bytes of `source`, whichever of plain, gzip, zstd, bzip2 or xz it is. */
export async function openAnyDecompressed(
  source: Readable | AsyncIterable<Uint8Array>,
  what: string,
): Promise<{ compression: Compression; stream: Readable }> {
  const iterator = source[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < 6) {
    const next = await iterator.next();
    if (next.done === true) {
      done = true;
      break;
    }
    const chunk = Buffer.from(next.value as Uint8Array);
    chunks.push(chunk);
    length += chunk.length;
  }
  const head = Buffer.concat(chunks);
  const whole = Readable.from(
    (async function* () {
      if (head.length > 0) yield head;
      if (done) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done === true) return;
        yield next.value as Uint8Array;
      }
    })(),
    { objectMode: false },
  );
  const compression = detectCompression(head);
  if (compression === 'bzip2' || compression === 'xz') {
    return { compression, stream: throughProgram(whole, compression, what) };
  }
  return openDecompressed(whole, what);
}

/** Pipes `input` through `<program> -dc`. */
export function throughProgram(input: Readable, program: 'bzip2' | 'xz', what: string): Readable {
  const child = spawn(program, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const output = new PassThrough();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 2000) stderr += chunk.toString('utf8');
  });
  child.stdout.pipe(output, { end: false });
  child.on('error', (error) =>
    output.destroy(
      new BerthError(
        'FailedPrecondition',
        `${what} is ${program}-compressed and the ${program} program cannot run`,
        { cause: error },
      ),
    ),
  );
  child.on('close', (code) => {
    if (code === 0) output.end();
    else
      output.destroy(
        new BerthError(
          'InvalidArgument',
          `${what}: ${program} failed: ${stderr.trim() || `exit ${String(code)}`}`,
        ),
      );
  });
  input.on('error', (error) => {
    child.kill('SIGKILL');
    output.destroy(error);
  });
  child.stdin.on('error', () => undefined); // an early exit is reported by 'close'
  input.pipe(child.stdin);
  output.on('close', () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    input.destroy();
  });
  return output;
}
