// Named volumes of the `local` driver: data under <root>/volumes/<name>/_data, one JSON record per volume in
// <root>/volumes/_records (a name can never be `_records`: names start with a letter or digit).
// Invariant: a volume's data is deleted only by remove/prune, and never while the in-use callback names a user;
// mounts made for driver options are reference counted so the last release unmounts them.

import { lstat, mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BerthError } from '../../shared/errors.js';
import { isErrno } from '../store/atomic-json.js';
import { RecordStore } from '../store/record-store.js';
import { copyTree, isEmptyDir } from './copy-up.js';
import { parseLocalOptions } from './local-options.js';
import { ANONYMOUS_LABEL, generateVolumeName, validateVolumeName } from './names.js';
import { resolveSubpathIn } from './subpath.js';

const run = promisify(execFile);

/** The record, in the shape of the Docker API's Volume object plus our own bookkeeping. */
export interface VolumeRecord {
  Name: string;
  Driver: 'local';
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  Options: Record<string, string>;
  Scope: 'local';
  /** Set once image content has been copied in; copy-up never happens again afterwards. */
  populated: boolean;
}

export interface CreateVolumeOptions {
  /** Omitted or '' → an anonymous volume with a generated 64-hex name. */
  name?: string;
  driver?: string;
  labels?: Record<string, string>;
  options?: Record<string, string>;
}

export interface VolumeFilters {
  name?: string[];
  /** `key` or `key=value`. */
  label?: string[];
  dangling?: boolean;
  driver?: string[];
}

export interface PruneOptions {
  /** Also remove named volumes; otherwise only anonymous ones (Docker API >= 1.42). */
  all?: boolean;
  /** `key`, `key=value`, negated with `label!`. */
  label?: string[];
  labelNot?: string[];
}

export interface VolumeStoreOptions {
  /** The engine's state root. */
  root: string;
  /** Ids of the containers using a volume ([] when none); the container side provides it. */
  usersOf?: (name: string) => Promise<string[]> | string[];
  clock?: () => Date;
  /** Told of `create` (a new volume only), `destroy` and `prune` (name '', attribute `reclaimed`). */
  onEvent?: (event: VolumeEvent) => void;
}

export interface VolumeEvent {
  action: 'create' | 'destroy' | 'prune';
  name: string;
  attributes: Record<string, string>;
}

export class VolumeStore {
  private readonly records: RecordStore<VolumeRecord>;
  private readonly volumesDir: string;
  private readonly usersOf: (name: string) => Promise<string[]> | string[];
  private readonly clock: () => Date;
  private readonly onEvent: (event: VolumeEvent) => void;
  /** Mount reference counts of volumes with driver options (tmpfs, bind, ...). */
  private readonly mountCounts = new Map<string, number>();
  /** Serialises changes per volume name so create/remove/mount never interleave. */
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(options: VolumeStoreOptions) {
    this.volumesDir = join(options.root, 'volumes');
    this.records = new RecordStore<VolumeRecord>(join(this.volumesDir, '_records'), 'volume');
    this.usersOf = options.usersOf ?? (() => []);
    this.clock = options.clock ?? (() => new Date());
    this.onEvent = options.onEvent ?? (() => undefined);
  }

  /** The host directory holding a volume's data (its Mountpoint). */
  dataDir(name: string): string {
    return join(this.volumesDir, name, '_data');
  }

  /** Creates a volume, or returns the existing one when name and options match; Conflict when they differ. */
  async create(options: CreateVolumeOptions = {}): Promise<VolumeRecord> {
    const anonymous = options.name === undefined || options.name === '';
    const name = anonymous ? generateVolumeName() : (options.name as string);
    validateVolumeName(name);
    const driver = options.driver ?? 'local';
    if (driver !== '' && driver !== 'local') {
      throw new BerthError('NotFound', `create ${name}: plugin "${driver}" not found`);
    }
    const driverOptions = { ...(options.options ?? {}) };
    parseLocalOptions(name, driverOptions);
    const labels = { ...(options.labels ?? {}) };
    if (anonymous) labels[ANONYMOUS_LABEL] = '';
    return this.locked(name, async () => {
      const existing = await this.records.get(name);
      if (existing !== undefined) {
        if (!sameEntries(existing.Options, driverOptions)) {
          throw new BerthError('Conflict', `create ${name}: volume already exists with different options`);
        }
        return existing;
      }
      const record: VolumeRecord = {
        Name: name,
        Driver: 'local',
        Mountpoint: this.dataDir(name),
        CreatedAt: this.clock()
          .toISOString()
          .replace(/\.\d{3}Z$/, 'Z'),
        Labels: labels,
        Options: driverOptions,
        Scope: 'local',
        populated: false,
      };
      await mkdir(record.Mountpoint, { recursive: true, mode: 0o755 });
      await this.records.put(name, record);
      this.onEvent({ action: 'create', name, attributes: { driver: 'local' } });
      return record;
    });
  }

