// Sync needs nothing inside the image: a scratch image holding only a static busybox (no /etc/passwd, no tar,
// no shell on the PATH) running as the numeric user 1000:1000 receives files, directories and deletes, owned by
// that user, through the engine's own sync route.
import { execa } from 'execa';
import { chmod, copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWatchStack, type Watcher, type WatchStack } from './watch-stack.js';

const compose = `
services:
  app:
    image: berth.local/scratch-busybox:1
    user: "1000:1000"
    command: ["/bin/busybox", "sleep", "100000"]
    stop_signal: SIGKILL
    develop:
      watch:
        - { path: ./src, target: /app, action: sync }
`;

let stack: WatchStack;
let watcher: Watcher;
const inApp = (...command: string[]) =>
  stack.berth(['container', 'exec', `${path.basename(stack.dir)}-app-1`, '/bin/busybox', ...command]);

beforeAll(async () => {
  stack = await openWatchStack('berth-e2e-watch-scratch-', { 'compose.yaml': compose, 'src/.keep': '' });
  const rootfs = path.join(stack.root, 'scratch');
  await mkdir(path.join(rootfs, 'bin'), { recursive: true });
  await copyFile('/bin/busybox', path.join(rootfs, 'bin', 'busybox'));
  await chmod(path.join(rootfs, 'bin', 'busybox'), 0o755);
  const tarPath = path.join(stack.root, 'scratch.tar');
  await execa('tar', ['--numeric-owner', '-C', rootfs, '-cf', tarPath, '.']);
  const imported = await stack.berth(['image', 'import', tarPath, 'berth.local/scratch-busybox:1']);
  expect(imported.exitCode, imported.stderr).toBe(0);
  await rm(rootfs, { recursive: true });
  const upResult = await stack.berth(['up', '-d']);
  expect(upResult.exitCode, upResult.stderr).toBe(0);
  watcher = await stack.watch(['--no-up']);
});

afterAll(async () => {
  await watcher?.stop();
  await stack?.close();
});

describe('berth watch on a scratch image with a non-root user', () => {
  it('syncs files and directories owned by the container user, and deletes them', async () => {
    await stack.write('src/dir/hello.txt', 'hello');
    await stack.until(async () => (await inApp('cat', '/app/dir/hello.txt')).stdout === 'hello');
    expect((await inApp('stat', '-c', '%u:%g', '/app/dir/hello.txt')).stdout).toBe('1000:1000');
    expect((await inApp('stat', '-c', '%u:%g', '/app/dir')).stdout).toBe('1000:1000');
    expect((await inApp('id', '-u')).stdout).toBe('1000');
    // The user owns what it got, so it can change it.
    expect((await inApp('sh', '-c', 'echo more >> /app/dir/hello.txt')).exitCode).toBe(0);

    await rm(path.join(stack.dir, 'src/dir'), { recursive: true });
    await stack.until(async () => (await inApp('ls', '/app')).stdout.trim() === '');
  });
});
