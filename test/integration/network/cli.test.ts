// `berth network ...` (the built CLI bundle) against an engine of its own: create with flags, ls as a table, IDs
// and JSON lines, inspect, connect with an alias and an address, disconnect, rm, prune.

import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerInspect } from '../../../src/engine/api/containers.js';
import { cleanupAll } from '../../../src/engine/network/index.js';
import { buildBerthBundle } from '../server/bundle.js';
import { startNetworkEngine, type NetworkEngine } from './engine.js';
import { leftovers, saveIpForward } from './net-helpers.js';

const PREFIX = 'bnl';
const POOL = '10.213.203.0/24';

let e: NetworkEngine;
let bundle: string;
let restoreIpForward: () => Promise<void>;

function berth(args: string[], input = '') {
  return execa(process.execPath, [bundle, ...args], {
    env: {
      BERTH_ROOT: e.config.root,
      BERTH_RUN: e.config.runDir,
      BERTH_HOST: `unix://${e.config.socket}`,
      BERTH_BRIDGE_PREFIX: PREFIX,
      BERTH_SUBNET_POOL: POOL,
    },
    reject: false,
    input,
    timeout: 60_000,
  });
}

beforeAll(async () => {
  await cleanupAll(PREFIX);
  restoreIpForward = await saveIpForward();
  e = await startNetworkEngine({ prefix: PREFIX, pool: POOL });
  bundle = await buildBerthBundle(path.join(e.dir, 'bundle'));
}, 120_000);

afterAll(async () => {
  await e?.cleanup();
  await restoreIpForward?.();
  expect(await leftovers(PREFIX)).toEqual({ links: [], netns: [], rules: [] });
}, 120_000);

describe('berth network', () => {
  it('creates a network with Docker flags and lists it as a table, IDs and JSON', async () => {
    const created = await berth([
      'network',
      'create',
      '--subnet',
      '10.213.203.224/27',
      '--ip-range',
      '10.213.203.240/28',
      '--internal',
      '--label',
      'team=net',
      'backend',
    ]);
    expect(created.stderr).toBe('');
    const id = created.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const table = await berth(['network', 'ls']);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toMatch(/^NETWORK ID\s+NAME\s+DRIVER\s+SCOPE$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(1).join(' '))).toEqual([
      'backend bridge local',
      'bridge bridge local',
      'host host local',
      'none null local',
    ]);
    expect((await berth(['network', 'ls', '-q', '--filter', 'label=team=net'])).stdout).toBe(id.slice(0, 12));
    const json = await berth(['network', 'ls', '--filter', 'name=backend', '--format', 'json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ ID: id.slice(0, 12), Name: 'backend', Internal: 'true' });
    const inspect = JSON.parse((await berth(['network', 'inspect', 'backend'])).stdout) as Array<{
      IPAM: { Config: unknown[] };
      Internal: boolean;
    }>;
    expect(inspect[0]).toMatchObject({
      Internal: true,
      IPAM: {
        Config: [{ Subnet: '10.213.203.224/27', Gateway: '10.213.203.225', IPRange: '10.213.203.240/28' }],
      },
    });
  });

  it('connects a container with an alias and an address, disconnects it, and removes the network', async () => {
    const id = await e.create({ Cmd: ['sleep', '300'] }, 'member');
    await e.start(id);
    const connect = await berth([
      'network',
      'connect',
      '--alias',
      'db',
      '--ip',
      '10.213.203.250',
      'backend',
      'member',
    ]);
    expect(connect.stderr).toBe('');
    const info = await e.client.requestJson<ContainerInspect>({ path: `/containers/${id}/json` });
    expect(info.NetworkSettings.Networks.backend).toMatchObject({
      IPAddress: '10.213.203.250',
      Aliases: ['db', id.slice(0, 12)],
    });
    const busy = await berth(['network', 'rm', 'backend']);
    expect(busy.exitCode).toBe(1);
    expect(busy.stderr).toContain('has active endpoints');
    expect((await berth(['network', 'disconnect', 'backend', 'member'])).exitCode).toBe(0);
    const removed = await berth(['network', 'rm', 'backend']);
    expect(removed.stdout).toBe('backend');
    const missing = await berth(['network', 'inspect', 'backend']);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('network backend not found');
    await e.client.request({ method: 'DELETE', path: `/containers/${id}`, query: { force: 1 } });
  });

  it('prunes unused networks after asking, or at once with -f', async () => {
    expect((await berth(['network', 'create', 'leftover'])).exitCode).toBe(0);
    const declined = await berth(['network', 'prune'], 'n\n');
    expect(declined.stdout).toBe('');
    const pruned = await berth(['network', 'prune', '-f']);
    expect(pruned.stdout).toBe('Deleted Networks:\nleftover\n');
  });
});