  /** The volume, or NotFound ("get x: no such volume"). */
  async inspect(name: string): Promise<VolumeRecord> {
    const record = await this.find(name);
    if (record === undefined) throw new BerthError('NotFound', `get ${name}: no such volume`);
    return record;
  }

  async exists(name: string): Promise<boolean> {
    return (await this.find(name)) !== undefined;
  }

  /** Volumes matching every given filter, sorted by name. */
  async list(filters: VolumeFilters = {}): Promise<VolumeRecord[]> {
    const out: VolumeRecord[] = [];
    for (const { record } of await this.records.list()) {
      if (filters.name !== undefined && filters.name.length > 0) {
        // Docker matches the name filter as a substring.
        if (!filters.name.some((part) => record.Name.includes(part))) continue;
      }
      if (filters.driver !== undefined && filters.driver.length > 0) {
        if (!filters.driver.includes(record.Driver)) continue;
      }
      if (filters.label !== undefined && !filters.label.every((l) => hasLabel(record, l))) continue;
      if (filters.dangling !== undefined) {
        const inUse = (await this.usersOf(record.Name)).length > 0;
        if (filters.dangling === inUse) continue;
      }
      out.push(record);
    }
    return out;
  }

  /** Removes a volume and its data; Conflict naming the containers when it is in use. */
  async remove(name: string, options: { force?: boolean } = {}): Promise<void> {
    await this.locked(name, async () => {
      const record = await this.find(name);
      if (record === undefined) {
        if (options.force === true) return;
        throw new BerthError('NotFound', `get ${name}: no such volume`);
      }
      const users = await this.usersOf(name);
      if (users.length > 0) {
        throw new BerthError('Conflict', `remove ${name}: volume is in use - [${users.join(', ')}]`);
      }
      if ((this.mountCounts.get(name) ?? 0) > 0) {
        throw new BerthError('Conflict', `remove ${name}: volume is mounted`);
      }
      // A mount left from an earlier engine run (counts live in memory): unmount it first, so removing the
      // data dir can never reach into a bound host directory.
      if (await isMountPoint(record.Mountpoint)) await run('umount', [record.Mountpoint]);
      if (await isMountPoint(record.Mountpoint)) {
        throw new BerthError('Conflict', `remove ${name}: volume is still mounted`);
      }
      await this.records.delete(name);
      await rm(join(this.volumesDir, name), { recursive: true, force: true });
      this.onEvent({ action: 'destroy', name, attributes: { driver: 'local' } });
    });
  }

  /** Removes unused volumes (anonymous only unless `all`); returns names removed and bytes reclaimed. */
  async prune(options: PruneOptions = {}): Promise<{ VolumesDeleted: string[]; SpaceReclaimed: number }> {
    const deleted: string[] = [];
    let space = 0;
    for (const record of await this.list({ dangling: true })) {
      if (options.all !== true && !(ANONYMOUS_LABEL in record.Labels)) continue;
      if (options.label !== undefined && !options.label.every((l) => hasLabel(record, l))) continue;
      if (options.labelNot !== undefined && options.labelNot.some((l) => hasLabel(record, l))) continue;
      const size = await diskUsage(join(this.volumesDir, record.Name));
      try {
        await this.remove(record.Name);
      } catch (error) {
        if (error instanceof BerthError && error.code === 'Conflict') continue; // became used meanwhile
        throw error;
      }
      deleted.push(record.Name);
      space += size;
    }
    this.onEvent({ action: 'prune', name: '', attributes: { reclaimed: String(space) } });
    return { VolumesDeleted: deleted, SpaceReclaimed: space };
  }

