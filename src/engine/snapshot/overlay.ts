// The overlay snapshotter: a container's root filesystem is an overlay of its image's unpacked layers (lowers)
// under its own upper and work dirs, in <root>/containers-rw/<id>/{upper,work,merged}.
//
//   const snapshots = new OverlaySnapshotter(root);
//   const { mountpoint } = await snapshots.prepare('c1', image.chainIds);   // base layer first
//   await snapshots.mount('c1');      // … run the container on `mountpoint` …
//   await snapshots.remove('c1');     // unmounts, deletes its upper, work and merged dirs
//
// Lowers are passed as short relative links (l/<26 chars> → ../layers/<hex>/diff) with the mount run from the
// state root, as containers/storage does, so 100+ layers fit in one page of mount options. Invariants: a
// snapshot directory appears complete or not at all (made in a temp dir, then renamed); it is never deleted
// while mounted.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readlink, realpath, rename, rm, symlink, unlink } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { BerthError } from '../../shared/errors.js';
import { isErrno, readJsonIfExists, writeJsonAtomic } from '../store/atomic-json.js';
import { digestHex, layout, shortLinkName } from '../store/layout.js';
import { readMountInfo } from './mountinfo.js';

const run = promisify(execFile);

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const TEMP_PREFIX = '.tmp-';
/** Mount data must fit in one page; keep a margin as the kernel does for its own additions. */
const MAX_MOUNT_DATA = 4096 - 512;

interface SnapshotRecord {
  /** Layer chain IDs, base layer first. */
  layers: string[];
}

export interface Snapshot {
  id: string;
  mountpoint: string;
  upper: string;
  work: string;
}

export class OverlaySnapshotter {
  private readonly dir: string;

  constructor(private readonly root: string) {
    this.dir = layout.containersRwDir(root);
  }

  /** Creates the snapshot's directories over `layerChainIds` (base first; the layers must be unpacked). */
  async prepare(id: string, layerChainIds: readonly string[]): Promise<Snapshot> {
    checkId(id);
    for (const chainId of layerChainIds) {
      if (!(await exists(layout.layerDiff(this.root, chainId)))) {
        throw new BerthError('FailedPrecondition', `layer ${chainId} is not unpacked`);
      }
    }
    await mkdir(this.dir, { recursive: true });
    if (await exists(this.pathOf(id))) throw new BerthError('AlreadyExists', `snapshot ${id} already exists`);
    const temp = join(this.dir, `${TEMP_PREFIX}${id}-${randomBytes(4).toString('hex')}`);
    try {
      for (const sub of ['upper', 'work', 'merged', 'empty'])
        await mkdir(join(temp, sub), { recursive: true, mode: 0o755 });
      await writeJsonAtomic(join(temp, 'snapshot.json'), {
        layers: [...layerChainIds],
      } satisfies SnapshotRecord);
      await rename(temp, this.pathOf(id));
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      if (isErrno(error, 'ENOTEMPTY') || isErrno(error, 'EEXIST')) {
        throw new BerthError('AlreadyExists', `snapshot ${id} already exists`, { cause: error });
      }
      throw error;
    }
    return this.describe(id);
  }

  /** Mounts the overlay on the snapshot's `merged` dir; does nothing if it is mounted already. */
  async mount(id: string): Promise<Snapshot> {
    const record = await this.record(id);
    if (await this.isMounted(id)) return this.describe(id);
    const lowers: string[] = [];
    for (const chainId of [...record.layers].reverse()) lowers.push(await this.ensureLink(chainId));
    if (lowers.length === 0) lowers.push(relative(this.root, join(this.pathOf(id), 'empty')));
    const rw = relative(this.root, this.pathOf(id));
    const options = `lowerdir=${lowers.join(':')},upperdir=${rw}/upper,workdir=${rw}/work`;
    if (options.length > MAX_MOUNT_DATA) {
      throw new BerthError(
        'FailedPrecondition',
        `snapshot ${id} has too many layers (${record.layers.length}) to mount`,
      );
    }
    try {
      await run('mount', ['-t', 'overlay', 'overlay', '-o', options, `${rw}/merged`], { cwd: this.root });
    } catch (error) {
      throw new BerthError('Internal', `mounting snapshot ${id} failed: ${stderrOf(error)}`, {
        cause: error,
      });
    }
    return this.describe(id);
  }

