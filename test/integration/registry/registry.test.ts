// Pull and push against Debian's docker-registry on 127.0.0.1: round trips of a one-layer and a multi-layer
// image (same digest, and it runs), chunked upload and cross-repository mount, a multi-platform index, a
// corrupted blob refused with nothing left behind, and an interrupted download resumed with Range.
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageInspect, ProgressMessage } from '../../../src/engine/api/images.js';
import { encodeRegistryAuth, type AuthConfig } from '../../../src/engine/api/registry.js';
import { jsonLines } from '../../../src/engine/client/index.js';
import { startContainerEngine, IMAGE, type ContainerEngine } from '../container/fixture.js';
import { pushPlatformImage, putManifest, tarOf, writeArchive } from './images.js';
import { startFront, startRegistry, type Front, type Registry } from './registry-fixture.js';

let e: ContainerEngine;
let registry: Registry;

beforeAll(async () => {
  e = await startContainerEngine();
  registry = await startRegistry();
}, 60_000);
afterAll(async () => {
  await registry?.stop();
  await e?.cleanup();
});

export async function progressOf(
  stream: AsyncIterable<unknown> & NodeJS.ReadableStream,
): Promise<ProgressMessage[]> {
  const messages: ProgressMessage[] = [];
  for await (const line of jsonLines(stream as never)) messages.push(JSON.parse(line) as ProgressMessage);
  return messages;
}

async function pull(
  name: string,
  options: { platform?: string; auth?: AuthConfig } = {},
): Promise<ProgressMessage[]> {
  const response = await e.client.stream({
    method: 'POST',
    path: '/images/create',
    query: { fromImage: name, ...(options.platform ? { platform: options.platform } : {}) },
    headers: options.auth ? { 'X-Registry-Auth': encodeRegistryAuth(options.auth) } : {},
  });
  return progressOf(response);
}

async function push(name: string, tag: string, auth?: AuthConfig): Promise<ProgressMessage[]> {
  const response = await e.client.stream({
    method: 'POST',
    path: `/images/${name}/push`,
    query: { tag },
    headers: auth ? { 'X-Registry-Auth': encodeRegistryAuth(auth) } : {},
  });
  return progressOf(response);
}

const inspect = (name: string) => e.client.requestJson<ImageInspect>({ path: `/images/${name}/json` });
const tag = (source: string, repo: string, tagName: string) =>
  e.client.request({ method: 'POST', path: `/images/${source}/tag`, query: { repo, tag: tagName } });
const remove = (name: string) => e.client.request({ method: 'DELETE', path: `/images/${name}` });
const errorsOf = (messages: ProgressMessage[]) => messages.filter((m) => m.error !== undefined);

function pushedDigest(messages: ProgressMessage[], tagName: string): string {
  const line = messages.find((m) => m.status?.startsWith(`${tagName}: digest: `));
  expect(line?.status).toMatch(/^\S+: digest: sha256:[0-9a-f]{64} size: \d+$/);
  return /sha256:[0-9a-f]{64}/.exec(line?.status ?? '')?.[0] ?? '';
}

async function runCat(image: string, file: string): Promise<string> {
  const { id, exitCode } = await e.run({ Image: image, Cmd: ['cat', file] });
  expect(exitCode).toBe(0);
  const out = await e.logs(id);
  await e.client.request({ method: 'DELETE', path: `/containers/${id}`, query: { force: true } });
  return out;
}