  /**
   * Makes the volume's data available and returns its host path; for volumes with driver options (tmpfs,
   * bind) the first caller mounts it. Every mount() must be paired with one release().
   */
  async mount(name: string): Promise<string> {
    return this.locked(name, async () => {
      const record = await this.inspect(name);
      const local = parseLocalOptions(name, record.Options);
      const count = this.mountCounts.get(name) ?? 0;
      if (local !== undefined && count === 0 && !(await isMountPoint(record.Mountpoint))) {
        if (local.bind) {
          try {
            await stat(local.device);
          } catch (error) {
            if (isErrno(error, 'ENOENT')) {
              throw new BerthError(
                'FailedPrecondition',
                `mount volume ${name}: bind device does not exist: ${local.device}`,
              );
            }
            throw error;
          }
        }
        await mkdir(record.Mountpoint, { recursive: true });
        const args = ['-t', local.type];
        if (local.options !== '') args.push('-o', local.options);
        try {
          await run('mount', [...args, local.device, record.Mountpoint]);
        } catch (error) {
          const stderr = (error as { stderr?: string }).stderr?.trim() ?? '';
          throw new BerthError('FailedPrecondition', `mount volume ${name}: ${stderr || 'mount failed'}`, {
            cause: error,
          });
        }
      }
      this.mountCounts.set(name, count + 1);
      return record.Mountpoint;
    });
  }

  /** Drops one reference taken by mount(); the last one unmounts a driver-option mount. */
  async release(name: string): Promise<void> {
    await this.locked(name, async () => {
      const count = this.mountCounts.get(name) ?? 0;
      if (count > 1) {
        this.mountCounts.set(name, count - 1);
        return;
      }
      this.mountCounts.delete(name);
      const mountpoint = this.dataDir(name);
      if (await isMountPoint(mountpoint)) await run('umount', [mountpoint]);
    });
  }

  /**
   * After an engine restart (counts live in memory): unmounts driver-option mounts that no mount() of this
   * process holds, left by containers that exited while no engine ran. Call it once the running containers
   * have taken their references again.
   */
  async unmountUnused(): Promise<void> {
    for (const { record } of await this.records.list()) {
      if (this.mountCount(record.Name) > 0) continue;
      await this.locked(record.Name, async () => {
        if (this.mountCount(record.Name) > 0) return;
        if (await isMountPoint(record.Mountpoint)) await run('umount', [record.Mountpoint]);
      });
    }
  }

  /** How many mount() calls are not yet released. */
  mountCount(name: string): number {
    return this.mountCounts.get(name) ?? 0;
  }

  /**
   * Copy-up: fills the volume from `sourceDir` (the image's content at the mount point) when the volume has
   * never been populated and is empty. Call it after mount(). Returns true when content was copied.
   */
  async populateFromImage(
    name: string,
    sourceDir: string,
    options: { noCopy?: boolean } = {},
  ): Promise<boolean> {
    if (options.noCopy === true) return false;
    return this.locked(name, async () => {
      const record = await this.inspect(name);
      if (record.populated) return false;
      if (!(await isEmptyDir(record.Mountpoint))) return false;
      const copied = await copyTree(sourceDir, record.Mountpoint);
      if (copied) await this.records.put(name, { ...record, populated: true });
      return copied;
    });
  }

  /** The host path of `subpath` inside the volume; InvalidArgument when it is missing or escapes. */
  async resolveSubpath(name: string, subpath: string): Promise<string> {
    const record = await this.inspect(name);
    return resolveSubpathIn(record.Mountpoint, name, subpath);
  }

  private async find(name: string): Promise<VolumeRecord | undefined> {
    try {
      return await this.records.get(name);
    } catch (error) {
      // An id RecordStore refuses cannot name a volume.
      if (error instanceof BerthError && error.code === 'InvalidArgument') return undefined;
      throw error;
    }
  }

  private async locked<T>(name: string, action: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(name) ?? Promise.resolve();
    const next = previous.then(action, action);
    const settled = next.catch(() => undefined);
    this.locks.set(name, settled);
    try {
      return await next;
    } finally {
      if (this.locks.get(name) === settled) this.locks.delete(name);
    }
  }
}

function sameEntries(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

function hasLabel(record: VolumeRecord, filter: string): boolean {
  const eq = filter.indexOf('=');
  if (eq === -1) return filter in record.Labels;
  return record.Labels[filter.slice(0, eq)] === filter.slice(eq + 1);
}

async function isMountPoint(path: string): Promise<boolean> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  const escaped = path.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
  return mountinfo.split('\n').some((line) => line.split(' ')[4] === escaped);
}

/** Bytes of the files under dir, each inode once; directories count nothing (as Docker's directory.Size). */
async function diskUsage(dir: string): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  const seen = new Set<string>();
  let total = 0;
  for (const entry of entries) {
    if (entry.isDirectory()) continue;
    const info = await lstat(join(entry.parentPath, entry.name)).catch(() => undefined);
    if (info === undefined || seen.has(`${info.dev}:${info.ino}`)) continue;
    seen.add(`${info.dev}:${info.ino}`);
    total += info.size;
  }
  return total;
}
