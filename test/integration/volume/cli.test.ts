// `berth volume ...` (the built CLI bundle) against an engine on its own temporary root: create (named,
// anonymous, labels, driver options), ls (table, -q, filters, JSON), inspect, rm (in use, -f), prune (-a, -f,
// --filter).

import { execa } from 'execa';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBerthBundle } from '../server/bundle.js';
import { startContainerEngine, type ContainerEngine } from '../container/fixture.js';

let e: ContainerEngine;
let bundle: string;

function berth(args: string[], options: { input?: string; reject?: boolean } = {}) {
  return execa(process.execPath, [bundle, ...args], {
    env: {
      BERTH_ROOT: e.config.root,
      BERTH_RUN: e.config.runDir,
      BERTH_HOST: `unix://${e.config.socket}`,
    },
    reject: options.reject ?? true,
    input: options.input ?? '',
    encoding: 'utf8',
  });
}

beforeAll(async () => {
  e = await startContainerEngine();
  bundle = await buildBerthBundle(path.join(e.dir, 'bundle'));
});

afterAll(async () => {
  await e?.cleanup();
});

describe('berth volume', () => {
  it('creates named and anonymous volumes with labels and options', async () => {
    expect((await berth(['volume', 'create', 'web-data', '--label', 'app=web'])).stdout).toBe('web-data');
    const anonymous = (await berth(['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs'])).stdout;
    expect(anonymous).toMatch(/^[0-9a-f]{64}$/);
    const [doc] = JSON.parse((await berth(['volume', 'inspect', anonymous])).stdout) as Array<{
      Options: Record<string, string>;
    }>;
    expect(doc?.Options).toEqual({ type: 'tmpfs', device: 'tmpfs' });
    const bad = await berth(['volume', 'create', '-d', 'nfs-plugin', 'x1'], { reject: false });
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stderr).toContain('plugin "nfs-plugin" not found');
  });

  it('lists volumes as a table, names, filtered, and JSON', async () => {
    const table = (await berth(['volume', 'ls'])).stdout.split('\n');
    expect(table[0]).toMatch(/^DRIVER\s+VOLUME NAME$/);
    expect(table).toContainEqual(expect.stringMatching(/^local\s+web-data$/));
    expect((await berth(['volume', 'ls', '-q', '--filter', 'label=app=web'])).stdout).toBe('web-data');
    const json = JSON.parse(
      (await berth(['volume', 'ls', '--format', 'json', '-f', 'name=web'])).stdout,
    ) as Record<string, string>;
    expect(json).toMatchObject({ Name: 'web-data', Driver: 'local', Labels: 'app=web', Scope: 'local' });
  });

  it('refuses to remove a volume in use, removes it once free, and -f ignores missing ones', async () => {
    const id = await e.create({ Cmd: ['true'], HostConfig: { Binds: ['web-data:/d'] } });
    const busy = await berth(['volume', 'rm', 'web-data'], { reject: false });
    expect(busy.exitCode).toBe(1);
    expect(busy.stderr).toContain(`remove web-data: volume is in use - [${id}]`);
    await e.client.request({ method: 'DELETE', path: `/containers/${id}` });
    expect((await berth(['volume', 'rm', 'web-data'])).stdout).toBe('web-data');
    expect((await berth(['volume', 'rm', '-f', 'never-was'])).exitCode).toBe(0);
  });

  it('prunes anonymous volumes, then all unused ones with -a, asking first unless -f', async () => {
    await berth(['volume', 'create', 'named-one', '--label', 'keep=yes']);
    await berth(['volume', 'create', 'named-two']);
    const declined = await berth(['volume', 'prune'], { input: 'n\n' });
    expect(declined.stderr).toContain('WARNING! This will remove anonymous local volumes');
    expect((await berth(['volume', 'ls', '-q'])).stdout.split('\n')).toHaveLength(3);
    const anonymousOnly = await berth(['volume', 'prune'], { input: 'y\n' });
    expect(anonymousOnly.stdout).toMatch(/^Deleted Volumes:\n[0-9a-f]{64}\n\nTotal reclaimed space: /);
    const filtered = await berth(['volume', 'prune', '-a', '-f', '--filter', 'label!=keep']);
    expect(filtered.stdout).toBe('Deleted Volumes:\nnamed-two\n\nTotal reclaimed space: 0B');
    expect((await berth(['volume', 'ls', '-q'])).stdout).toBe('named-one');
  });
});