describe('registry round trips', () => {
  it('pushes the busybox image, removes it, pulls it back with the same digest, and runs it', async () => {
    const repo = `${registry.host}/bb`;
    await tag(IMAGE, repo, 'one');
    const before = await inspect(`${repo}:one`);
    const pushed = await push(repo, 'one');
    expect(errorsOf(pushed)).toEqual([]);
    expect(pushed[0]?.status).toBe(`The push refers to repository [${repo}]`);
    expect(pushed.some((m) => m.status === 'Pushed')).toBe(true);
    const digest = pushedDigest(pushed, 'one');
    expect(pushed.some((m) => (m.aux as { Digest?: string } | undefined)?.Digest === digest)).toBe(true);

    await remove(`${repo}:one`);
    await expect(inspect(`${repo}:one`)).rejects.toThrow(/No such image/);
    const pulled = await pull(`${repo}:one`);
    expect(errorsOf(pulled)).toEqual([]);
    const statuses = pulled.map((m) => m.status);
    expect(statuses).toContain('Pulling from bb');
    expect(statuses).toContain(`Digest: ${digest}`);
    expect(statuses).toContain(`Status: Downloaded newer image for ${repo}:one`);
    const after = await inspect(`${repo}:one`);
    expect(after.Id).toBe(before.Id);
    expect(after.RepoDigests).toContain(`${repo}@${digest}`);
    const { id, exitCode } = await e.run({ Image: `${repo}:one`, Cmd: ['echo', 'pulled and running'] });
    expect(exitCode).toBe(0);
    expect(await e.logs(id)).toContain('pulled and running');
    await e.client.request({ method: 'DELETE', path: `/containers/${id}`, query: { force: true } });

    const again = await pull(`${repo}:one`);
    expect(again.map((m) => m.status)).toContain(`Status: Image is up to date for ${repo}:one`);
    const by = await pull(`${repo}@${digest}`);
    expect(errorsOf(by)).toEqual([]);
  }, 120_000);

  it('pushes a multi-layer image in chunks, mounts it across repositories, and pulls it back', async () => {
    const archive = path.join(e.dir, 'multi.tar');
    const base = await tarOf({ 'data/hello.txt': 'hello from layer two\n' });
    const big = await tarOf({ 'data/random.bin': randomBytes(20 * 1024 * 1024) });
    const top = await tarOf({ 'data/more.txt': 'third layer\n' });
    const busybox = await readBusyboxTar(e);
    await writeArchive(archive, 'multi:src', [
      { tar: busybox },
      { tar: base, gzip: true },
      { tar: big },
      { tar: top, gzip: true },
    ]);
    await e.client.request({ method: 'POST', path: '/images/load', body: createReadStream(archive) });
    const repo = `${registry.host}/team/multi`;
    await tag('multi:src', repo, 'v1');
    const pushed = await push(repo, 'v1');
    expect(errorsOf(pushed)).toEqual([]);
    expect(pushed.filter((m) => m.status === 'Pushed')).toHaveLength(4);
    expect(
      pushed.some(
        (m) =>
          m.status === 'Pushing' &&
          (m.progressDetail?.current ?? 0) > 0 &&
          (m.progressDetail?.current ?? 0) < (m.progressDetail?.total ?? 0),
      ),
    ).toBe(true);
    const digest = pushedDigest(pushed, 'v1');

    // Same registry, another repository: every blob is mounted rather than uploaded.
    const other = `${registry.host}/other/copy`;
    await tag('multi:src', other, 'v1');
    const mounted = await push(other, 'v1');
    expect(errorsOf(mounted)).toEqual([]);
    expect(mounted.filter((m) => m.status === 'Mounted from team/multi')).toHaveLength(4);
    expect(pushedDigest(mounted, 'v1')).toBe(digest);

    for (const name of [`${repo}:v1`, `${other}:v1`, 'multi:src']) await remove(name);
    const pulled = await pull(`${repo}:v1`);
    expect(errorsOf(pulled)).toEqual([]);
    expect(pulled.filter((m) => m.status === 'Pull complete')).toHaveLength(4);
    expect(pulled.some((m) => m.status === 'Downloading' && m.progressDetail?.total !== undefined)).toBe(
      true,
    );
    expect(await runCat(`${repo}:v1`, '/data/hello.txt')).toContain('hello from layer two');
    expect(await runCat(`${repo}:v1`, '/data/more.txt')).toContain('third layer');
    // The same image under another name: every layer is already here, nothing is downloaded.
    const copy = await pull(`${other}:v1`);
    expect(errorsOf(copy)).toEqual([]);
    expect(copy.filter((m) => m.status === 'Already exists')).toHaveLength(4);
    expect(copy.some((m) => m.status === 'Downloading')).toBe(false);
    expect((await inspect(`${other}:v1`)).Id).toBe((await inspect(`${repo}:v1`)).Id);
  }, 180_000);

  it('pulls the linux/amd64 image (zstd layer) of a multi-platform index, and another with --platform', async () => {
    const repo = 'multiarch';
    // The amd64 layer is zstd-compressed: pulling it unpacks (and checks the diffID of) a tar+zstd layer.
    const amd64 = await pushPlatformImage(
      registry.host,
      repo,
      { os: 'linux', architecture: 'amd64' },
      'zstd',
    );
    const arm64 = await pushPlatformImage(registry.host, repo, {
      os: 'linux',
      architecture: 'arm64',
      variant: 'v8',
    });
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [arm64, amd64],
      }),
    );
    await putManifest(registry.host, repo, 'latest', 'application/vnd.oci.image.index.v1+json', index);
    const pulled = await pull(`${registry.host}/${repo}`);
    expect(errorsOf(pulled)).toEqual([]);
    const image = await inspect(`${registry.host}/${repo}`);
    expect(image.Architecture).toBe('amd64');
    const indexDigest = pulled
      .find((m) => m.status?.startsWith('Digest: '))
      ?.status?.slice('Digest: '.length);
    expect(image.RepoDigests).toContain(`${registry.host}/${repo}@${indexDigest}`);
    await remove(`${registry.host}/${repo}`);
    const arm = await pull(`${registry.host}/${repo}:latest`, { platform: 'linux/arm64' });
    expect(errorsOf(arm)).toEqual([]);
    expect((await inspect(`${registry.host}/${repo}`)).Architecture).toBe('arm64');
    await remove(`${registry.host}/${repo}`);
  }, 60_000);

  it('answers 404 with a clear message for a missing repository or tag', async () => {
    // distribution answers MANIFEST_UNKNOWN for an unknown repository too; Docker words it the same way.
    await expect(pull(`${registry.host}/nothing-here:1`)).rejects.toThrow(
      `manifest for ${registry.host}/nothing-here:1 not found: manifest unknown`,
    );
    await expect(pull(`${registry.host}/bb:missing`)).rejects.toThrow(
      `manifest for ${registry.host}/bb:missing not found`,
    );
    await expect(push(`${registry.host}/never`, 'x')).rejects.toThrow(
      `An image does not exist locally with the tag: ${registry.host}/never:x`,
    );
  });
});

