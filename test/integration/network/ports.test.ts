// Published ports through the engine's proxy with real namespaces: TCP to busybox httpd and UDP to an echo server
// inside a namespace, both reached on 127.0.0.1; a busy host port gives an error naming the port and its holder.

import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAll, NetworkManager, type Endpoint } from '../../../src/engine/network/index.js';
import { BUSYBOX, leftovers, saveIpForward } from './net-helpers.js';

const PREFIX = 'bntp';
const SUBNET = '10.213.187.0/24';
const CONTAINER = 'b7'.repeat(32);

let root: string;
let www: string;
let manager: NetworkManager;
let endpoint: Endpoint;
let restoreIpForward: () => Promise<void>;
const servers: ChildProcess[] = [];

/** Starts a server inside the namespace and waits until it answers (bounded). */
async function startInNetns(args: string[], ready: () => Promise<boolean>): Promise<void> {
  const child = spawn('ip', ['netns', 'exec', `${PREFIX}-${CONTAINER.slice(0, 12)}`, ...args], {
    stdio: 'ignore',
  });
  servers.push(child);
  for (let i = 0; i < 50; i++) {
    if (await ready()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server ${args.join(' ')} did not start`);
}

/** The host reaches the namespace directly over the bridge. */
function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host, () => {
      socket.destroy();
      resolve(true);
    });
    socket.setTimeout(1000, () => socket.destroy());
    socket.on('error', () => resolve(false));
    socket.on('close', () => resolve(false));
  });
}

function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /index.html HTTP/1.0\r\n\r\n'));
    let text = '';
    socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

function udpAsk(port: number, message: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      resolve(undefined);
    }, 1000);
    socket.on('message', (m) => {
      clearTimeout(timer);
      socket.close();
      resolve(m.toString());
    });
    socket.send(message, port, '127.0.0.1');
  });
}

beforeAll(async () => {
  await cleanupAll(PREFIX);
  restoreIpForward = await saveIpForward();
  root = await mkdtemp(join(tmpdir(), 'berth-ports-'));
  www = join(root, 'www');
  await mkdir(www);
  await writeFile(join(www, 'index.html'), 'hello from the namespace\n');
  manager = await NetworkManager.open({
    root,
    bridgePrefix: PREFIX,
    subnetPool: { base: SUBNET, size: 24 },
    upstreams: [],
  });
  const network = await manager.createNetwork({ name: 'ports' });
  endpoint = await manager.attach(network.id, {
    containerId: CONTAINER,
    containerName: 'web',
    netnsPath: await manager.createNetns(CONTAINER),
  });
  await startInNetns([BUSYBOX, 'httpd', '-f', '-p', '80', '-h', www], () =>
    canConnect(endpoint.ipv4Address, 80),
  );
  // a UDP echo server inside the namespace (this busybox's nc has no UDP)
  const echo =
    "const s=require('dgram').createSocket('udp4');s.on('message',(m,r)=>s.send('echo:'+m,r.port,r.address));s.bind(9000)";
  await startInNetns([process.execPath, '-e', echo], async () => true);
}, 60_000);

function killServers(): void {
  for (const child of servers)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

afterAll(async () => {
  killServers();
  await manager?.cleanupAll();
  await restoreIpForward?.();
  await rm(root, { recursive: true, force: true });
});

describe('published ports', () => {
  it('serves a TCP port from 127.0.0.1 to the server inside the namespace', async () => {
    const port = await manager.publish({
      protocol: 'tcp',
      hostIp: '127.0.0.1',
      hostPort: 0,
      containerIp: endpoint.ipv4Address,
      containerPort: 80,
    });
    try {
      expect(port).toMatchObject({
        protocol: 'tcp',
        hostIp: '127.0.0.1',
        containerIp: '10.213.187.2',
        containerPort: 80,
      });
      const reply = await httpGet(port.hostPort);
      expect(reply).toMatch(/^HTTP\/1\.[01] 200 OK/);
      expect(reply).toContain('hello from the namespace');
    } finally {
      await port.close();
    }
  });

  it('relays UDP both ways', async () => {
    const port = await manager.publish({
      protocol: 'udp',
      hostIp: '127.0.0.1',
      hostPort: 0,
      containerIp: endpoint.ipv4Address,
      containerPort: 9000,
    });
    try {
      // the echo server may take a moment to bind: ask a few times (bounded)
      let reply: string | undefined;
      for (let i = 0; i < 20 && reply === undefined; i++) reply = await udpAsk(port.hostPort, 'ping');
      expect(reply).toBe('echo:ping');
    } finally {
      await port.close();
    }
  });

  it('fails on a busy host port, naming the port and the process holding it', async () => {
    const first = await manager.publish({
      protocol: 'tcp',
      hostIp: '127.0.0.1',
      hostPort: 0,
      containerIp: endpoint.ipv4Address,
      containerPort: 80,
    });
    try {
      const busy = manager.publish({
        protocol: 'tcp',
        hostIp: '127.0.0.1',
        hostPort: first.hostPort,
        containerIp: endpoint.ipv4Address,
        containerPort: 80,
      });
      await expect(busy).rejects.toMatchObject({ code: 'Conflict' });
      await expect(busy).rejects.toThrow(
        new RegExp(
          `^cannot publish 127\\.0\\.0\\.1:${first.hostPort}/tcp: port ${first.hostPort} is already in use by process ${process.pid} \\(`,
        ),
      );
    } finally {
      await first.close();
    }
  });

  it('leaves no links, namespaces, rules or listeners after cleanupAll', async () => {
    const port = await manager.publish({
      protocol: 'tcp',
      hostIp: '127.0.0.1',
      hostPort: 0,
      containerIp: endpoint.ipv4Address,
      containerPort: 80,
    });
    killServers();
    await manager.cleanupAll();
    expect(await leftovers(PREFIX)).toEqual({ links: [], netns: [], rules: [] });
    await expect(
      new Promise((resolve, reject) =>
        net.connect(port.hostPort, '127.0.0.1', () => resolve('open')).on('error', reject),
      ),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
