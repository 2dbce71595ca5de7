// `berth watch` reloading the project: an edit of compose.yaml recreates only the service whose config changed
// (the others keep their containers), an invalid edit is reported with its file and line while the stack keeps
// running; and the background forms: `watch -d` / `up -d --watch` with --status and --stop, and `up --watch`
// printing the containers' output and the watch events in one stream.
import { execa } from 'execa';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWatchStack, type WatchStack } from './watch-stack.js';

const composeWith = (greeting: string) => `
services:
  a:
    image: berth.local/busybox:latest
    command: ["sh", "-c", "echo hello-from-a; exec sleep 100000"]
    stop_signal: SIGKILL
    environment: { GREETING: ${greeting} }
    develop:
      watch:
        - { path: ./a, target: /a, action: sync }
  b:
    image: berth.local/busybox:latest
    command: ["sleep", "100000"]
    stop_signal: SIGKILL
    environment: { GREETING: one }
`;

let stack: WatchStack;

beforeAll(async () => {
  stack = await openWatchStack('berth-e2e-watch-reload-', { 'compose.yaml': composeWith('one'), 'a/x': 'x' });
  const upResult = await stack.berth(['up', '-d']);
  expect(upResult.exitCode, upResult.stderr).toBe(0);
});

afterAll(async () => {
  await stack?.close();
});

// Through the engine, not the project: this works while compose.yaml is invalid too.
const greeting = async (service: string) =>
  (
    await stack.berth([
      'container',
      'exec',
      `${path.basename(stack.dir)}-${service}-1`,
      'sh',
      '-c',
      'echo $GREETING',
    ])
  ).stdout.trim();

describe('berth watch reloads the project', () => {
  it('recreates only the service whose config changed, and leaves the stack running on an invalid edit', async () => {
    const watcher = await stack.watch(['--no-up']);
    try {
      const before = { a: await stack.containerId('a'), b: await stack.containerId('b') };
      await stack.write('compose.yaml', composeWith('two'));
      await watcher.waitFor(/project reloaded/);
      expect(await greeting('a')).toBe('two');
      expect(await stack.containerId('a')).not.toBe(before.a);
      expect(await stack.containerId('b')).toBe(before.b);

      const after = { a: await stack.containerId('a'), b: await stack.containerId('b') };
      await stack.write(
        'compose.yaml',
        composeWith('two').replace('    environment: { GREETING: one }', '  bad: [unclosed'),
      );
      await watcher.waitFor(/project not reloaded, the stack keeps running: .*compose\.yaml:\d+/);
      expect(await stack.containerId('a')).toBe(after.a);
      expect(await stack.containerId('b')).toBe(after.b);
      expect(await greeting('b')).toBe('one');

      // Watching goes on with the last good project.
      await stack.write('a/after-error', 'still watching');
      await stack.until(async () => {
        const ls = await stack.berth([
          'container',
          'exec',
          `${path.basename(stack.dir)}-a-1`,
          'cat',
          '/a/after-error',
        ]);
        return ls.stdout === 'still watching';
      });
    } finally {
      await watcher.stop();
      await stack.write('compose.yaml', composeWith('two'));
    }
  });

  it('runs in the background with watch -d, reports --status and ends with --stop', async () => {
    const started = await stack.berth(['watch', '-d', '--no-up']);
    expect(started.exitCode, started.stderr).toBe(0);
    expect(started.stdout).toMatch(/watching in the background \(pid \d+\)/);
    const status = await stack.berth(['watch', '--status']);
    expect(status.stdout).toMatch(/^watching \(pid \d+\)/);
    const second = await stack.berth(['watch', '--no-up']);
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toContain('already watched');

    await stack.write('a/background', 'bg');
    await stack.until(async () => (await stack.read('a', '/a/background')) === 'bg');

    const stopped = await stack.berth(['watch', '--stop']);
    expect(stopped.stdout).toBe('watch stopped');
    const after = await stack.berth(['watch', '--status']);
    expect(after.stdout).toBe('not watching');
    expect(after.exitCode).toBe(1);
  });

  it('up -d --watch leaves a background watcher', async () => {
    const up = await stack.berth(['up', '-d', '--watch']);
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/watching in the background/);
    await stack.write('a/from-up', 'up');
    await stack.until(async () => (await stack.read('a', '/a/from-up')) === 'up');
    expect((await stack.berth(['watch', '--stop'])).stdout).toBe('watch stopped');
  });

  it('up --watch prints container output and watch events in one stream', async () => {
    const child = execa(
      process.execPath,
      ['--', path.resolve('bin/berth.js'), '--progress', 'plain', 'up', '--watch'],
      {
        cwd: stack.dir,
        env: stack.env,
        extendEnv: false,
        reject: false,
        all: true,
      },
    );
    let text = '';
    child.all?.on('data', (chunk: Buffer) => (text += chunk.toString()));
    try {
      await stack.until(async () => /watching 1 rule/.test(text), 30_000);
      await stack.write('a/attached', 'att');
      await stack.until(async () => /watch a {2}synced \/a\/attached/.test(text));
      expect(text).toMatch(/a-1 +\| hello-from-a/);
    } finally {
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGINT');
      await child;
    }
  });
});
