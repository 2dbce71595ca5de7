// Copy-up: fills a new volume with the image content found at its mount point, as Docker does on first use.
// `cp -a` keeps owners, modes, timestamps, symlinks (not followed), hard links and xattrs.
// Invariant: the source is copied only when it is a real directory (a symlink is never followed out of the rootfs).

import { lstat, readdir } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BerthError } from '../../shared/errors.js';
import { isErrno } from '../store/atomic-json.js';

const run = promisify(execFile);

/** True when dir has no entries (a missing dir counts as empty). */
export async function isEmptyDir(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return true;
    throw error;
  }
}

/** Copies the contents of sourceDir (and its own owner/mode) into targetDir; false when there was no source. */
export async function copyTree(sourceDir: string, targetDir: string): Promise<boolean> {
  try {
    const info = await lstat(sourceDir);
    if (!info.isDirectory()) return false;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return false;
    throw error;
  }
  try {
    // `src/.` onto an existing dir copies the entries and the attributes of src itself onto targetDir.
    await run('cp', ['-a', '--', `${sourceDir}/.`, targetDir]);
  } catch (error) {
    throw new BerthError('Internal', `copy image content from ${sourceDir} into volume failed`, {
      cause: error,
    });
  }
  return true;
}
