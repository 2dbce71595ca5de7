import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dockerArchive, imageConfig, platformOfDpkgArch, rootfsLayer } from './archive.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'berth-archive-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function entries(stream: NodeJS.ReadableStream): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const extract = tar.extract();
  extract.on('entry', (header, body, next) => {
    const chunks: Buffer[] = [];
    body.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
    body.on('end', () => {
      files.set(header.name, Buffer.concat(chunks));
      next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
    stream.pipe(extract as unknown as NodeJS.WritableStream);
  });
  return files;
}

describe('imageConfig', () => {
  it('is the official config, created at SOURCE_DATE_EPOCH', () => {
    const config = imageConfig(
      { diffId: 'sha256:ab' },
      { architecture: 'amd64', epoch: 1746869341, createdBy: 'made', comment: 'why' },
    );
    expect(config).toEqual({
      architecture: 'amd64',
      os: 'linux',
      created: '2025-05-10T09:29:01.000Z',
      config: {
        Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
        Cmd: ['bash'],
      },
      rootfs: { type: 'layers', diff_ids: ['sha256:ab'] },
      history: [{ created: '2025-05-10T09:29:01.000Z', created_by: 'made', comment: 'why' }],
    });
    expect(platformOfDpkgArch('arm64')).toEqual({ architecture: 'arm64', variant: 'v8' });
  });
});

describe('dockerArchive', () => {
  it('holds the config, the layer under its diffID and a manifest naming both', async () => {
    const rootfs = path.join(dir, 'rootfs.tar');
    await writeFile(rootfs, Buffer.alloc(2048, 7));
    const layer = await rootfsLayer(rootfs);
    expect(layer.size).toBe(2048);
    const config = imageConfig(layer, { architecture: 'amd64', epoch: 0, createdBy: '', comment: '' });
    const files = await entries(dockerArchive(layer, config, ['debian:bookworm']));
    const manifest = JSON.parse(files.get('manifest.json')!.toString()) as Array<{
      Config: string;
      RepoTags: string[];
      Layers: string[];
    }>;
    expect(manifest).toHaveLength(1);
    expect(manifest[0]!.RepoTags).toEqual(['debian:bookworm']);
    expect(manifest[0]!.Layers).toEqual([`${layer.diffId.slice(7)}/layer.tar`]);
    expect(JSON.parse(files.get(manifest[0]!.Config)!.toString())).toEqual(config);
    expect(files.get(manifest[0]!.Layers[0]!)).toEqual(Buffer.alloc(2048, 7));
  });
});