  /** Unmounts the snapshot, lazily if it is busy; does nothing if it is not mounted. */
  async unmount(id: string): Promise<void> {
    checkId(id);
    const merged = join(this.pathOf(id), 'merged');
    if (!(await this.isMounted(id))) return;
    try {
      await run('umount', [merged]);
    } catch (error) {
      if (!(await this.isMounted(id))) return;
      try {
        await run('umount', ['-l', merged]);
      } catch (lazyError) {
        throw new BerthError('Internal', `unmounting snapshot ${id} failed: ${stderrOf(lazyError)}`, {
          cause: error,
        });
      }
    }
  }

  /** Unmounts and deletes the snapshot; does nothing if it does not exist. */
  async remove(id: string): Promise<void> {
    checkId(id);
    await this.unmount(id);
    if (await this.isMounted(id)) throw new BerthError('Conflict', `snapshot ${id} is still mounted`);
    const doomed = join(this.dir, `${TEMP_PREFIX}del-${id}-${randomBytes(4).toString('hex')}`);
    try {
      await rename(this.pathOf(id), doomed);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return;
      throw error;
    }
    await rm(doomed, { recursive: true, force: true });
  }

  async isMounted(id: string): Promise<boolean> {
    checkId(id);
    const merged = join(
      await realpath(this.root).catch(() => this.root),
      relative(this.root, this.pathOf(id)),
      'merged',
    );
    return (await readMountInfo()).some((m) => m.mountpoint === merged);
  }

  /** Ids of existing snapshots, sorted. */
  async list(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((name) => !name.startsWith('.')).sort();
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return [];
      throw error;
    }
  }

  /** Deletes half-made or half-removed snapshot dirs (never mounted ones); run at engine start. */
  async cleanTemp(): Promise<void> {
    const mounted = new Set(await listMounted(this.root));
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return;
      throw error;
    }
    for (const name of names.filter((n) => n.startsWith(TEMP_PREFIX))) {
      const merged = join(await realpath(this.dir), name, 'merged');
      if (mounted.has(merged)) await run('umount', ['-l', merged]);
      await rm(join(this.dir, name), { recursive: true, force: true });
    }
  }

  /** The layers a snapshot was prepared over, base first. */
  async layers(id: string): Promise<string[]> {
    return [...(await this.record(id)).layers];
  }

  describe(id: string): Snapshot {
    const path = this.pathOf(id);
    return { id, mountpoint: join(path, 'merged'), upper: join(path, 'upper'), work: join(path, 'work') };
  }

  private async record(id: string): Promise<SnapshotRecord> {
    checkId(id);
    const record = await readJsonIfExists<SnapshotRecord>(join(this.pathOf(id), 'snapshot.json'));
    if (record === undefined) throw new BerthError('NotFound', `no such snapshot: ${id}`);
    return record;
  }

  /** l/<short> → ../layers/<hex>/diff, made if missing; returns the link's path relative to the root. */
  private async ensureLink(chainId: string): Promise<string> {
    const diff = layout.layerDiff(this.root, chainId);
    if (!(await exists(diff))) throw new BerthError('FailedPrecondition', `layer ${chainId} is not unpacked`);
    const links = layout.linksDir(this.root);
    await mkdir(links, { recursive: true });
    const name = shortLinkName(chainId);
    const path = join(links, name);
    const target = join('..', 'layers', digestHex(chainId), 'diff');
    const current = await readlink(path).catch(() => undefined);
    if (current !== target) {
      if (current !== undefined) await unlink(path);
      try {
        await symlink(target, path);
      } catch (error) {
        if (!isErrno(error, 'EEXIST')) throw error;
      }
    }
    return relative(this.root, path);
  }

  private pathOf(id: string): string {
    return join(this.dir, id);
  }
}

/** Mount points of overlays under `root`'s snapshots, from the kernel's mount table. */
export async function listMounted(root: string): Promise<string[]> {
  const base = layout.containersRwDir(await realpath(root).catch(() => root)) + '/';
  return (await readMountInfo()).filter((m) => m.mountpoint.startsWith(base)).map((m) => m.mountpoint);
}

function checkId(id: string): void {
  if (!SAFE_ID.test(id))
    throw new BerthError('InvalidArgument', `invalid snapshot id: ${JSON.stringify(id)}`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return false;
    throw error;
  }
}

function stderrOf(error: unknown): string {
  const stderr = (error as { stderr?: unknown }).stderr;
  return typeof stderr === 'string' && stderr.trim() !== '' ? stderr.trim() : String(error);
}
