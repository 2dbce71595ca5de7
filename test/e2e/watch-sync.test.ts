// `berth watch` on a real stack (busybox services on an engine of their own): files saved on the host reach
// the containers (writes, modes, deletes, renames, 2,000 files at once), ignored files do not (.gitignore,
// .dockerignore, the rule's ignore, editor temp files), and the other actions and consistency rules work:
// sync+restart, sync+exec, restart, initial_sync repairing a drifted container, changes made while a container
// was stopped applied when it starts, and a crashed container started again on the next save.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWatchStack, type Watcher, type WatchStack } from './watch-stack.js';

const compose = `
services:
  web:
    image: berth.local/busybox:latest
    build: { context: . }
    command: ["sleep", "100000"]
    stop_signal: SIGKILL
    develop:
      watch:
        - { path: ./src, target: /app, action: sync, ignore: ["*.bak"] }
  conf:
    image: berth.local/busybox:latest
    command: ["sh", "-c", "echo x >> /var/starts; exec sleep 100000"]
    stop_signal: SIGKILL
    develop:
      watch:
        - { path: ./conf, target: /conf, action: sync+restart }
  hook:
    image: berth.local/busybox:latest
    command: ["sleep", "100000"]
    stop_signal: SIGKILL
    develop:
      watch:
        - path: ./hook
          target: /hook
          action: sync+exec
          exec:
            command: ["sh", "-c", "echo \\"$$GREETING $$(cat /hook/v) $$(pwd)\\" > /var/exec-out"]
            working_dir: /hook
            environment: { GREETING: hello }
  plain:
    image: berth.local/busybox:latest
    command: ["sh", "-c", "echo x >> /var/starts; exec sleep 100000"]
    stop_signal: SIGKILL
    develop:
      watch:
        - { path: ./trigger, action: restart }
  seeded:
    image: berth.local/busybox:latest
    command: ["sleep", "100000"]
    stop_signal: SIGKILL
    develop:
      watch:
        - { path: ./seed, target: /seed, action: sync, initial_sync: true }
  crashy:
    image: berth.local/busybox:latest
    command: ["sh", "-c", "test -f /fix/ok || exit 3; exec sleep 100000"]
    stop_signal: SIGKILL
    develop:
      watch:
        - { path: ./fix, target: /fix, action: sync }
`;

let stack: WatchStack;
let watcher: Watcher;

beforeAll(async () => {
  stack = await openWatchStack('berth-e2e-watch-', {
    'compose.yaml': compose,
    '.dockerignore': 'src/secret.txt\n',
    'src/.gitignore': 'generated/\n',
    'src/keep.txt': 'keep',
    'conf/c': 'one',
    'hook/v': 'one',
    'trigger/t': 'one',
    'seed/s': 'seed-content',
    'seed/sub/t': 'nested',
    'fix/readme': 'no fix yet',
  });
  const upResult = await stack.berth(['up', '-d']);
  expect(upResult.exitCode, upResult.stderr).toBe(0);
  watcher = await stack.watch(['--no-up']);
});

afterAll(async () => {
  if (process.env.BERTH_TEST_VERBOSE) console.log(watcher?.output());
  await stack?.close();
});

const startsOf = async (service: string) =>
  (await stack.read(service, '/var/starts'))?.split('\n').length ?? 0;

