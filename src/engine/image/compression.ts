// Layer and archive compression, told by magic bytes rather than by media type or file name (docker-archive
// layers carry no media type, and registries mislabel). Invariant: the returned stream yields the exact
// uncompressed bytes, so hashing it gives the layer's diffID. zstd (OCI `tar+zstd` layers), and for the
// builder's contexts and ADD archives bzip2 and xz, are read through their programs, as Node 20's zlib has none
// of them.

import { spawn } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { BerthError } from '../../shared/errors.js';

export type Compression = 'none' | 'gzip' | 'zstd' | 'bzip2' | 'xz';

export function detectCompression(head: Uint8Array): Compression {
  const at = (i: number) => head[i];
  if (at(0) === 0x1f && at(1) === 0x8b) return 'gzip';
  if (at(0) === 0x28 && at(1) === 0xb5 && at(2) === 0x2f && at(3) === 0xfd) return 'zstd';
  if (at(0) === 0x42 && at(1) === 0x5a && at(2) === 0x68) return 'bzip2';
  if (at(0) === 0xfd && at(1) === 0x37 && at(2) === 0x7a && at(3) === 0x58 && at(4) === 0x5a) return 'xz';
  return 'none';
}

/** What layers may be: what registries and image archives carry. */
const LAYER_COMPRESSIONS: readonly Compression[] = ['none', 'gzip', 'zstd'];
/** Everything this module reads (build contexts and ADD archives). */
export const ALL_COMPRESSIONS: readonly Compression[] = ['none', 'gzip', 'zstd', 'bzip2', 'xz'];

/** The uncompressed bytes of `source`; compressions outside `allowed` are FailedPrecondition. */
export async function openDecompressed(
  source: Readable | AsyncIterable<Uint8Array>,
  what = 'layer',
  allowed: readonly Compression[] = LAYER_COMPRESSIONS,
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
  const compression = detectCompression(head);
  if (!allowed.includes(compression)) {
    if (typeof (iterator as { return?: unknown }).return === 'function') await iterator.return?.();
    throw new BerthError(
      'FailedPrecondition',
      `${what} is ${compression}-compressed, which berth does not read yet`,
    );
  }
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
  if (compression === 'none') return { compression, stream: whole };
  if (compression !== 'gzip') return { compression, stream: throughProgram(whole, compression, what) };
  const gunzip = createGunzip();
  whole.on('error', (error) => gunzip.destroy(error));
  return { compression, stream: whole.pipe(gunzip) };
}

/**
 * Pipes `input` through `<program> -dc`. The returned stream ends only after the program exited 0, so corrupt
 * input or a missing program fails it rather than ending it early as if the content were complete.
 */
export function throughProgram(input: Readable, program: 'zstd' | 'bzip2' | 'xz', what: string): Readable {
  const child = spawn(program, ['-dc', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const output = new PassThrough();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 2000) stderr += chunk.toString('utf8');
  });
  child.stdout.pipe(output, { end: false });
  child.on('error', (error) => {
    output.destroy(
      new BerthError(
        'FailedPrecondition',
        `${what} is ${program}-compressed and the ${program} program cannot run`,
        {
          cause: error,
        },
      ),
    );
  });
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
  child.stdin.on('error', () => undefined); // the program exiting early is reported by 'close'
  input.pipe(child.stdin);
  output.on('close', () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    input.destroy();
  });
  return output;
}
