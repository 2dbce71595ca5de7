// Containers on bridge networks through the engine API, with real runc containers: names and aliases resolve
// between containers of one network and stop resolving when a container stops; published ports serve from
// 127.0.0.1; a busy host port fails the start naming the port; an internal network has no way out; two networks
// cannot reach each other; outbound traffic is masqueraded; live connect/disconnect; nothing left behind.

import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerInspect } from '../../../src/engine/api/containers.js';
import type { NetworkResource } from '../../../src/engine/api/networks.js';
import { cleanupAll, NetworkManager } from '../../../src/engine/network/index.js';
import { leftovers, saveIpForward } from './net-helpers.js';
import { startNetworkEngine, type NetworkEngine } from './engine.js';

const PREFIX = 'bnc';
const POOL = '10.213.200.0/24';
// a second, separate network subsystem standing for "somewhere outside" (another prefix, another pool)
const OUTSIDE_PREFIX = 'bxo';
const OUTSIDE_POOL = { base: '10.213.201.0/24', size: 24 };

let e: NetworkEngine;
let restoreIpForward: () => Promise<void>;
const children: ChildProcess[] = [];

beforeAll(async () => {
  await cleanupAll(PREFIX);
  await cleanupAll(OUTSIDE_PREFIX);
  restoreIpForward = await saveIpForward();
  e = await startNetworkEngine({ prefix: PREFIX, pool: POOL });
}, 120_000);

afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await e?.cleanup();
  await cleanupAll(OUTSIDE_PREFIX);
  await restoreIpForward?.();
  const left = await leftovers(PREFIX);
  expect(left).toEqual({ links: [], netns: [], rules: [] });
}, 120_000);

async function createNetwork(body: Record<string, unknown>): Promise<NetworkResource> {
  const { Id } = await e.client.requestJson<{ Id: string }>({
    method: 'POST',
    path: '/networks/create',
    body,
  });
  return e.client.requestJson<NetworkResource>({ path: `/networks/${Id}` });
}

const inspect = (id: string) => e.client.requestJson<ContainerInspect>({ path: `/containers/${id}/json` });

async function startSleeper(name: string, body: Record<string, unknown>): Promise<string> {
  const id = await e.create({ Cmd: ['sleep', '300'], ...body }, name);
  await e.start(id);
  return id;
}

/** Tries `attempt` until it returns a value, a bounded number of times. */
async function eventually<T>(attempt: () => Promise<T | undefined>, tries = 50, delayMs = 100): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = await attempt().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
  throw new Error('gave up waiting');
}

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

