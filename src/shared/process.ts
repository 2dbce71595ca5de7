// Small facts about other processes, by PID: whether one is alive, and the PID a pid file names.

import { readFile } from 'node:fs/promises';

/** True while a process with this PID exists (EPERM means it exists but is not ours to signal). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The positive integer PID in a pid file, or undefined when the file is missing or holds none. */
export async function readPidFile(path: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(path, 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