describe('verification and resumption', () => {
  let front: Front | undefined;
  afterAll(async () => {
    await front?.stop();
  });

  async function pushRandomImage(repo: string): Promise<{ layerDigest: string; name: string }> {
    const archive = path.join(e.dir, `${repo}.tar`);
    await writeArchive(archive, `${repo}:src`, [
      { tar: await readBusyboxTar(e) },
      { tar: await tarOf({ 'payload.bin': randomBytes(4 * 1024 * 1024) }), gzip: true },
    ]);
    await e.client.request({ method: 'POST', path: '/images/load', body: createReadStream(archive) });
    await tag(`${repo}:src`, `${registry.host}/${repo}`, 'v1');
    expect(errorsOf(await push(`${registry.host}/${repo}`, 'v1'))).toEqual([]);
    const manifest = (await (
      await fetch(`http://${registry.host}/v2/${repo}/manifests/v1`, {
        headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' },
      })
    ).json()) as { layers: { digest: string }[] };
    await remove(`${repo}:src`);
    await remove(`${registry.host}/${repo}:v1`);
    return { layerDigest: manifest.layers[1]?.digest ?? '', name: repo };
  }

  it('refuses a corrupted blob and leaves nothing of it behind', async () => {
    const { layerDigest, name } = await pushRandomImage('corrupt');
    front = await startFront(registry.host, { corruptBlob: layerDigest });
    const messages = await pull(`${front.host}/${name}:v1`);
    const failure = errorsOf(messages)[0];
    expect(failure?.error).toContain(`failed to verify blob ${layerDigest}`);
    expect(failure?.error).toContain('digest mismatch');
    await expect(inspect(`${front.host}/${name}:v1`)).rejects.toThrow(/No such image/);
    const blobs = await readdir(path.join(e.config.root, 'blobs', 'sha256'));
    expect(blobs).not.toContain(layerDigest.slice(7));
    const temp = await readdir(path.join(e.config.root, 'tmp')).catch(() => []);
    expect(temp.filter((f) => f.includes(layerDigest.slice(7)))).toEqual([]);
    await front.stop();
    front = undefined;
  }, 120_000);

  it('resumes a download the connection cut, with a Range request', async () => {
    const { layerDigest, name } = await pushRandomImage('resume');
    front = await startFront(registry.host, { cutBlobOnce: layerDigest });
    const messages = await pull(`${front.host}/${name}:v1`);
    expect(errorsOf(messages)).toEqual([]);
    expect(front.ranges.some((r) => /^bytes=[1-9]\d*-$/.test(r))).toBe(true);
    expect(await runCat(`${front.host}/${name}:v1`, '/etc/group')).toContain('root');
    await front.stop();
    front = undefined;
  }, 120_000);
});

async function readBusyboxTar(engine: ContainerEngine): Promise<Buffer> {
  const { makeBusyboxTar } = await import('../../helpers/rootfs.js');
  const file = path.join(engine.dir, 'bb-layer.tar');
  await makeBusyboxTar(file);
  const { readFile } = await import('node:fs/promises');
  return readFile(file);
}
