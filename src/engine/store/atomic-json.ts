// Atomic JSON records: a reader sees either the old file or the new one, never half of either, even after a
// crash. Invariant: the temp file lives in the target's directory (rename is atomic only within a filesystem)
// and is fsynced before the rename; the directory is fsynced after it so the rename itself survives a crash.

import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { BerthError } from '../../shared/errors.js';

/** Writes `value` as JSON to `path`, atomically and durably. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/** Writes bytes to `path`, atomically and durably (temp file + fsync + rename + fsync of the directory). */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.tmp-${randomBytes(6).toString('hex')}`);
  const file = await open(temp, 'wx', 0o644);
  try {
    await file.writeFile(data);
    await file.sync();
  } catch (error) {
    await file.close();
    await rm(temp, { force: true });
    throw error;
  }
  await file.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDir(dir);
}

/** fsync a directory so that entries created or renamed in it are durable. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Reads and parses a JSON file; a missing file is NotFound, bad JSON is Internal (a corrupt record). */
export async function readJson<T = unknown>(path: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT'))
      throw new BerthError('NotFound', `${path} does not exist`, { cause: error });
    throw error;
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new BerthError('Internal', `${path} is not valid JSON`, { cause: error });
  }
}

/** Like readJson, but undefined when the file does not exist. */
export async function readJsonIfExists<T = unknown>(path: string): Promise<T | undefined> {
  try {
    return await readJson<T>(path);
  } catch (error) {
    if (error instanceof BerthError && error.code === 'NotFound') return undefined;
    throw error;
  }
}

export function isErrno(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
