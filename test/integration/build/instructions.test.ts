// The builder's less common paths through the engine API (no CLI): image config instructions as the image
// records them, ONBUILD triggers, ADD of a URL with --checksum from a server on 127.0.0.1, RUN mounts of other
// kinds (bind from a stage, tmpfs), independent stages built at the same time, and an unknown instruction's
// error with its file and line.

import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildMessage } from '../../../src/engine/api/build.js';
import { jsonLines } from '../../../src/engine/client/index.js';
import { packUpload } from '../../../src/shared/build-context/upload.js';
import { makeBusyboxTar } from '../../helpers/rootfs.js';
import { startTestEngine, type TestEngine } from '../server/engine-fixture.js';
import { createReadStream } from 'node:fs';

let engine: TestEngine;
let server: Server;
let serverUrl: string;
let contexts = 0;
const PAYLOAD = 'downloaded over http\n';

interface BuildOutcome {
  id: string | undefined;
  error: string | undefined;
  messages: BuildMessage[];
}

async function build(
  files: Record<string, string>,
  query: Record<string, unknown> = {},
): Promise<BuildOutcome> {
  const dir = path.join(engine.dir, `ctx-${++contexts}`);
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  const upload = await packUpload({ contextDir: dir, dockerfile: { path: 'Dockerfile' } });
  const response = await engine.client.build(upload.tar, { dockerfile: upload.dockerfile, ...query });
  const messages: BuildMessage[] = [];
  for await (const line of jsonLines(response)) messages.push(JSON.parse(line) as BuildMessage);
  const id = messages.find((m) => typeof m.aux?.ID === 'string')?.aux?.ID as string | undefined;
  const error = messages.find((m) => m.error !== undefined)?.error;
  return { id, error, messages };
}

async function inspect(id: string): Promise<{ Config: Record<string, unknown> }> {
  const response = await engine.client.request({ path: `/images/${id}/json` });
  return JSON.parse(response.body.toString('utf8')) as { Config: Record<string, unknown> };
}

/** Runs `cmd` in a container of `image` and returns its output. */
async function run(image: string, cmd: string[]): Promise<string> {
  const created = await engine.client.requestJson<{ Id: string }>({
    method: 'POST',
    path: '/containers/create',
    body: { Image: image, Cmd: cmd, HostConfig: { NetworkMode: 'none' } },
  });
  await engine.client.request({ method: 'POST', path: `/containers/${created.Id}/start` });
  await engine.client.request({ method: 'POST', path: `/containers/${created.Id}/wait` });
  const logs = await engine.client.request({
    path: `/containers/${created.Id}/logs`,
    query: { stdout: true, stderr: true },
  });
  await engine.client.request({ method: 'DELETE', path: `/containers/${created.Id}` });
  // Multiplexed frames: 8-byte headers before each chunk.
  const out: Buffer[] = [];
  let body = logs.body;
  while (body.length >= 8) {
    const size = body.readUInt32BE(4);
    out.push(body.subarray(8, 8 + size));
    body = body.subarray(8 + size);
  }
  return Buffer.concat(out).toString('utf8');
}

