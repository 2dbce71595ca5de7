// `berth up --watch` keeps following the output of a service whose container a `rebuild` replaced, and Ctrl-C
// stops the replacement (not only the containers `up` started).
import { execa } from 'execa';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWatchStack, type WatchStack } from './watch-stack.js';

const compose = `
services:
  app:
    build: { context: ./app }
    command: ["sh", "-c", "echo marker=$$(cat /marker); exec sleep 100000"]
    init: true
    develop:
      watch:
        - { path: ./app, action: rebuild }
`;

let stack: WatchStack;

beforeAll(async () => {
  stack = await openWatchStack('berth-e2e-up-watch-follow-', {
    'compose.yaml': compose,
    'app/Dockerfile': 'FROM berth.local/busybox:latest\nCOPY marker /marker\n',
    'app/marker': 'one',
  });
});

afterAll(async () => {
  await stack?.close();
});

describe('berth up --watch', () => {
  it("follows a rebuilt service's new container, and Ctrl-C stops it", async () => {
    const child = execa(
      process.execPath,
      ['--', path.resolve('bin/berth.js'), '--progress', 'plain', 'up', '--watch'],
      { cwd: stack.dir, env: stack.env, extendEnv: false, reject: false, all: true },
    );
    let text = '';
    child.all?.on('data', (chunk: Buffer) => (text += chunk.toString()));
    try {
      await stack.until(
        async () => /watching 1 rule/.test(text) && /app-1 +\| marker=one/.test(text),
        60_000,
      );
      await stack.write('app/marker', 'two');
      await stack.until(async () => /app-1 +\| marker=two/.test(text), 60_000);
    } finally {
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGINT');
    }
    const ended = await child;
    expect(ended.exitCode, text).toBe(130);
    const ps = await stack.berth(['ps', '-q']);
    expect(ps.stdout.trim()).toBe('');
  });
});
