import dgram from 'node:dgram';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishPort } from './port-proxy.js';

// The "container" here is a server on 127.0.0.1; the proxy logic does not care where it runs.
let echo: net.Server;
let echoPort = 0;
let udpEcho: dgram.Socket;
let udpPort = 0;

beforeAll(async () => {
  echo = net.createServer({ allowHalfOpen: true }, (socket) => {
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    // replies only after the client half-closes: proves the end is passed through
    socket.on('end', () => socket.end(`got:${Buffer.concat(chunks).toString()}`));
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoPort = (echo.address() as net.AddressInfo).port;
  udpEcho = dgram.createSocket('udp4');
  udpEcho.on('message', (m, r) => udpEcho.send(Buffer.concat([Buffer.from('u:'), m]), r.port, r.address));
  await new Promise<void>((resolve) => udpEcho.bind(0, '127.0.0.1', resolve));
  udpPort = udpEcho.address().port;
});

afterAll(async () => {
  echo.close();
  udpEcho.close();
});

describe('publishPort', () => {
  it('relays TCP with half-close, on a random host port', async () => {
    const published = await publishPort({
      protocol: 'tcp',
      hostIp: '127.0.0.1',
      hostPort: 0,
      containerIp: '127.0.0.1',
      containerPort: echoPort,
    });
    try {
      expect(published.hostPort).toBeGreaterThan(0);
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = net.connect({ port: published.hostPort, host: '127.0.0.1', allowHalfOpen: true }, () =>
          socket.end('hello'),
        );
        let text = '';
        socket.on('data', (d: Buffer) => (text += d.toString()));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(reply).toBe('got:hello');
    } finally {
      await published.close();
    }
  });

  it('relays UDP datagrams both ways', async () => {
    const published = await publishPort({
      protocol: 'udp',
      hostIp: '127.0.0.1',
      hostPort: 0,
      containerIp: '127.0.0.1',
      containerPort: udpPort,
    });
    const client = dgram.createSocket('udp4');
    try {
      const reply = await new Promise<string>((resolve) => {
        client.on('message', (m) => resolve(m.toString()));
        client.send('ping', published.hostPort, '127.0.0.1');
      });
      expect(reply).toBe('u:ping');
    } finally {
      client.close();
      await published.close();
    }
  });

  it('names the port and its holder when the port is taken', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const attempt = publishPort({
        protocol: 'tcp',
        hostIp: '127.0.0.1',
        hostPort: port,
        containerIp: '127.0.0.1',
        containerPort: 1,
      });
      await expect(attempt).rejects.toMatchObject({
        code: 'Conflict',
        message: `cannot publish 127.0.0.1:${port}/tcp: port ${port} is already in use by process ${process.pid} (${await comm()})`,
      });
    } finally {
      holder.close();
    }
  });
});

async function comm(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return (await readFile(`/proc/${process.pid}/comm`, 'utf8')).trim();
}
