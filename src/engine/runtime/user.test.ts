import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveUser } from './user.js';
import { resolveInRoot } from './root-path.js';

let root: string;
let escaping: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'berth-user-'));
  await mkdir(join(root, 'etc'));
  await writeFile(
    join(root, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001:App:/home/app:/bin/sh\n# c\n',
  );
  await writeFile(join(root, 'etc/group'), 'root:x:0:\nwheel:x:10:app,bob\nstaff:x:50:\napp:x:1001:\n');
  escaping = await mkdtemp(join(tmpdir(), 'berth-user-esc-'));
  await mkdir(join(escaping, 'etc'));
  // A host file the container must not be able to point at.
  await writeFile(join(escaping, 'host-passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  await symlink(join(escaping, 'host-passwd'), join(escaping, 'etc/passwd'));
  await symlink('../../../../../../berth-missing-group', join(escaping, 'etc/group'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(escaping, { recursive: true, force: true });
});

describe('resolveUser', () => {
  it('resolves names, ids and groups as Docker does', async () => {
    expect(await resolveUser(root, '')).toEqual({ uid: 0, gid: 0, additionalGids: [], home: '/root' });
    expect(await resolveUser(root, 'app')).toEqual({
      uid: 1000,
      gid: 1001,
      additionalGids: [10],
      home: '/home/app',
    });
    expect(await resolveUser(root, '1000')).toEqual({
      uid: 1000,
      gid: 1001,
      additionalGids: [10],
      home: '/home/app',
    });
    expect(await resolveUser(root, '4242')).toEqual({ uid: 4242, gid: 0, additionalGids: [], home: '/' });
    expect(await resolveUser(root, 'app:staff')).toEqual({
      uid: 1000,
      gid: 50,
      additionalGids: [],
      home: '/home/app',
    });
    expect(await resolveUser(root, '1000:77')).toEqual({
      uid: 1000,
      gid: 77,
      additionalGids: [],
      home: '/home/app',
    });
  });
  it("fails with Docker's messages", async () => {
    await expect(resolveUser(root, 'nobody')).rejects.toThrow(
      'unable to find user nobody: no matching entries in passwd file',
    );
    await expect(resolveUser(root, 'app:nogroup')).rejects.toThrow(
      'unable to find group nogroup: no matching entries in group file',
    );
  });
  it('never follows symlinks out of the rootfs', async () => {
    await expect(resolveUser(escaping, 'root')).rejects.toThrow('unable to find user root');
    expect(await resolveUser(escaping, '0:0')).toEqual({ uid: 0, gid: 0, additionalGids: [], home: '/' });
    expect(await resolveInRoot(escaping, '/etc/group')).toBe(join(escaping, 'berth-missing-group'));
    expect(await resolveInRoot(escaping, '/etc/passwd')).toBe(
      join(escaping, escaping.slice(1), 'host-passwd'),
    );
  });
});
