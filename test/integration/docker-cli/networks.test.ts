// The real docker CLI against berth's engine: network create/ls/inspect/rm/connect/disconnect/prune, `docker run
// --network` with aliases that other containers resolve, and published ports with `docker run -p` and
// `docker port`.

import http from 'node:http';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAll } from '../../../src/engine/network/index.js';
import { IMAGE, startNetworkEngine, type NetworkEngine } from '../network/engine.js';
import { leftovers, saveIpForward } from '../network/net-helpers.js';
import { dockerCliEnv } from '../../helpers/docker-cli.js';

const PREFIX = 'bnd';
const POOL = '10.213.202.0/24';

let e: NetworkEngine;
let env: Record<string, string>;
let restoreIpForward: () => Promise<void>;
const docker = (args: string[]) => execa('docker', args, { env, reject: false, timeout: 60_000 });

beforeAll(async () => {
  await cleanupAll(PREFIX);
  restoreIpForward = await saveIpForward();
  e = await startNetworkEngine({ prefix: PREFIX, pool: POOL });
  env = await dockerCliEnv(e.dir, e.config.socket);
}, 120_000);

afterAll(async () => {
  await e?.cleanup();
  await restoreIpForward?.();
  expect(await leftovers(PREFIX)).toEqual({ links: [], netns: [], rules: [] });
}, 120_000);

function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', timeout: 3000 }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function eventually<T>(attempt: () => Promise<T>, tries = 50): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (i >= tries) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe('docker CLI: networks', () => {
  it('lists the predefined networks', async () => {
    const ls = await docker(['network', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Scope}}']);
    expect(ls.stderr).toBe('');
    expect(ls.stdout.split('\n').sort()).toEqual([
      'bridge bridge local',
      'host host local',
      'none null local',
    ]);
  });

  it('creates, lists, inspects and removes a network', async () => {
    const created = await docker([
      'network',
      'create',
      '--subnet',
      '10.213.202.192/27',
      '--gateway',
      '10.213.202.222',
      '--label',
      'purpose=test',
      'clinet',
    ]);
    expect(created.stderr).toBe('');
    const id = created.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const ids = await docker(['network', 'ls', '-q', '--filter', 'label=purpose=test']);
    expect(ids.stdout).toBe(id.slice(0, 12));
    const inspected = await docker(['network', 'inspect', 'clinet']);
    const [network] = JSON.parse(inspected.stdout) as Array<{
      Id: string;
      Driver: string;
      IPAM: { Config: Array<{ Subnet: string; Gateway: string }> };
      Labels: Record<string, string>;
    }>;
    expect(network).toMatchObject({
      Id: id,
      Driver: 'bridge',
      IPAM: { Config: [{ Subnet: '10.213.202.192/27', Gateway: '10.213.202.222' }] },
      Labels: { purpose: 'test' },
    });
    const duplicate = await docker(['network', 'create', 'clinet']);
    expect(duplicate.exitCode).not.toBe(0);
    expect(duplicate.stderr).toContain('network with name clinet already exists');
    const removed = await docker(['network', 'rm', 'clinet']);
    expect(removed.stdout).toBe('clinet');
    expect((await docker(['network', 'inspect', 'clinet'])).stderr).toContain('network clinet not found');
    const predefined = await docker(['network', 'rm', 'bridge']);
    expect(predefined.stderr).toContain('bridge is a pre-defined network and cannot be removed');
  });

  it('runs containers on a network that find each other by name and alias; connect and disconnect', async () => {
    expect((await docker(['network', 'create', 'talk'])).exitCode).toBe(0);
    const server = await docker([
      'run',
      '-d',
      '--name',
      'srv',
      '--network',
      'talk',
      '--network-alias',
      'api',
      IMAGE,
      'sleep',
      '300',
    ]);
    expect(server.stderr).toBe('');
    const lookup = await docker([
      'run',
      '--rm',
      '--network',
      'talk',
      IMAGE,
      'sh',
      '-c',
      'ping -c 1 -W 2 api && nslookup srv',
    ]);
    expect(lookup.stdout).toContain('1 packets received');
    expect(lookup.exitCode).toBe(0);

    const other = await docker(['run', '-d', '--name', 'other', IMAGE, 'sleep', '300']);
    expect(other.exitCode).toBe(0);
    expect((await docker(['network', 'connect', '--alias', 'late', 'talk', 'other'])).exitCode).toBe(0);
    const networks = await docker(['inspect', '--format', '{{json .NetworkSettings.Networks}}', 'other']);
    expect(Object.keys(JSON.parse(networks.stdout) as object).sort()).toEqual(['bridge', 'talk']);
    const reach = await docker(['exec', 'srv', 'ping', '-c', '1', '-W', '2', 'late']);
    expect(reach.exitCode).toBe(0);
    expect((await docker(['network', 'disconnect', 'talk', 'other'])).exitCode).toBe(0);
    expect((await docker(['exec', 'srv', 'nslookup', 'late'])).exitCode).not.toBe(0);

    const busy = await docker(['network', 'rm', 'talk']);
    expect(busy.exitCode).not.toBe(0);
    expect(busy.stderr).toContain('has active endpoints');
    await docker(['rm', '-f', 'srv', 'other']);
    expect((await docker(['network', 'rm', 'talk'])).stdout).toBe('talk');
  });

  it('publishes ports with -p 127.0.0.1::80 and -p 127.0.0.1:0:80, shown by docker port', async () => {
    const serve = 'mkdir /www && echo served > /www/index.html && exec busybox httpd -f -p 80 -h /www';
    for (const spec of ['127.0.0.1::80', '127.0.0.1:0:80']) {
      const run = await docker(['run', '-d', '-p', spec, IMAGE, 'sh', '-c', serve]);
      expect(run.stderr).toBe('');
      const id = run.stdout.trim();
      const port = await docker(['port', id, '80']);
      const match = /^127\.0\.0\.1:(\d+)$/.exec(port.stdout.trim());
      expect(match, port.stdout).not.toBeNull();
      expect(await eventually(() => httpGet(Number(match?.[1])))).toBe('served\n');
      const ps = await docker(['ps', '--filter', `id=${id}`, '--format', '{{.Ports}}']);
      expect(ps.stdout).toBe(`127.0.0.1:${match?.[1]}->80/tcp`);
      await docker(['rm', '-f', id]);
    }
  });

  it('prunes unused networks', async () => {
    expect((await docker(['network', 'create', 'spare'])).exitCode).toBe(0);
    const pruned = await docker(['network', 'prune', '-f']);
    expect(pruned.stdout).toBe('Deleted Networks:\nspare\n'); // Docker ends the list with an empty line
    const ls = await docker(['network', 'ls', '--format', '{{.Name}}']);
    expect(ls.stdout.split('\n').sort()).toEqual(['bridge', 'host', 'none']);
  });
});
