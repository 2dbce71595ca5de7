// A Debian base image for tests that need a real distribution (apt-get, bash, coreutils): made once per machine
// and day with `berth image bootstrap`'s code (mmdebstrap on the host), kept as a docker-archive under the temp
// dir, and loaded into whichever engine a suite runs. A lock file (O_EXCL, holding the owner's PID) makes
// parallel suites wait for one mmdebstrap run instead of each starting its own; a lock whose owner died is
// taken over.

import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { bootstrapRootfs, loadIntoEngine } from '../../src/cli/bootstrap/bootstrap.js';
import { EngineClient } from '../../src/engine/client/index.js';

export interface DebianImageOptions {
  suite?: string;
  variant?: string;
  /** How long to wait for another process's mmdebstrap run. */
  timeoutMs?: number;
}

const CACHE_DIR = path.join(os.tmpdir(), 'berth-debian-images');

/**
 * Makes sure the engine on `socket` has a Debian image (bookworm minbase unless told otherwise) and returns its
 * name, e.g. `docker.io/library/debian:bookworm`.
 *
 *   const image = await debianImage(engine.config.socket);
 */
export async function debianImage(socket: string, options: DebianImageOptions = {}): Promise<string> {
  const suite = options.suite ?? 'bookworm';
  const variant = options.variant ?? 'minbase';
  const archive = await cachedArchive(suite, variant, options.timeoutMs ?? 600_000);
  const client = new EngineClient({ socket });
  try {
    await loadIntoEngine(client, createReadStream(archive));
  } finally {
    client.close();
  }
  return `docker.io/library/debian:${suite}`;
}

/** The path of the cached archive, made now if no process has made it today. */
export async function cachedArchive(suite: string, variant: string, timeoutMs: number): Promise<string> {
  await mkdir(CACHE_DIR, { recursive: true });
  const key = `debian-${suite}-${variant}`;
  const day = new Date().toISOString().slice(0, 10);
  const file = path.join(CACHE_DIR, `${key}-${day}.tar`);
  const lock = `${file}.lock`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await exists(file)) return file;
    if (await takeLock(lock)) break;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  try {
    if (await exists(file)) return file; // made by the previous holder between our check and our lock
    const made = await bootstrapRootfs({ image: `debian:${suite}`, variant });
    try {
      const partial = `${file}.${process.pid}.partial`;
      await pipeline(made.archive(), createWriteStream(partial));
      await rename(partial, file);
    } finally {
      await made.dispose();
    }
    // Archives of earlier days are stale: the mirror has moved on.
    for (const name of await readdir(CACHE_DIR)) {
      if (name.startsWith(`${key}-`) && name.endsWith('.tar') && path.join(CACHE_DIR, name) !== file)
        await rm(path.join(CACHE_DIR, name), { force: true });
    }
    return file;
  } finally {
    await rm(lock, { force: true });
  }
}

/** Creates the lock file with our PID; removes it first when its owner is dead. */
async function takeLock(lock: string): Promise<boolean> {
  try {
    const handle = await open(lock, 'wx');
    await handle.writeFile(String(process.pid));
    await handle.close();
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const owner = Number(await readFile(lock, 'utf8').catch(() => ''));
  // An empty file is a lock being written this instant; only a dead owner's lock is taken over.
  if (Number.isInteger(owner) && owner > 0 && !alive(owner)) await rm(lock, { force: true });
  return false;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