describe('containers on bridge networks', () => {
  it('has the default bridge network, and containers join it by default', async () => {
    const bridge = await e.client.requestJson<NetworkResource>({ path: '/networks/bridge' });
    expect(bridge).toMatchObject({ Name: 'bridge', Driver: 'bridge', Scope: 'local', Internal: false });
    expect(bridge.IPAM.Config[0]?.Subnet).toBe('10.213.200.0/27');
    const { exitCode, output, id } = await e.run({ Cmd: ['sh', '-c', 'ip -4 addr show eth0; ip route'] });
    expect(exitCode).toBe(0);
    expect(output).toMatch(/inet 10\.213\.200\.\d+\/27/);
    expect(output).toContain('default via 10.213.200.1');
    const stopped = await inspect(id);
    // a stopped container shows its network without addresses
    expect(stopped.NetworkSettings.Networks.bridge).toMatchObject({ NetworkID: bridge.Id, IPAddress: '' });
  });

  it('resolves names and aliases on a user network, and a stopped container stops resolving', async () => {
    const app = await createNetwork({ Name: 'app', Labels: { tier: 'test' } });
    const web = await startSleeper('web', {
      HostConfig: { NetworkMode: 'app' },
      NetworkingConfig: { EndpointsConfig: { app: { Aliases: ['www'] } } },
    });
    const info = await inspect(web);
    const endpoint = info.NetworkSettings.Networks.app;
    expect(endpoint).toMatchObject({ NetworkID: app.Id, Gateway: app.IPAM.Config[0]?.Gateway });
    expect(endpoint?.IPAddress).toMatch(/^10\.213\.200\.\d+$/);
    expect(endpoint?.Aliases).toEqual(['www', web.slice(0, 12)]);
    expect(endpoint?.DNSNames).toEqual(['web', 'www', web.slice(0, 12)]);
    expect(info.NetworkSettings.SandboxKey).toBe(`/run/netns/${PREFIX}-${web.slice(0, 12)}`);
    const networkView = await e.client.requestJson<NetworkResource>({ path: '/networks/app' });
    expect(networkView.Containers[web]).toMatchObject({
      Name: 'web',
      IPv4Address: `${endpoint?.IPAddress}/27`,
    });

    const client = await e.run({
      HostConfig: { NetworkMode: 'app' },
      Cmd: ['sh', '-c', 'cat /etc/resolv.conf; nslookup web; nslookup www; ping -c 1 -W 2 www'],
    });
    expect(client.output).toContain(`nameserver ${app.IPAM.Config[0]?.Gateway}`);
    expect(client.output).toContain(`Address: ${endpoint?.IPAddress}`);
    expect(client.output).toContain('1 packets received');
    expect(client.exitCode).toBe(0);

    await e.client.request({ method: 'POST', path: `/containers/${web}/stop`, query: { t: 0 } });
    const after = await e.run({ HostConfig: { NetworkMode: 'app' }, Cmd: ['nslookup', 'web'] });
    expect(after.exitCode).not.toBe(0);
    expect((await inspect(web)).NetworkSettings.Networks.app?.IPAddress).toBe('');
  });

  it('writes /etc/hosts and resolv.conf from the network and the DNS and ExtraHosts options', async () => {
    const bridge = await e.client.requestJson<NetworkResource>({ path: '/networks/bridge' });
    const gateway = bridge.IPAM.Config[0]?.Gateway ?? '';
    const { output, exitCode } = await e.run({
      Hostname: 'box',
      HostConfig: {
        ExtraHosts: ['outside:host-gateway', 'static.example:10.1.2.3'],
        DnsSearch: ['example.test'],
        DnsOptions: ['ndots:2'],
      },
      Cmd: ['sh', '-c', 'cat /etc/hosts /etc/resolv.conf'],
    });
    expect(exitCode).toBe(0);
    expect(output).toContain(`${gateway}\toutside`);
    expect(output).toContain('10.1.2.3\tstatic.example');
    expect(output).toMatch(/10\.213\.200\.\d+\tbox/);
    expect(output).toContain(`nameserver ${gateway}`);
    expect(output).toContain('search example.test');
    expect(output).toContain('options ndots:2');
  });

  it('publishes a port on 127.0.0.1 and shows it in inspect and the list', async () => {
    const id = await e.create(
      {
        ExposedPorts: { '80/tcp': {} },
        HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
        Cmd: [
          'sh',
          '-c',
          'mkdir /www && echo hello from web > /www/index.html && exec busybox httpd -f -p 80 -h /www',
        ],
      },
      'published',
    );
    await e.start(id);
    const info = await inspect(id);
    const binding = info.NetworkSettings.Ports['80/tcp']?.[0];
    expect(binding?.HostIp).toBe('127.0.0.1');
    const port = Number(binding?.HostPort);
    expect(port).toBeGreaterThan(0);
    expect(info.NetworkSettings.IPAddress).toMatch(/^10\.213\.200\.\d+$/);
    expect(await eventually(() => httpGet(port))).toBe('hello from web\n');
    const list = await e.client.requestJson<Array<{ Id: string; Ports: unknown[] }>>({
      path: '/containers/json',
    });
    expect(list.find((c) => c.Id === id)?.Ports).toEqual([
      { IP: '127.0.0.1', PrivatePort: 80, PublicPort: port, Type: 'tcp' },
    ]);
    await e.client.request({ method: 'POST', path: `/containers/${id}/stop`, query: { t: 0 } });
    await expect(httpGet(port)).rejects.toThrow();
    expect((await inspect(id)).NetworkSettings.Ports).toEqual({ '80/tcp': null });
  });

  it('fails the start clearly when the host port is taken, leaving nothing behind', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const taken = (holder.address() as net.AddressInfo).port;
    try {
      const id = await e.create({
        HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(taken) }] } },
        Cmd: ['sleep', '300'],
      });
      await expect(e.start(id)).rejects.toThrow(`port ${taken} is already in use by process ${process.pid}`);
      const state = await inspect(id);
      expect(state.State.Running).toBe(false);
      expect((await leftovers(PREFIX)).netns).not.toContain(`${PREFIX}-${id.slice(0, 12)}`);
    } finally {
      holder.close();
    }
  });

  it('refuses unknown networks at create with 404', async () => {
    await expect(e.create({ HostConfig: { NetworkMode: 'nosuchnet' } })).rejects.toMatchObject({
      code: 'NotFound',
      message: 'network nosuchnet not found',
    });
    await expect(
      e.create({ NetworkingConfig: { EndpointsConfig: { bridge: {}, other: {} } } }),
    ).rejects.toThrow('network other not found');
  });

  it('keeps networks apart, gives internal networks no way out, and masquerades outbound traffic', async () => {
    const red = await createNetwork({ Name: 'red' });
    const blue = await createNetwork({ Name: 'blue' });
    const sealed = await createNetwork({ Name: 'sealed', Internal: true });
    expect(sealed.Internal).toBe(true);
    const blueBox = await startSleeper('bluebox', { HostConfig: { NetworkMode: 'blue' } });
    const blueIp = (await inspect(blueBox)).NetworkSettings.Networks.blue?.IPAddress ?? '';
    const redBox = await startSleeper('redbox', { HostConfig: { NetworkMode: 'red' } });
    const sealedBox = await startSleeper('sealedbox', { HostConfig: { NetworkMode: 'sealed' } });

    // isolation: red cannot reach blue, while a container of blue itself can
    const across = await e.exec(redBox, ['ping', '-c', '1', '-W', '1', blueIp]);
    expect(across.exitCode).not.toBe(0);
    const within = await e.run({
      HostConfig: { NetworkMode: 'blue' },
      Cmd: ['ping', '-c', '1', '-W', '2', blueIp],
    });
    expect(within.exitCode).toBe(0);

    // outbound: a listener in another network subsystem's namespace (another prefix: "outside" for this engine)
    const outside = await NetworkManager.open({
      root: `${e.dir}/outside`,
      bridgePrefix: OUTSIDE_PREFIX,
      subnetPool: OUTSIDE_POOL,
      upstreams: [],
    });
    try {
      const world = await outside.createNetwork({ name: 'world' });
      const hostId = 'f0'.repeat(32);
      const listener = await outside.attach(world.id, {
        containerId: hostId,
        containerName: 'listener',
        netnsPath: await outside.createNetns(hostId),
      });
      const server =
        "require('net').createServer((s)=>s.end(s.remoteAddress+'\\n')).listen(7070,'0.0.0.0',()=>console.log('ready'))";
      const child = spawn(
        'ip',
        ['netns', 'exec', `${OUTSIDE_PREFIX}-${hostId.slice(0, 12)}`, process.execPath, '-e', server],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      children.push(child);
      await new Promise<void>((resolve, reject) => {
        child.stdout?.once('data', () => resolve());
        child.once('exit', () => reject(new Error('listener exited')));
      });
      const seen = await e.exec(redBox, ['nc', '-w', '3', listener.ipv4Address, '7070']);
      expect(seen.exitCode).toBe(0);
      // the listener sees the outside network's gateway, not the container's own address: NAT
      expect(seen.output.trim()).toBe(world.gateway);
      // an internal network has no route out at all
      const sealedTry = await e.exec(sealedBox, ['nc', '-w', '2', listener.ipv4Address, '7070']);
      expect(sealedTry.exitCode).not.toBe(0);
      const routes = await e.exec(sealedBox, ['ip', 'route']);
      expect(routes.output).not.toContain('default');
      child.kill('SIGKILL');
      await outside.detach(world.id, hostId);
      await outside.removeNetns(hostId);
      await outside.removeNetwork(world.id);
    } finally {
      await outside.cleanupAll();
    }
    for (const id of [blueBox, redBox, sealedBox]) {
      await e.client.request({ method: 'DELETE', path: `/containers/${id}`, query: { force: 1 } });
    }
    for (const network of [red, blue, sealed]) {
      await e.client.request({ method: 'DELETE', path: `/networks/${network.Id}` });
    }
  });

  it('connects and disconnects a running container live', async () => {
    const extra = await createNetwork({ Name: 'extra' });
    const box = await startSleeper('mover', {});
    await e.client.request({
      method: 'POST',
      path: '/networks/extra/connect',
      body: { Container: 'mover', EndpointConfig: { Aliases: ['moved'] } },
    });
    const joined = await inspect(box);
    expect(Object.keys(joined.NetworkSettings.Networks).sort()).toEqual(['bridge', 'extra']);
    const address = joined.NetworkSettings.Networks.extra?.IPAddress ?? '';
    expect((await e.exec(box, ['ip', '-4', 'addr', 'show', 'eth1'])).output).toContain(`inet ${address}/27`);
    const peer = await e.run({ HostConfig: { NetworkMode: 'extra' }, Cmd: ['nslookup', 'moved'] });
    expect(peer.output).toContain(`Address: ${address}`);
    // removal refused while attached, with Docker's words and status
    await expect(e.client.request({ method: 'DELETE', path: '/networks/extra' })).rejects.toThrow(
      `error while removing network: network extra id ${extra.Id} has active endpoints`,
    );
    await e.client.request({ method: 'POST', path: '/networks/extra/disconnect', body: { Container: box } });
    expect(Object.keys((await inspect(box)).NetworkSettings.Networks)).toEqual(['bridge']);
    expect((await e.exec(box, ['ip', 'link', 'show', 'eth1'])).exitCode).not.toBe(0);
    await e.client.request({ method: 'DELETE', path: `/containers/${box}`, query: { force: 1 } });
    await e.client.request({ method: 'DELETE', path: '/networks/extra' });
  });

  it("joins another container's namespace with container:<name>, and host and none modes", async () => {
    const owner = await startSleeper('owner', {});
    const ownerIp = (await inspect(owner)).NetworkSettings.IPAddress;
    const joined = await e.run({ HostConfig: { NetworkMode: 'container:owner' }, Cmd: ['ip', '-4', 'addr'] });
    expect(joined.output).toContain(`inet ${ownerIp}/27`);
    const none = await e.run({ HostConfig: { NetworkMode: 'none' }, Cmd: ['ip', '-4', 'addr'] });
    expect(none.output).not.toContain('10.213.200.');
    expect((await inspect(none.id)).NetworkSettings.Networks).toHaveProperty('none');
    await e.client.request({ method: 'DELETE', path: `/containers/${owner}`, query: { force: 1 } });
  });

  it('keeps a running container reachable across an engine restart: names and published ports', async () => {
    const id = await e.create(
      {
        HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
        Cmd: [
          'sh',
          '-c',
          'mkdir /www && echo still here > /www/index.html && exec busybox httpd -f -p 80 -h /www',
        ],
      },
      'survivor',
    );
    await e.start(id);
    const port = Number((await inspect(id)).NetworkSettings.Ports['80/tcp']?.[0]?.HostPort);
    expect(await eventually(() => httpGet(port))).toBe('still here\n');
    await e.restart();
    const after = await inspect(id);
    expect(after.State.Running).toBe(true);
    expect(after.NetworkSettings.Ports['80/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: String(port) }]);
    expect(await eventually(() => httpGet(port))).toBe('still here\n');
    const peer = await e.run({ Cmd: ['nslookup', 'survivor'] });
    expect(peer.output).toContain(`Address: ${after.NetworkSettings.IPAddress}`);
    await e.client.request({ method: 'DELETE', path: `/containers/${id}`, query: { force: 1 } });
  });

  it('publishes network events: create, connect, disconnect, destroy', async () => {
    const since = String(Date.now() / 1000);
    const net = await createNetwork({ Name: 'evented' });
    const box = await startSleeper('watched', { HostConfig: { NetworkMode: 'evented' } });
    await e.client.request({
      method: 'POST',
      path: '/networks/evented/disconnect',
      body: { Container: box },
    });
    await e.client.request({ method: 'POST', path: '/networks/evented/connect', body: { Container: box } });
    await e.client.request({ method: 'DELETE', path: `/containers/${box}`, query: { force: 1 } });
    await e.client.request({ method: 'DELETE', path: '/networks/evented' });
    const seen: string[] = [];
    for await (const event of e.client.events({
      since,
      until: String(Date.now() / 1000 + 1),
      filters: { type: ['network'], network: [net.Id] },
    })) {
      expect(event.Actor.Attributes.name).toBe('evented');
      seen.push(event.Action + (event.Actor.Attributes.container === box ? ' (container)' : ''));
    }
    expect(seen).toEqual(['create', 'disconnect (container)', 'connect (container)', 'destroy']);
  });
});
