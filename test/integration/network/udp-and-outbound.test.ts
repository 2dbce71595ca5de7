// A published UDP port carries a datagram from the host into a real container, and a container on a user network
// reaches Debian's package mirror through the network's DNS responder and the pool's outbound NAT. Nothing is left
// behind.

import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerInspect } from '../../../src/engine/api/containers.js';
import type { NetworkResource } from '../../../src/engine/api/networks.js';
import { cleanupAll } from '../../../src/engine/network/index.js';
import { demux } from '../container/fixture.js';
import { leftovers, saveIpForward } from './net-helpers.js';
import { startNetworkEngine, type NetworkEngine } from './engine.js';

const PREFIX = 'bnuo';
const POOL = '10.213.218.0/24';
const MIRROR = 'deb.debian.org';
const INDEX_PATH = '/debian/dists/bookworm/Release';

let e: NetworkEngine;
let restoreIpForward: () => Promise<void>;

beforeAll(async () => {
  await cleanupAll(PREFIX);
  restoreIpForward = await saveIpForward();
  e = await startNetworkEngine({ prefix: PREFIX, pool: POOL });
}, 120_000);

afterAll(async () => {
  await e?.cleanup();
  await restoreIpForward?.();
  const left = await leftovers(PREFIX);
  expect(left).toEqual({ links: [], netns: [], rules: [] });
}, 120_000);

const inspect = (id: string) => e.client.requestJson<ContainerInspect>({ path: `/containers/${id}/json` });

async function logsOf(id: string): Promise<string> {
  const logs = await e.client.request({ path: `/containers/${id}/logs`, query: { stdout: 1, stderr: 1 } });
  return demux(logs.body);
}

/** Polls the container's logs until `text` shows up, a bounded number of times; returns the logs. */
async function waitForLog(id: string, text: string, tries = 50, delayMs = 100): Promise<string> {
  let logs = '';
  for (let i = 0; i < tries && !logs.includes(text); i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    logs = await logsOf(id);
  }
  return logs;
}

function sendDatagram(port: number, message: string): Promise<void> {
  const socket = dgram.createSocket('udp4');
  return new Promise<void>((resolve, reject) => {
    socket.send(message, port, '127.0.0.1', (error) => (error ? reject(error) : resolve()));
  }).finally(() => socket.close());
}

// busybox's nc has no UDP mode and no busybox applet here listens on UDP, so the listener is the host's node
// binary, bind-mounted read-only with the libraries it links against; it runs as the container's own process.
const UDP_LISTENER =
  "const s=require('dgram').createSocket('udp4');" +
  "s.on('message',(m,r)=>console.log('received '+m+' from '+r.address));" +
  "s.bind(5353,()=>console.log('listening'))";

describe('UDP ports and outbound traffic', () => {
  it('delivers a datagram sent to a published UDP port on 127.0.0.1 to the container', async () => {
    const id = await e.create(
      {
        ExposedPorts: { '5353/udp': {} },
        HostConfig: {
          PortBindings: { '5353/udp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
          Binds: ['/usr:/usr:ro', '/lib:/lib:ro', '/lib64:/lib64:ro'],
        },
        Cmd: [process.execPath, '-e', UDP_LISTENER],
      },
      'udp-listener',
    );
    await e.start(id);
    const info = await inspect(id);
    const binding = info.NetworkSettings.Ports['5353/udp']?.[0];
    expect(binding?.HostIp).toBe('127.0.0.1');
    const port = Number(binding?.HostPort);
    expect(port).toBeGreaterThan(0);
    expect(await waitForLog(id, 'listening')).toContain('listening');

    // UDP has no handshake: resend until the container reports the datagram, a bounded number of times
    let logs = '';
    for (let i = 0; i < 20 && !logs.includes('received hello-udp'); i++) {
      await sendDatagram(port, 'hello-udp');
      logs = await waitForLog(id, 'received hello-udp', 5, 100);
    }
    const gateway = info.NetworkSettings.Networks.bridge?.Gateway ?? '';
    // the engine's proxy forwards it, so the container sees it coming from the bridge side
    expect(logs).toContain(`received hello-udp from ${gateway}`);
    await e.client.request({ method: 'DELETE', path: `/containers/${id}`, query: { force: 1 } });
  }, 30_000);

  it("fetches Debian's package index from a container on a user network", async () => {
    await e.client.request({ method: 'POST', path: '/networks/create', body: { Name: 'outbound' } });
    // resolv.conf points at the network's DNS responder, which forwards the mirror's name to the host's resolvers;
    // `timeout` bounds the fetch (this busybox's wget crashes on its own -T option)
    const { exitCode, output } = await e.run({
      HostConfig: { NetworkMode: 'outbound' },
      Cmd: [
        'sh',
        '-c',
        `cat /etc/resolv.conf && timeout 25 wget -q -O /tmp/Release http://${MIRROR}${INDEX_PATH} && grep -m 1 '^Origin:' /tmp/Release`,
      ],
    });
    const network = await e.client.requestJson<NetworkResource>({ path: '/networks/outbound' });
    expect(output).toContain(`nameserver ${network.IPAM.Config[0]?.Gateway}`);
    expect(output).toContain('Origin: Debian');
    expect(exitCode).toBe(0);
    await e.client.request({ method: 'DELETE', path: '/networks/outbound' });
  }, 30_000);
});
