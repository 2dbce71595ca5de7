// Bridge networks end to end with real namespaces: reachability on one network, DNS names, isolation from another
// network, internal networks without a way out, restart of the manager, and nothing left behind.

import { Resolver } from 'node:dns/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAll, NetworkManager, type NetworkRecord } from '../../../src/engine/network/index.js';
import { fakeUpstream, inNetns, leftovers, saveIpForward } from './net-helpers.js';

const PREFIX = 'bnta';
// unusual third octets so parallel suites never meet
const POOL = { base: '10.213.171.0/24', size: 24 };

let root: string;
let manager: NetworkManager;
let upstream: { port: number; close(): void };
let restoreIpForward: () => Promise<void>;
let netA: NetworkRecord;
let netB: NetworkRecord;
let netC: NetworkRecord;
const ids = { c1: 'a1'.repeat(32), c2: 'a2'.repeat(32), c3: 'a3'.repeat(32), c4: 'a4'.repeat(32) };
const ns = (id: string) => `${PREFIX}-${id.slice(0, 12)}`;

function resolverAt(address: string): Resolver {
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([address]);
  return resolver;
}

beforeAll(async () => {
  await cleanupAll(PREFIX); // a crashed earlier run must not make this one fail
  restoreIpForward = await saveIpForward();
  root = await mkdtemp(join(tmpdir(), 'berth-net-'));
  upstream = await fakeUpstream();
  manager = await NetworkManager.open({
    root,
    bridgePrefix: PREFIX,
    subnetPool: POOL,
    upstreams: [{ host: '127.0.0.1', port: upstream.port }],
  });
});

afterAll(async () => {
  await manager?.cleanupAll();
  upstream?.close();
  await restoreIpForward?.();
  await rm(root, { recursive: true, force: true });
});

