// Downloads one blob into the blob store: bytes go to a partial file under the store's temp dir, a broken
// connection resumes with a Range request (bounded attempts), and the file becomes visible only through
// BlobStore.ingestFile, which checks digest and size. Invariant: nothing unverified is ever under blobs/.

import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError } from '../../shared/errors.js';
import type { BlobStore } from '../image/blob-store.js';
import type { Descriptor } from '../image/image-store.js';
import { digestHex } from '../store/layout.js';
import type { RegistryClient } from './client.js';

export interface DownloadOptions {
  /** Attempts per blob (the first included); each after a failure resumes where the last one stopped. */
  attempts?: number;
  onBytes?: (current: number, total: number) => void;
}

const DEFAULT_ATTEMPTS = 5;

export async function downloadBlob(
  client: RegistryClient,
  blobs: BlobStore,
  descriptor: Descriptor,
  options: DownloadOptions = {},
): Promise<void> {
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  await mkdir(blobs.tempDir, { recursive: true });
  const partial = join(blobs.tempDir, `download-${digestHex(descriptor.digest)}.partial`);
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let offset = await sizeOf(partial);
    if (offset > descriptor.size) {
      await truncate(partial, 0);
      offset = 0;
    }
    if (offset === descriptor.size) break;
    try {
      await fetchInto(client, descriptor, partial, offset, options.onBytes);
      lastError = undefined;
      break;
    } catch (error) {
      if (error instanceof BerthError && error.code !== 'Unavailable') throw error;
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 100 * 2 ** attempt)));
    }
  }
  if (lastError !== undefined) {
    throw new BerthError(
      'Unavailable',
      `downloading blob ${descriptor.digest} failed after ${attempts} attempts: ${(lastError as Error).message}`,
      { cause: lastError },
    );
  }
  try {
    await blobs.ingestFile(partial, descriptor.digest, descriptor.size);
  } catch (error) {
    await rm(partial, { force: true });
    throw new BerthError(
      'InvalidArgument',
      `failed to verify blob ${descriptor.digest}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

async function fetchInto(
  client: RegistryClient,
  descriptor: Descriptor,
  partial: string,
  offset: number,
  onBytes: DownloadOptions['onBytes'],
): Promise<void> {
  const headers: Record<string, string> = {};
  if (offset > 0) headers.Range = `bytes=${offset}-`;
  const response = await client.request(client.url(`blobs/${descriptor.digest}`), { headers });
  let start = offset;
  if (offset > 0 && response.status !== 206) {
    start = 0; // the registry ignored the range: start over
    await truncate(partial, 0);
  } else if (response.status === 206) {
    const range = /^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '');
    if (range === null || Number(range[1]) !== offset) {
      await response.body?.cancel();
      await truncate(partial, 0);
      throw new BerthError('Unavailable', `registry answered a range request with the wrong range`);
    }
  }
  if (response.body === null)
    throw new BerthError('Unavailable', `empty answer for blob ${descriptor.digest}`);
  const file = createWriteStream(partial, { flags: start === 0 ? 'w' : 'a' });
  let written = start;
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      written += chunk.length;
      if (written > descriptor.size) {
        throw new BerthError(
          'InvalidArgument',
          `failed to verify blob ${descriptor.digest}: registry sent more than the ${descriptor.size} bytes the manifest gives`,
        );
      }
      if (!file.write(chunk)) await new Promise<void>((resolve) => file.once('drain', () => resolve()));
      onBytes?.(written, descriptor.size);
    }
  } catch (error) {
    if (error instanceof BerthError) {
      await closeFile(file);
      await rm(partial, { force: true });
      throw error;
    }
    await closeFile(file);
    throw new BerthError('Unavailable', `connection broken while downloading ${descriptor.digest}`, {
      cause: error,
    });
  }
  await closeFile(file);
  if (written !== descriptor.size) {
    throw new BerthError(
      'Unavailable',
      `download of ${descriptor.digest} ended at ${written} of ${descriptor.size} bytes`,
    );
  }
}

function closeFile(file: ReturnType<typeof createWriteStream>): Promise<void> {
  return new Promise((resolve, reject) => {
    file.end((error?: Error | null) => (error ? reject(error) : resolve()));
  });
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}
