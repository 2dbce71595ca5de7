// A tiny busybox rootfs for tests that need a real image: one static binary, applet symlinks, and a root and a
// non-root user. Built from the host's busybox-static, so tests need no network.

import { execFile } from 'node:child_process';
import { copyFile, chmod, chown, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const BUSYBOX = '/bin/busybox';
export const APPLETS = [
  'sh',
  'ash',
  'echo',
  'cat',
  'sleep',
  'ls',
  'id',
  'true',
  'false',
  'env',
  'pwd',
  'mkdir',
  'rm',
  'touch',
  'ps',
  'kill',
  'grep',
  'head',
  'tail',
  'wc',
  'printf',
  'test',
  'hostname',
  'whoami',
  'ulimit',
  'top',
  'wget',
  'nc',
  'ip',
  'ping',
  'mount',
  'df',
  'cp',
  'mv',
  'ln',
  'chmod',
  'chown',
  'stat',
  'date',
  'yes',
  'seq',
  'sed',
  'tr',
  'dd',
  'nslookup',
  'timeout',
  'xargs',
  'find',
  'uname',
  'tee',
  'readlink',
  'realpath',
  'sort',
  'uniq',
  'cut',
];
export const USER = { name: 'app', uid: 1000, gid: 1000 };

/** Fills `dir` (created if missing) with a minimal busybox root filesystem. */
export async function makeBusyboxRootfs(dir: string): Promise<void> {
  for (const sub of ['bin', 'etc', 'root', 'proc', 'sys', 'dev', 'home', 'var', 'usr/bin']) {
    await mkdir(join(dir, sub), { recursive: true, mode: 0o755 });
  }
  await mkdir(join(dir, 'tmp'), { recursive: true });
  await chmod(join(dir, 'tmp'), 0o1777);
  await chmod(join(dir, 'root'), 0o700);
  await copyFile(BUSYBOX, join(dir, 'bin', 'busybox'));
  await chmod(join(dir, 'bin', 'busybox'), 0o755);
  for (const applet of APPLETS) await symlink('busybox', join(dir, 'bin', applet));
  await writeFile(
    join(dir, 'etc', 'passwd'),
    `root:x:0:0:root:/root:/bin/sh\n${USER.name}:x:${USER.uid}:${USER.gid}:app user:/home/${USER.name}:/bin/sh\n` +
      'nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
  );
  await writeFile(join(dir, 'etc', 'group'), `root:x:0:\n${USER.name}:x:${USER.gid}:\nnogroup:x:65534:\n`);
  await mkdir(join(dir, 'home', USER.name), { recursive: true });
  await chown(join(dir, 'home', USER.name), USER.uid, USER.gid);
}

/** Writes a busybox rootfs as an uncompressed tar at `path` (parent directories created). */
export async function makeBusyboxTar(path: string): Promise<void> {
  const staging = await mkdtemp(join(tmpdir(), 'berth-rootfs-'));
  try {
    await makeBusyboxRootfs(staging);
    await mkdir(dirname(path), { recursive: true });
    await run('tar', ['--numeric-owner', '--sort=name', '-C', staging, '-cf', path, '.']);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
