// A busybox image with a VOLUME whose mount point holds content (an owned file, a private dir, a symlink), to
// test copy-up into fresh volumes. Built from the shared busybox rootfs helper, imported into a test engine.

import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { importRootfsTar } from '../../../src/engine/image/import.js';
import type { ImageStore } from '../../../src/engine/image/image-store.js';
import { makeBusyboxRootfs } from '../../helpers/rootfs.js';

const run = promisify(execFile);

export const VOLUME_IMAGE = 'busybox-volume:test';

/** Imports VOLUME_IMAGE: `VOLUME /data` over /data/owned.txt (1000:1000, 0640), /data/private/ (0700), /data/link. */
export async function importVolumeImage(images: ImageStore, workDir: string): Promise<void> {
  const staging = await mkdtemp(path.join(tmpdir(), 'berth-volimg-'));
  try {
    await makeBusyboxRootfs(staging);
    const data = path.join(staging, 'data');
    await mkdir(path.join(data, 'private'), { recursive: true });
    await chmod(path.join(data, 'private'), 0o700);
    await writeFile(path.join(data, 'owned.txt'), 'from the image\n');
    await chown(path.join(data, 'owned.txt'), 1000, 1000);
    await chmod(path.join(data, 'owned.txt'), 0o640);
    await symlink('owned.txt', path.join(data, 'link'));
    const tar = path.join(workDir, 'volume-image.tar');
    await run('tar', ['--numeric-owner', '--sort=name', '-C', staging, '-cf', tar, '.']);
    await importRootfsTar(images, createReadStream(tar), {
      repoTag: VOLUME_IMAGE,
      changes: ['VOLUME /data', 'CMD ["sh"]'],
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
