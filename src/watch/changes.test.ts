import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyncChange, TreeEntry } from '../engine/api/sync.js';
import { changesFor, initialSyncChanges, type SyncMapping } from './changes.js';
import { IgnoreModel } from './ignore-model.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const describeChange = (c: SyncChange) => `${c.op} ${c.path}`;

describe('sync changes', () => {
  let dir: string;
  let mapping: SyncMapping;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'berth-changes-'));
    await mkdir(path.join(dir, 'sub'));
    await writeFile(path.join(dir, 'same.txt'), 'same');
    await writeFile(path.join(dir, 'changed.txt'), 'new');
    await writeFile(path.join(dir, 'sub', 'new.txt'), 'n');
    await writeFile(path.join(dir, '.gitignore'), 'node_modules/\n');
    await symlink('same.txt', path.join(dir, 'link'));
    mapping = { root: dir, target: '/app', ignore: await IgnoreModel.load({ root: dir }) };
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('initial sync sends what differs by content and deletes extras the host would not ignore', async () => {
    const file = (p: string, content: string, mode = 0o644): TreeEntry => ({
      path: p,
      type: 'file',
      mode,
      size: content.length,
      sha256: sha(content),
    });
    const container: TreeEntry[] = [
      file('same.txt', 'same'),
      file('changed.txt', 'old'),
      file('.gitignore', 'node_modules/\n'),
      { path: 'sub', type: 'dir', mode: 0o755, size: 0 },
      { path: 'gone', type: 'dir', mode: 0o755, size: 0 },
      file('gone/x', 'x'),
      { path: 'node_modules', type: 'dir', mode: 0o755, size: 0 },
      file('node_modules/dep.js', 'dep'),
      { path: 'link', type: 'symlink', mode: 0o777, size: 8, target: 'same.txt' },
    ];
    const changes = await initialSyncChanges(mapping, container);
    expect(changes.map(describeChange)).toEqual([
      'delete /app/gone',
      'write /app/changed.txt',
      'write /app/sub/new.txt',
    ]);
  });

  it('turns saved paths into writes, deletes, directories with their content, and symlinks', async () => {
    const sent = new Map<string, string>();
    const changes = await changesFor(
      mapping,
      [
        path.join(dir, 'changed.txt'),
        path.join(dir, 'missing.txt'),
        path.join(dir, 'sub'),
        path.join(dir, 'link'),
      ],
      sent,
    );
    expect(changes.map(describeChange)).toEqual([
      'delete /app/missing.txt',
      'mkdir /app/sub',
      'write /app/changed.txt',
      'write /app/sub/new.txt',
      'symlink /app/link',
    ]);
    // The same save reported again is not sent twice.
    expect((await changesFor(mapping, [path.join(dir, 'changed.txt')], sent)).map(describeChange)).toEqual(
      [],
    );
  });
});