describe('bridge networks', () => {
  it('creates a network from the pool with a bridge holding the gateway', async () => {
    netA = await manager.createNetwork({ name: 'app_default', labels: { project: 'app' } });
    expect(netA).toMatchObject({
      name: 'app_default',
      subnet: '10.213.171.0/24',
      gateway: '10.213.171.1',
      ipRange: '10.213.171.0/24',
      internal: false,
      bridge: `${PREFIX}${netA.id.slice(0, 11)}`,
      endpoints: {},
    });
    const addr = await execa('ip', ['-j', '-4', 'addr', 'show', 'dev', netA.bridge]);
    const info = JSON.parse(addr.stdout) as Array<{ addr_info: Array<{ local: string; prefixlen: number }> }>;
    expect(info[0]?.addr_info.map((a) => `${a.local}/${a.prefixlen}`)).toEqual(['10.213.171.1/24']);
    const nat = (await execa('iptables', ['-t', 'nat', '-S', `${PREFIX}-POSTROUTING`])).stdout;
    expect(nat).toContain(`-A ${PREFIX}-POSTROUTING -s 10.213.171.0/24 ! -o ${netA.bridge} -j MASQUERADE`);
    // the pool is full now: another network without a subnet fails clearly
    await expect(manager.createNetwork({ name: 'more' })).rejects.toThrow(
      'no free /24 subnet is left in the pool 10.213.171.0/24',
    );
    await expect(manager.createNetwork({ name: 'app_default' })).rejects.toMatchObject({
      code: 'AlreadyExists',
    });
  });

  it('attaches two namespaces that reach each other by address', async () => {
    const e1 = await manager.attach(netA.id, {
      containerId: ids.c1,
      containerName: 'app-web-1',
      netnsPath: await manager.createNetns(ids.c1),
      aliases: ['web', 'frontend'],
    });
    const e2 = await manager.attach('app_default', {
      containerId: ids.c2,
      containerName: 'app-web-2',
      netnsPath: await manager.createNetns(ids.c2),
      aliases: ['web'],
      ipv4Address: '10.213.171.50',
    });
    expect(e1).toMatchObject({
      ifname: 'eth0',
      ipv4Address: '10.213.171.2',
      prefixLength: 24,
      gateway: '10.213.171.1',
      macAddress: '02:42:0a:d5:ab:02',
      netnsPath: `/run/netns/${ns(ids.c1)}`,
      defaultRoute: true,
    });
    expect(e2.ipv4Address).toBe('10.213.171.50');
    const link = await inNetns(ns(ids.c1), ['ip', '-o', 'addr', 'show', 'dev', 'eth0']);
    expect(link.stdout).toContain('inet 10.213.171.2/24');
    const route = await inNetns(ns(ids.c1), ['ip', 'route']);
    expect(route.stdout).toContain('default via 10.213.171.1 dev eth0');
    const ping = await inNetns(ns(ids.c1), ['ping', '-c', '1', '-W', '2', '10.213.171.50']);
    expect(ping.exitCode).toBe(0);
    expect(ping.stdout).toContain('1 packets received');
    await expect(
      manager.attach(netA.id, { containerId: ids.c1, containerName: 'app-web-1', netnsPath: e1.netnsPath }),
    ).rejects.toMatchObject({ code: 'AlreadyExists' });
  });

  it('answers names, aliases and PTR on the gateway, and forwards other names', async () => {
    const resolver = resolverAt(netA.gateway);
    expect(await resolver.resolve4('app-web-1')).toEqual(['10.213.171.2']);
    expect(await resolver.resolve4('FRONTEND')).toEqual(['10.213.171.2']);
    const first = await resolver.resolve4('web');
    const second = await resolver.resolve4('web');
    expect([...first].sort()).toEqual(['10.213.171.2', '10.213.171.50']);
    expect(second).toEqual([first[1], first[0]]);
    expect(await resolver.reverse('10.213.171.50')).toEqual(['app-web-2']);
    expect(await resolver.resolve4('mirror.example')).toEqual(['127.0.0.77']);
    // from inside a container, over its own eth0
    const lookup = await inNetns(ns(ids.c2), ['nslookup', 'app-web-1', netA.gateway]);
    expect(lookup.stdout).toMatch(/Address:\s+10\.213\.171\.2\b/);
  });

  it('keeps a namespace on another network from reaching them', async () => {
    netB = await manager.createNetwork({ name: 'other', subnet: '10.213.172.0/24' });
    await manager.attach(netB.id, {
      containerId: ids.c3,
      containerName: 'outsider',
      netnsPath: await manager.createNetns(ids.c3),
    });
    const ping = await inNetns(ns(ids.c3), ['ping', '-c', '1', '-W', '1', '10.213.171.2']);
    expect(ping.exitCode).not.toBe(0);
    // dropped by our isolation rule (not merely unrouted)
    const counters = (await execa('iptables', ['-v', '-x', '-n', '-L', `${PREFIX}-FORWARD`])).stdout;
    const drop = counters
      .split('\n')
      .find((l) => l.includes('DROP') && l.includes(netB.bridge) && l.includes(`${PREFIX}+`));
    expect(Number(drop?.trim().split(/\s+/)[0])).toBeGreaterThan(0);
    // and its DNS does not know the other network's names
    await expect(resolverAt(netB.gateway).resolve4('app-web-1')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('gives internal networks no route out and no forwarding of names', async () => {
    netC = await manager.createNetwork({ name: 'backend', subnet: '10.213.173.0/24', internal: true });
    const e4 = await manager.attach(netC.id, {
      containerId: ids.c4,
      containerName: 'db',
      netnsPath: await manager.createNetns(ids.c4),
    });
    expect(e4.defaultRoute).toBe(false);
    const route = await inNetns(ns(ids.c4), ['ip', 'route']);
    expect(route.stdout.trim()).toBe('10.213.173.0/24 dev eth0 scope link  src 10.213.173.2');
    const ping = await inNetns(ns(ids.c4), ['ping', '-c', '1', '-W', '1', '10.213.171.2']);
    expect(ping.exitCode).not.toBe(0);
    expect(ping.stderr + ping.stdout).toMatch(/unreachable/i);
    const nat = (await execa('iptables-save', ['-t', 'nat'])).stdout;
    expect(nat).not.toContain('10.213.173.0/24');
    const resolver = resolverAt(netC.gateway);
    expect(await resolver.resolve4('db')).toEqual(['10.213.173.2']);
    await expect(resolver.resolve4('mirror.example')).rejects.toMatchObject({ code: 'EREFUSED' });
  });

  it('a second network on one container becomes eth1 without a second default route', async () => {
    const e = await manager.attach(netC.id, {
      containerId: ids.c1,
      containerName: 'app-web-1',
      netnsPath: manager.netnsPath(ids.c1),
    });
    expect(e).toMatchObject({ ifname: 'eth1', defaultRoute: false, ipv4Address: '10.213.173.3' });
    const route = await inNetns(ns(ids.c1), ['ip', 'route']);
    expect(route.stdout.match(/^default/gm)).toEqual(['default']);
    const ping = await inNetns(ns(ids.c1), ['ping', '-c', '1', '-W', '2', '10.213.173.2']);
    expect(ping.exitCode).toBe(0);
    await manager.detach(netC.id, ids.c1);
  });

  it('stops resolving a container once detached, and refuses to remove a network in use', async () => {
    await manager.detach(netA.id, ids.c2);
    const resolver = resolverAt(netA.gateway);
    expect(await resolver.resolve4('web')).toEqual(['10.213.171.2']);
    await expect(resolver.resolve4('app-web-2')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(manager.removeNetwork(netA.id)).rejects.toThrow(
      'network app_default has active endpoints (app-web-1)',
    );
    await expect(manager.detach(netA.id, ids.c2)).rejects.toMatchObject({ code: 'NotFound' });
  });

  it('rebuilds rules and DNS from its records after a restart', async () => {
    await manager.close();
    await execa('iptables', ['-F', `${PREFIX}-FORWARD`]); // as if the host had lost them
    manager = await NetworkManager.open({
      root,
      bridgePrefix: PREFIX,
      subnetPool: POOL,
      upstreams: [{ host: '127.0.0.1', port: upstream.port }],
    });
    expect(manager.list().map((n) => n.name)).toEqual(['app_default', 'other', 'backend']);
    expect(await resolverAt(netA.gateway).resolve4('frontend')).toEqual(['10.213.171.2']);
    const rules = (await execa('iptables', ['-S', `${PREFIX}-FORWARD`])).stdout;
    expect(rules).toContain(`-A ${PREFIX}-FORWARD -i ${netB.bridge} -o ${PREFIX}+ -j DROP`);
  });

  it('removes a network without endpoints completely', async () => {
    await manager.detach(netC.id, ids.c4);
    await manager.removeNetns(ids.c4);
    await manager.removeNetwork('backend');
    expect((await execa('ip', ['link', 'show', netC.bridge], { reject: false })).exitCode).not.toBe(0);
    expect((await execa('iptables-save')).stdout).not.toContain(netC.bridge);
    expect(() => manager.get('backend')).toThrow('network backend not found');
  });

  it('leaves nothing behind after cleanupAll', async () => {
    await manager.cleanupAll();
    expect(await leftovers(PREFIX)).toEqual({ links: [], netns: [], rules: [] });
    // listeners are gone: the gateway address no longer exists to bind, and the DNS port is free on loopback
    await expect(resolverAt(netA.gateway).resolve4('web')).rejects.toBeDefined();
  });
});