describe('berth watch', () => {
  it('syncs creates, overwrites, modes, deletes and renames', async () => {
    await stack.write('src/a.txt', 'first');
    await stack.until(async () => (await stack.read('web', '/app/a.txt')) === 'first');
    await stack.write('src/a.txt', 'second');
    await stack.until(async () => (await stack.read('web', '/app/a.txt')) === 'second');

    await stack.write('src/run.sh', '#!/bin/sh\necho ran\n');
    const { chmod, rename, rm } = await import('node:fs/promises');
    await chmod(`${stack.dir}/src/run.sh`, 0o751);
    await stack.until(async () => {
      const mode = await stack.berth(['exec', '-T', 'web', 'stat', '-c', '%a', '/app/run.sh']);
      return mode.stdout.trim() === '751';
    });

    await stack.write('src/dir/deep/f.txt', 'deep');
    await stack.until(async () => (await stack.read('web', '/app/dir/deep/f.txt')) === 'deep');
    await rename(`${stack.dir}/src/dir`, `${stack.dir}/src/moved`);
    await stack.until(async () => (await stack.read('web', '/app/moved/deep/f.txt')) === 'deep');
    await stack.until(async () => (await stack.read('web', '/app/dir/deep/f.txt')) === undefined);

    await rm(`${stack.dir}/src/a.txt`);
    await stack.until(async () => (await stack.read('web', '/app/a.txt')) === undefined);
    await rm(`${stack.dir}/src/moved`, { recursive: true });
    await stack.until(async () => {
      const ls = await stack.berth(['exec', '-T', 'web', 'ls', '/app']);
      return !ls.stdout.includes('moved');
    });
  });

  it('leaves out .gitignored, .dockerignored, rule-ignored and editor temp files', async () => {
    await stack.write('src/generated/out.js', 'gen');
    await stack.write('src/secret.txt', 'secret');
    await stack.write('src/old.bak', 'bak');
    await stack.write('src/.a.txt.swp', 'swap');
    await stack.write('src/a.txt~', 'backup');
    await stack.write('src/marker.txt', 'marker');
    await stack.until(async () => (await stack.read('web', '/app/marker.txt')) === 'marker');
    const ls = await stack.berth(['exec', '-T', 'web', 'ls', '-a', '/app']);
    // keep.txt and .gitignore predate the watch and this rule has no initial_sync.
    const names = ls.stdout.split('\n').filter((name) => name !== '');
    expect(names.sort()).toEqual(['.', '..', 'marker.txt', 'run.sh']);
  });

  it('brings 2,000 files written at once', async () => {
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(`${stack.dir}/src/many`);
    await Promise.all(
      Array.from({ length: 2000 }, (_, i) => writeFile(`${stack.dir}/src/many/f${i}.txt`, `content ${i}`)),
    );
    await stack.until(async () => {
      const count = await stack.berth(['exec', '-T', 'web', 'sh', '-c', 'ls /app/many | wc -l']);
      return count.stdout.trim() === '2000';
    }, 30_000);
    expect(await stack.read('web', '/app/many/f1999.txt')).toBe('content 1999');
  });

  it('sync+restart syncs then restarts the container', async () => {
    const before = await startsOf('conf');
    await stack.write('conf/c', 'two');
    await stack.until(async () => (await startsOf('conf')) === before + 1);
    expect(await stack.read('conf', '/conf/c')).toBe('two');
  });

  it('sync+exec runs the hook with its working_dir and environment after the sync', async () => {
    await stack.write('hook/v', 'two');
    await stack.until(async () => (await stack.read('hook', '/var/exec-out')) === 'hello two /hook');
  });

  it('restart restarts the service', async () => {
    const before = await startsOf('plain');
    await stack.write('trigger/t', 'two');
    await stack.until(async () => (await startsOf('plain')) === before + 1);
  });

  it('initial_sync filled the container at start and repairs drift when it starts again', async () => {
    expect(await stack.read('seeded', '/seed/s')).toBe('seed-content');
    expect(await stack.read('seeded', '/seed/sub/t')).toBe('nested');
    const drift = await stack.berth([
      'exec',
      '-T',
      'seeded',
      'sh',
      '-c',
      'echo changed > /seed/s && echo extra > /seed/extra && rm /seed/sub/t',
    ]);
    expect(drift.exitCode).toBe(0);
    expect(await stack.read('seeded', '/seed/s')).toBe('changed');
    expect((await stack.berth(['restart', 'seeded'])).exitCode).toBe(0);
    await stack.until(async () => (await stack.read('seeded', '/seed/s')) === 'seed-content');
    await stack.until(async () => (await stack.read('seeded', '/seed/extra')) === undefined);
    expect(await stack.read('seeded', '/seed/sub/t')).toBe('nested');
  });

  it('applies changes made while a container was stopped when it starts', async () => {
    expect((await stack.berth(['stop', 'web'])).exitCode).toBe(0);
    await stack.write('src/while-stopped.txt', 'later');
    await watcher.waitFor(/web {2}not running/);
    expect((await stack.berth(['start', 'web'])).exitCode).toBe(0);
    await stack.until(async () => (await stack.read('web', '/app/while-stopped.txt')) === 'later');
  });

  it('starts a crashed container again on the next save, with the saved fix in place', async () => {
    const ps = await stack.berth(['ps', '-a', '--format', 'json', 'crashy']);
    expect(ps.stdout).toContain('exited');
    await stack.write('fix/ok', 'fixed');
    await stack.until(async () => (await stack.read('crashy', '/fix/ok')) === 'fixed');
    await watcher.waitFor(/crashy {2}\S+ had exited \(3\); starting it/);
  });
});