beforeAll(async () => {
  engine = await startTestEngine();
  const tar = path.join(engine.dir, 'busybox.tar');
  await makeBusyboxTar(tar);
  await engine.client.request({
    method: 'POST',
    path: '/images/create',
    query: { fromSrc: '-', repo: 'busybox', tag: 'latest', changes: 'CMD ["sh"]' },
    body: createReadStream(tar),
  });
  server = createServer((req, res) => {
    if (req.url === '/files/payload.txt') res.end(PAYLOAD);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await engine?.cleanup();
});

describe('builder instructions', () => {
  it('records config instructions in the image as Docker does', async () => {
    const result = await build({
      Dockerfile: [
        'FROM busybox',
        'ARG PORT=8080',
        'ENV APP_PORT=$PORT',
        'EXPOSE ${PORT} 9000-9001/udp',
        'VOLUME ["/data", "/cache"]',
        'STOPSIGNAL SIGINT',
        'HEALTHCHECK --interval=5s --timeout=2s --retries=4 CMD wget -qO- http://localhost:$APP_PORT/ || exit 1',
        'SHELL ["/bin/sh", "-ec"]',
        'ENTRYPOINT ["/bin/sh", "-c"]',
        'CMD ["echo hi"]',
        'LABEL org.example.version="1.0" org.example.name=app',
      ].join('\n'),
    });
    expect(result.error).toBeUndefined();
    const config = (await inspect(result.id as string)).Config;
    expect(config.Env).toContain('APP_PORT=8080');
    expect(Object.keys(config.ExposedPorts as object).sort()).toEqual(['8080/tcp', '9000/udp', '9001/udp']);
    expect(Object.keys(config.Volumes as object).sort()).toEqual(['/cache', '/data']);
    expect(config.StopSignal).toBe('SIGINT');
    expect(config.Healthcheck).toMatchObject({
      Test: ['CMD-SHELL', 'wget -qO- http://localhost:$APP_PORT/ || exit 1'],
      Interval: 5_000_000_000,
      Timeout: 2_000_000_000,
      Retries: 4,
    });
    expect(config.Shell).toEqual(['/bin/sh', '-ec']);
    expect(config.Entrypoint).toEqual(['/bin/sh', '-c']);
    expect(config.Cmd).toEqual(['echo hi']);
    expect(config.Labels).toEqual({ 'org.example.version': '1.0', 'org.example.name': 'app' });
  });

  it('runs ONBUILD triggers of the base image in the child build, and not again in a grandchild', async () => {
    const parent = await build(
      {
        Dockerfile: [
          'FROM busybox',
          'ONBUILD COPY marker.txt /marker.txt',
          'ONBUILD RUN echo triggered >> /log',
        ].join('\n'),
      },
      { t: ['onbuild-parent:1'] },
    );
    expect(parent.error).toBeUndefined();
    const child = await build(
      {
        Dockerfile: 'FROM onbuild-parent:1\nRUN cat /marker.txt /log\n',
        'marker.txt': 'from the child context\n',
      },
      { t: ['onbuild-child:1'] },
    );
    expect(child.error).toBeUndefined();
    expect(await run('onbuild-child:1', ['cat', '/marker.txt', '/log'])).toBe(
      'from the child context\ntriggered\n',
    );
    const grandchild = await build({ Dockerfile: 'FROM onbuild-child:1\nRUN cat /log\n' });
    expect(grandchild.error).toBeUndefined();
    expect(await run(grandchild.id as string, ['cat', '/log'])).toBe('triggered\n');
  });

  it('downloads ADD URLs, checks --checksum and refuses a wrong one', async () => {
    const digest = `sha256:${createHash('sha256').update(PAYLOAD).digest('hex')}`;
    const good = await build({
      Dockerfile: `FROM busybox\nADD --checksum=${digest} ${serverUrl}/files/payload.txt /downloads/\n`,
    });
    expect(good.error).toBeUndefined();
    expect(await run(good.id as string, ['cat', '/downloads/payload.txt'])).toBe(PAYLOAD);
    const wrong = `sha256:${'0'.repeat(64)}`;
    const bad = await build({
      Dockerfile: `FROM busybox\nADD --checksum=${wrong} ${serverUrl}/files/payload.txt /x\n`,
    });
    expect(bad.error).toContain('Dockerfile:2');
    expect(bad.error).toContain(digest);
    expect(bad.error).toContain(wrong);
  });

  it('mounts a stage read-only with RUN --mount=type=bind,from= and a tmpfs that leaves nothing behind', async () => {
    const result = await build({
      Dockerfile: [
        'FROM busybox AS tools',
        'RUN mkdir /tools && echo "tool output" > /tools/out.txt',
        'FROM busybox',
        'RUN --mount=type=bind,from=tools,source=/tools,target=/mnt/tools --mount=type=tmpfs,target=/scratch \\',
        '    cat /mnt/tools/out.txt > /result && echo temp > /scratch/file && ! touch /mnt/tools/x 2>/dev/null',
      ].join('\n'),
    });
    expect(result.error).toBeUndefined();
    expect(
      await run(result.id as string, ['sh', '-c', 'cat /result; ls -A /scratch /mnt 2>&1 | wc -l']),
    ).toMatch(/^tool output\n/);
    const leftovers = await run(result.id as string, [
      'sh',
      '-c',
      'ls /scratch /mnt/tools 2>/dev/null | wc -l',
    ]);
    expect(leftovers.trim()).toBe('0');
  });

  it('builds independent stages at the same time', async () => {
    const stage = (name: string) => [`FROM busybox AS ${name}`, `RUN sleep 1 && echo ${name} > /${name}`];
    const result = await build({
      Dockerfile: [
        ...stage('one'),
        ...stage('two'),
        ...stage('three'),
        'FROM busybox',
        'COPY --from=one /one /one',
        'COPY --from=two /two /two',
        'COPY --from=three /three /three',
      ].join('\n'),
    });
    expect(result.error).toBeUndefined();
    // Each sleeping RUN takes a second; all three start before the first one ends.
    const text = new Map<number, string>();
    for (const m of result.messages) if (m.berth?.kind === 'step') text.set(m.berth.step, m.berth.text);
    const isSleep = (m: BuildMessage) =>
      m.berth !== undefined && text.get(m.berth.step)?.startsWith('RUN sleep') === true;
    const firstDone = result.messages.findIndex((m) => m.berth?.kind === 'done' && isSleep(m));
    const startedBefore = result.messages
      .slice(0, firstDone)
      .filter((m) => m.berth?.kind === 'step' && isSleep(m));
    expect(startedBefore).toHaveLength(3);
    expect(await run(result.id as string, ['cat', '/one', '/two', '/three'])).toBe('one\ntwo\nthree\n');
  });

  it('keeps the source directories with COPY --parents, and refuses RUN --security=insecure', async () => {
    const result = await build({
      Dockerfile: 'FROM busybox\nCOPY --parents a/one.txt b/c/two.txt /out/\n',
      'a/one.txt': '1',
      'b/c/two.txt': '2',
    });
    expect(result.error).toBeUndefined();
    expect(await run(result.id as string, ['cat', '/out/a/one.txt', '/out/b/c/two.txt'])).toBe('12');
    const insecure = await build({ Dockerfile: 'FROM busybox\nRUN --security=insecure true\n' });
    expect(insecure.error).toMatch(/Dockerfile:2.*--security=insecure is not allowed/);
  });

  it('names the file and line of a Dockerfile it cannot parse', async () => {
    const result = await build({ Dockerfile: 'FROM busybox\nRUN true\nCOPPY a b\n' });
    expect(result.error).toMatch(/Dockerfile:3: unknown instruction: COPPY/);
  });
});
