// Copy in and out through the archive routes, and their safety: a crafted tar cannot write outside the
// container's rootfs (traversal refused; a symlink in the container pointing out is followed inside the root).
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { isBerthError } from '../../../src/shared/errors.js';
import { startContainerEngine, type ContainerEngine } from './fixture.js';

let e: ContainerEngine;
let id: string;
beforeAll(async () => {
  e = await startContainerEngine();
  id = await e.create({ Cmd: ['sleep', '60'] });
});
afterAll(async () => {
  await e?.cleanup();
});

async function tarOf(
  entries: Array<Partial<tar.Header> & { name: string; content?: string }>,
): Promise<Buffer> {
  const pack = tar.pack();
  for (const { content, ...header } of entries) {
    if (content === undefined) pack.entry(header);
    else pack.entry(header, content);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function entriesOf(body: Buffer): Promise<Record<string, string>> {
  const extract = tar.extract();
  Readable.from([body]).pipe(extract as unknown as NodeJS.WritableStream);
  const out: Record<string, string> = {};
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    out[entry.header.name] =
      entry.header.type === 'symlink' ? `-> ${entry.header.linkname}` : Buffer.concat(chunks).toString();
  }
  return out;
}

describe('archive', () => {
  it('copies a tree in before start and out afterwards, with the path stat header', async () => {
    const body = await tarOf([
      { name: 'app', type: 'directory', mode: 0o755 },
      { name: 'app/hello.txt', type: 'file', mode: 0o644, content: 'hello\n' },
      { name: 'app/link', type: 'symlink', linkname: 'hello.txt' },
    ]);
    const put = await e.client.request({
      method: 'PUT',
      path: `/containers/${id}/archive`,
      query: { path: '/home' },
      body,
    });
    expect(put.status).toBe(200);
    await e.client.request({ method: 'POST', path: `/containers/${id}/start` });
    const got = await e.client.request({ path: `/containers/${id}/archive`, query: { path: '/home/app' } });
    const stat = JSON.parse(
      Buffer.from(String(got.headers['x-docker-container-path-stat']), 'base64').toString(),
    ) as {
      name: string;
      mode: number;
    };
    expect(stat.name).toBe('app');
    expect(stat.mode).toBe(2 ** 31 + 0o755);
    expect(await entriesOf(got.body)).toEqual({
      app: '',
      'app/hello.txt': 'hello\n',
      'app/link': '-> hello.txt',
    });
  });

  it('refuses traversal and keeps writes through an outward symlink inside the rootfs', async () => {
    try {
      await e.client.request({
        method: 'PUT',
        path: `/containers/${id}/archive`,
        query: { path: '/tmp' },
        body: await tarOf([{ name: '../../escape.txt', type: 'file', content: 'x' }]),
      });
      throw new Error('expected a failure');
    } catch (error) {
      expect(isBerthError(error, 'InvalidArgument')).toBe(true);
    }
    // A symlink to the host's / inside the container, then a write through it.
    await e.client.request({
      method: 'PUT',
      path: `/containers/${id}/archive`,
      query: { path: '/tmp' },
      body: await tarOf([{ name: 'out', type: 'symlink', linkname: '/' }]),
    });
    await e.client.request({
      method: 'PUT',
      path: `/containers/${id}/archive`,
      query: { path: '/tmp' },
      body: await tarOf([{ name: 'out/berth-archive-escape.txt', type: 'file', content: 'inside' }]),
    });
    await expect(access(path.join('/', 'berth-archive-escape.txt'))).rejects.toThrow();
    const got = await e.client.request({
      path: `/containers/${id}/archive`,
      query: { path: '/berth-archive-escape.txt' },
    });
    expect(await entriesOf(got.body)).toEqual({ 'berth-archive-escape.txt': 'inside' });
  });

  it('answers 404 for a missing path', async () => {
    try {
      await e.client.request({ method: 'HEAD', path: `/containers/${id}/archive`, query: { path: '/nope' } });
      throw new Error('expected a failure');
    } catch (error) {
      expect(isBerthError(error, 'NotFound')).toBe(true);
    }
  });
});
