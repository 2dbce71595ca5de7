// One engine per state root: an O_EXCL lock file holding the owner's pid. A lock whose pid no longer runs is
// stale (the engine was killed) and is taken over. Invariant: a live owner's lock is never removed.

import { open, readFile, rm, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError } from '../../shared/errors.js';
import { isErrno } from './atomic-json.js';
import { isProcessAlive } from '../../shared/process.js';

export interface RootLock {
  readonly path: string;
  /** Removes the lock file if it is still ours. */
  release(): Promise<void>;
}

export const LOCK_FILE = 'engine.lock';

/** Takes the engine lock on `root` for process `pid` (default: this process). */
export async function acquireRootLock(root: string, pid: number = process.pid): Promise<RootLock> {
  await mkdir(root, { recursive: true });
  const path = join(root, LOCK_FILE);
  // Two rounds: the second follows the removal of a stale lock; losing that race to another engine is a Conflict.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const file = await open(path, 'wx', 0o644);
      try {
        await file.writeFile(`${pid}\n`);
        await file.sync();
      } finally {
        await file.close();
      }
      return { path, release: () => releaseIfOwned(path, pid) };
    } catch (error) {
      if (!isErrno(error, 'EEXIST')) throw error;
    }
    const owner = await readOwner(path);
    if (owner !== undefined && owner !== pid && isProcessAlive(owner)) {
      throw new BerthError('Conflict', `another berth engine is using ${root} (pid ${owner})`);
    }
    await rm(path, { force: true });
  }
  const owner = await readOwner(path);
  throw new BerthError('Conflict', `another berth engine is using ${root} (pid ${owner ?? 'unknown'})`);
}

async function readOwner(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(path, 'utf8')).trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
}

async function releaseIfOwned(path: string, pid: number): Promise<void> {
  if ((await readOwner(path)) === pid) await rm(path, { force: true });
}
