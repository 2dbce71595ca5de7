// The `rebuild` action: saving a file of the build context builds the service's image again and recreates only
// that service (as `up --build --no-deps <service>`); a failing build is reported and the old container keeps
// running. Needs berth's image builder.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWatchStack, type Watcher, type WatchStack } from './watch-stack.js';

const compose = `
services:
  app:
    build: { context: ./app }
    command: ["sleep", "100000"]
    stop_signal: SIGKILL
    develop:
      watch:
        - { path: ./app, action: rebuild }
  other:
    image: berth.local/busybox:latest
    command: ["sleep", "100000"]
    stop_signal: SIGKILL
`;
const dockerfile = 'FROM berth.local/busybox:latest\nCOPY marker /marker\n';

let stack: WatchStack;
let watcher: Watcher;

beforeAll(async () => {
  stack = await openWatchStack('berth-e2e-watch-rebuild-', {
    'compose.yaml': compose,
    'app/Dockerfile': dockerfile,
    'app/marker': 'one',
  });
  const upResult = await stack.berth(['up', '-d']);
  expect(upResult.exitCode, upResult.stderr).toBe(0);
  watcher = await stack.watch(['--no-up']);
});

afterAll(async () => {
  await watcher?.stop();
  await stack?.close();
});

const name = (service: string) => `${path.basename(stack.dir)}-${service}-1`;
const marker = async () => (await stack.berth(['container', 'exec', name('app'), 'cat', '/marker'])).stdout;

describe('berth watch rebuild', () => {
  it('rebuilds and recreates only the service whose build context changed', async () => {
    expect(await marker()).toBe('one');
    const other = await stack.containerId('other');
    const before = await stack.containerId('app');
    await stack.write('app/marker', 'two');
    await watcher.waitFor(/app {2}rebuilt in/, 60_000);
    await stack.until(async () => (await marker()) === 'two');
    expect(await stack.containerId('app')).not.toBe(before);
    expect(await stack.containerId('other')).toBe(other);
  });

  it('keeps the old container running when the build fails', async () => {
    const before = await stack.containerId('app');
    await stack.write('app/Dockerfile', `${dockerfile}RUN exit 3\n`);
    await watcher.waitFor(/app {2}ERROR rebuild failed, the old container keeps running/, 60_000);
    expect(await stack.containerId('app')).toBe(before);
    expect(await marker()).toBe('two');
  });
});
