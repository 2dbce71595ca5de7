// Reads and waits for the exit files conmon writes (`<exitDir>/<id>` holding the exit code as text).
// Invariant: waiting never polls — it watches the directory — and a file that already exists when the
// wait begins resolves at once, so an exit between "check" and "watch" is never missed.
import { watch } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError } from '../../shared/errors.js';

/** The recorded exit code, or undefined when the process has not exited (or the file is mid-write). */
export async function readExitCode(exitDir: string, id: string): Promise<number | undefined> {
  try {
    const text = (await readFile(join(exitDir, id), 'utf8')).trim();
    return /^-?\d+$/.test(text) ? Number(text) : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function removeExitFile(exitDir: string, id: string): Promise<void> {
  await rm(join(exitDir, id), { force: true });
}

/** Resolves with the exit code once `<exitDir>/<id>` exists. */
export function waitForExitFile(exitDir: string, id: string, signal?: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const watcher = watch(exitDir, { persistent: true });
    const settle = (error: unknown, code?: number): void => {
      if (settled) return;
      settled = true;
      watcher.close();
      signal?.removeEventListener('abort', onAbort);
      if (code !== undefined) resolve(code);
      else reject(error);
    };
    const check = (): void => {
      readExitCode(exitDir, id).then(
        (code) => {
          if (code !== undefined) settle(undefined, code);
        },
        (error: unknown) => settle(error),
      );
    };
    const onAbort = (): void => settle(new BerthError('Cancelled', `stopped waiting for ${id} to exit`));
    watcher.on('change', (_event, filename) => {
      if (filename === null || filename.toString() === id) check();
    });
    watcher.on('error', (error) => settle(error));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort);
    check(); // it may have exited before the watch began
  });
}
