// Hijacked streams, as attach and exec start use them: the 101 upgrade (full duplex, stdin half-close, body in
// the same packet as the headers) and dockerode's plain 200 variant. A test route echoes stdin as frames.

import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthError, isBerthError } from '../../../src/shared/errors.js';
import { decodeStdFrames, encodeStdFrame, StdStream } from '../../../src/engine/api/stdcopy.js';
import { MULTIPLEXED_STREAM } from '../../../src/engine/server/context.js';
import { routeModules } from '../../../src/engine/server/routes/index.js';
import type { RouteModule } from '../../../src/engine/server/services.js';
import { startTestEngine, type TestEngine } from './engine-fixture.js';

/** POST /echo/{id} {"prefix": "p"}: each stdin chunk comes back on stdout with the prefix; "bye" on stderr at EOF. */
const echoRoutes: RouteModule = {
  name: 'echo',
  register(router) {
    router.post('/echo/{id}', async (ctx) => {
      if (ctx.params.id !== 'known') throw new BerthError('NotFound', `No such container: ${ctx.params.id}`);
      const body = await ctx.readJson<{ prefix: string }>();
      const stream = ctx.hijack(MULTIPLEXED_STREAM);
      stream.input.on('data', (chunk: Buffer) => {
        stream.output.write(encodeStdFrame(StdStream.stdout, `${body?.prefix ?? ''}${chunk.toString()}`));
      });
      stream.input.on('end', () => {
        stream.output.write(encodeStdFrame(StdStream.stderr, 'bye'));
        stream.end();
      });
      stream.input.resume();
    });
    // A faulty handler that never answers: the dispatcher must answer 500 for it.
    router.get('/silent', () => undefined);
  },
};

let t: TestEngine;
beforeAll(async () => {
  t = await startTestEngine({ routes: [...routeModules, echoRoutes] });
});
afterAll(async () => {
  await t.cleanup();
});

function readToEnd(socket: Duplex): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
  });
}

const text = (frames: { stream: number; payload: Buffer }[]) =>
  frames.map((f) => `${f.stream}:${f.payload.toString()}`).join('|');

describe('engine server: hijacked streams', () => {
  it('upgrades to a full-duplex stream and keeps writing after the client half-closes', async () => {
    const { socket } = await t.client.hijack({ path: '/echo/known', body: { prefix: 'p:' } });
    const output = readToEnd(socket);
    socket.write('hello');
    await new Promise((r) => setTimeout(r, 20));
    socket.end(); // stdin EOF
    expect(text(decodeStdFrames(await output))).toBe('1:p:hello|2:bye');
  });

  it('writes Docker’s 101 response and reads a body sent in the same packet as the headers', async () => {
    const body = '{"prefix":">"}';
    const conn = net.connect(t.config.socket);
    await new Promise((r) => conn.once('connect', r));
    const received = readToEnd(conn);
    conn.write(
      `POST /v1.41/echo/known HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}stdin-bytes`,
    );
    await new Promise((r) => setTimeout(r, 50));
    conn.end();
    const raw = await received;
    const split = raw.indexOf('\r\n\r\n');
    const head = raw.subarray(0, split).toString();
    expect(head.split('\r\n').slice(0, 4)).toEqual([
      'HTTP/1.1 101 UPGRADED',
      `Content-Type: ${MULTIPLEXED_STREAM}`,
      'Connection: Upgrade',
      'Upgrade: tcp',
    ]);
    expect(head).toMatch(/\r\napi-version: 1\.44/i);
    expect(text(decodeStdFrames(raw.subarray(split + 4)))).toBe('1:>stdin-bytes|2:bye');
  });

  it('answers an upgrade request that fails before the hijack with a JSON error', async () => {
    const error = await t.client.hijack({ path: '/echo/missing', body: {} }).catch((e: unknown) => e);
    expect(isBerthError(error, 'NotFound')).toBe(true);
    expect((error as Error).message).toBe('No such container: missing');
  });

  it('streams on a plain 200 without upgrade (dockerode), unchunked until the connection closes', async () => {
    const { headers, body } = await new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>(
      (resolve, reject) => {
        const req = http.request(
          {
            socketPath: t.config.socket,
            method: 'POST',
            path: '/echo/known',
            headers: { 'Content-Type': 'application/json' },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
          },
        );
        req.on('error', reject);
        req.end('{"prefix":"x"}');
      },
    );
    expect(headers['content-type']).toBe(MULTIPLEXED_STREAM);
    expect(headers['transfer-encoding']).toBeUndefined();
    expect(headers.connection).toBe('close');
    expect(text(decodeStdFrames(body))).toBe('2:bye');
  });

  it('answers 500 for a handler that returns without answering, instead of hanging', async () => {
    await expect(t.client.request({ path: '/silent' })).rejects.toThrow(
      '/silent: the handler returned without answering',
    );
  });
});
