// One kind of record (images, refs, containers, ...) as a directory of <id>.json files, each written atomically.
// Invariant: ids are single safe path components, so a record can never be read or written outside its directory.

import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError } from '../../shared/errors.js';
import { readJsonIfExists, writeJsonAtomic } from './atomic-json.js';

const SAFE_ID = /^[A-Za-z0-9_][A-Za-z0-9_.%+=@:-]{0,254}$/;

export class RecordStore<T> {
  constructor(
    readonly dir: string,
    private readonly kind: string,
  ) {}

  /** The record, or undefined when there is none with this id. */
  async get(id: string): Promise<T | undefined> {
    return readJsonIfExists<T>(this.pathOf(id));
  }

  /** The record, or NotFound naming the kind and id. */
  async require(id: string): Promise<T> {
    const record = await this.get(id);
    if (record === undefined) throw new BerthError('NotFound', `no such ${this.kind}: ${id}`);
    return record;
  }

  async put(id: string, record: T): Promise<void> {
    const path = this.pathOf(id);
    await mkdir(this.dir, { recursive: true });
    await writeJsonAtomic(path, record);
  }

  /** Removes the record; true when it existed. */
  async delete(id: string): Promise<boolean> {
    const path = this.pathOf(id);
    const existed = (await readJsonIfExists(path)) !== undefined;
    await rm(path, { force: true });
    return existed;
  }

  /** Ids of all records, sorted. */
  async ids(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return names
      .filter((name) => name.endsWith('.json') && !name.startsWith('.'))
      .map((name) => name.slice(0, -'.json'.length))
      .sort();
  }

  /** All records with their ids, sorted by id. Records removed meanwhile are skipped. */
  async list(): Promise<Array<{ id: string; record: T }>> {
    const out: Array<{ id: string; record: T }> = [];
    for (const id of await this.ids()) {
      const record = await this.get(id);
      if (record !== undefined) out.push({ id, record });
    }
    return out;
  }

  private pathOf(id: string): string {
    if (!SAFE_ID.test(id) || id.includes('..')) {
      throw new BerthError('InvalidArgument', `invalid ${this.kind} id: ${JSON.stringify(id)}`);
    }
    return join(this.dir, `${id}.json`);
  }
}
