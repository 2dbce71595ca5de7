import dgram from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeQuery, encodeResponse, TYPE_A } from './dns-packet.js';
import { DnsResponder } from './dns-responder.js';
import { NameTable } from './name-table.js';

// A responder on loopback with a fake upstream, also on loopback: no traffic leaves the host.
let upstream: dgram.Socket;
let upstreamPort = 0;
let responder: DnsResponder;
let internal: DnsResponder;

beforeAll(async () => {
  upstream = dgram.createSocket('udp4');
  upstream.on('message', (message, remote) => {
    const query = decodeQuery(message)!;
    const answers = query.name === 'mirror.example' ? [{ type: 'A' as const, address: '127.0.0.77' }] : [];
    upstream.send(encodeResponse(query, answers.length > 0 ? 0 : 3, answers), remote.port, remote.address);
  });
  await new Promise<void>((resolve) => upstream.bind(0, '127.0.0.1', resolve));
  upstreamPort = upstream.address().port;
  responder = new DnsResponder({
    address: '127.0.0.1',
    port: 0,
    subnet: '127.0.0.0/8',
    upstreams: [{ host: '127.0.0.1', port: upstreamPort }],
    forward: true,
  });
  await responder.start();
  responder.names.register('e1', ['app-web-1', 'web', 'www'], '10.0.0.2');
  responder.names.register('e2', ['app-web-2', 'web'], '10.0.0.3');
  internal = new DnsResponder({
    address: '127.0.0.1',
    port: 0,
    subnet: '127.0.0.0/8',
    upstreams: [{ host: '127.0.0.1', port: upstreamPort }],
    forward: false,
  });
  await internal.start();
});

afterAll(async () => {
  await responder.close();
  await internal.close();
  upstream.close();
});

function resolverFor(port: number): Resolver {
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
  return resolver;
}

describe('DnsResponder', () => {
  it('answers registered names with all replicas, rotating', async () => {
    const resolver = resolverFor(responder.port);
    expect(await resolver.resolve4('www')).toEqual(['10.0.0.2']);
    const first = await resolver.resolve4('web');
    const second = await resolver.resolve4('web');
    expect(first.length).toBe(2);
    expect([...first].sort()).toEqual(['10.0.0.2', '10.0.0.3']);
    expect(second).toEqual([first[1], first[0]]);
  });

  it('answers PTR only for addresses of its own subnet, and no-data for AAAA of known names', async () => {
    // the responder's subnet here is 127.0.0.0/8; register a loopback address to look up
    responder.names.register('e3', ['db'], '127.0.0.9');
    const resolver = resolverFor(responder.port);
    expect(await resolver.reverse('127.0.0.9')).toEqual(['db']);
    await expect(resolver.reverse('127.0.0.10')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(resolver.resolve6('db')).rejects.toMatchObject({ code: 'ENODATA' });
    responder.names.unregister('e3');
  });

  it('forwards other names upstream and passes their answers back', async () => {
    const resolver = resolverFor(responder.port);
    expect(await resolver.resolve4('mirror.example')).toEqual(['127.0.0.77']);
    await expect(resolver.resolve4('nowhere.example')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('refuses to forward on an internal network', async () => {
    const resolver = resolverFor(internal.port);
    await expect(resolver.resolve4('mirror.example')).rejects.toMatchObject({ code: 'EREFUSED' });
  });

  it('hides names from clients outside the subnet', async () => {
    const packet = Buffer.from([
      0,
      9,
      1,
      0,
      0,
      1,
      0,
      0,
      0,
      0,
      0,
      0,
      3,
      ...Buffer.from('www'),
      0,
      0,
      TYPE_A,
      0,
      1,
    ]);
    const reply = await internal.answer(packet, '192.0.2.50', 'udp');
    expect(reply!.readUInt16BE(2) & 0xf).toBe(5);
  });

  it('answers a container the names of its other networks, and only that container', async () => {
    const backend = new NameTable();
    backend.register('e9', ['db'], '10.1.0.5');
    const frontend = new DnsResponder({
      address: '127.0.0.1',
      subnet: '127.0.0.0/8',
      upstreams: [],
      forward: false,
      // 127.0.0.9 stands for a proxy attached to both networks; other clients are on this network only.
      otherNetworks: (source) => (source === '127.0.0.9' ? [backend] : []),
    });
    const query = (id: number) => encodeQuery(id, 'db');
    const proxy = (await frontend.answer(query(1), '127.0.0.9', 'udp'))!;
    expect(proxy.readUInt16BE(2) & 0xf).toBe(0);
    expect([...proxy.subarray(proxy.length - 4)]).toEqual([10, 1, 0, 5]);
    const other = (await frontend.answer(query(2), '127.0.0.8', 'udp'))!;
    expect(other.readUInt16BE(2) & 0xf).toBe(5);
  });

  it('serves TCP with length-prefixed messages', async () => {
    const net = await import('node:net');
    const query = Buffer.from([
      0,
      5,
      1,
      0,
      0,
      1,
      0,
      0,
      0,
      0,
      0,
      0,
      3,
      ...Buffer.from('www'),
      0,
      0,
      TYPE_A,
      0,
      1,
    ]);
    const reply = await new Promise<Buffer>((resolve, reject) => {
      const socket = net.connect(responder.port, '127.0.0.1', () => {
        const length = Buffer.alloc(2);
        length.writeUInt16BE(query.length);
        socket.write(Buffer.concat([length, query]));
      });
      socket.on('data', (data: Buffer) => {
        socket.destroy();
        resolve(data);
      });
      socket.on('error', reject);
    });
    expect(reply.readUInt16BE(0)).toBe(reply.length - 2);
    expect(reply.readUInt16BE(2)).toBe(5);
    expect([...reply.subarray(reply.length - 4)]).toEqual([10, 0, 0, 2]);
  });
});

/** A recursive A query for `name` (one label). */
function encodeQuery(id: number, name: string): Buffer {
  const header = [id >> 8, id & 0xff, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
  return Buffer.from([...header, name.length, ...Buffer.from(name), 0, 0, TYPE_A, 0, 1]);
}
