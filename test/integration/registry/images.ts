// Test material for the registry suites: small tars made in memory, docker-archive images composed from them
// (several layers, some gzip-compressed), and blobs and manifests put into a registry by hand.

import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import * as tar from 'tar-stream';

export const sha256 = (data: Uint8Array | string): string =>
  `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** An uncompressed tar of the given files (directories made as needed, mode 0644, owned by root). */
export async function tarOf(files: Record<string, string | Buffer>): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (c) => chunks.push(c as Buffer));
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  const dirs = new Set<string>();
  for (const name of Object.keys(files)) {
    const parts = name.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  for (const dir of [...dirs].sort()) pack.entry({ name: `${dir}/`, type: 'directory', mode: 0o755 });
  for (const [name, content] of Object.entries(files)) pack.entry({ name, mode: 0o644 }, content);
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export interface LayerInput {
  tar: Buffer;
  gzip?: boolean;
}

/** Writes a docker-archive (manifest.json + config + layer files) holding one image tagged `tag`. */
export async function writeArchive(
  file: string,
  tag: string,
  layers: readonly LayerInput[],
  config: Record<string, unknown> = {},
): Promise<void> {
  const imageConfig = {
    architecture: 'amd64',
    os: 'linux',
    created: '2026-01-01T00:00:00Z',
    config: { Cmd: ['sh'], Env: ['PATH=/usr/bin:/bin'] },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => sha256(l.tar)) },
    history: layers.map(() => ({ created: '2026-01-01T00:00:00Z', created_by: 'test' })),
    ...config,
  };
  const configBytes = Buffer.from(JSON.stringify(imageConfig));
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve) => pack.on('end', resolve));
  pack.on('data', (c) => chunks.push(c as Buffer));
  const layerNames: string[] = [];
  for (const [i, layer] of layers.entries()) {
    const name = `layer${i}.tar${layer.gzip === true ? '.gz' : ''}`;
    pack.entry({ name }, layer.gzip === true ? gzipSync(layer.tar) : layer.tar);
    layerNames.push(name);
  }
  pack.entry({ name: 'config.json' }, configBytes);
  pack.entry(
    { name: 'manifest.json' },
    JSON.stringify([{ Config: 'config.json', RepoTags: [tag], Layers: layerNames }]),
  );
  pack.finalize();
  await done;
  await writeFile(file, Buffer.concat(chunks));
}

/** Uploads a blob monolithically (POST then PUT ?digest=) unless the registry has it. */
export async function putBlob(
  host: string,
  repo: string,
  bytes: Buffer,
): Promise<{ digest: string; size: number }> {
  const digest = sha256(bytes);
  const start = await fetch(`http://${host}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  await start.body?.cancel();
  const location = new URL(start.headers.get('location') ?? '', `http://${host}`);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, {
    method: 'PUT',
    body: bytes,
    headers: { 'Content-Type': 'application/octet-stream' },
  });
  if (put.status !== 201) throw new Error(`blob upload answered ${put.status}: ${await put.text()}`);
  return { digest, size: bytes.length };
}

/** PUTs a manifest or index under `reference` (a tag or its digest). */
export async function putManifest(
  host: string,
  repo: string,
  reference: string,
  mediaType: string,
  body: Buffer,
): Promise<void> {
  const put = await fetch(`http://${host}/v2/${repo}/manifests/${reference}`, {
    method: 'PUT',
    body,
    headers: { 'Content-Type': mediaType },
  });
  if (put.status !== 201) throw new Error(`manifest PUT answered ${put.status}: ${await put.text()}`);
}

/** A single-layer OCI image for one platform, pushed by digest; returns its index entry. */
export async function pushPlatformImage(
  host: string,
  repo: string,
  platform: { os: string; architecture: string; variant?: string },
  compression: 'gzip' | 'zstd' = 'gzip',
): Promise<{ mediaType: string; digest: string; size: number; platform: typeof platform }> {
  const layer = await tarOf({ 'platform.txt': `${platform.architecture}\n` });
  const compressed =
    compression === 'gzip'
      ? gzipSync(layer)
      : Buffer.from((await execa('zstd', ['-q', '-c'], { input: layer, encoding: 'buffer' })).stdout);
  const layerBlob = await putBlob(host, repo, compressed);
  const config = Buffer.from(
    JSON.stringify({
      ...platform,
      config: { Cmd: ['cat', '/platform.txt'] },
      rootfs: { type: 'layers', diff_ids: [sha256(layer)] },
    }),
  );
  const configBlob = await putBlob(host, repo, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...configBlob },
      layers: [{ mediaType: `application/vnd.oci.image.layer.v1.tar+${compression}`, ...layerBlob }],
    }),
  );
  const digest = sha256(manifest);
  await putManifest(host, repo, digest, 'application/vnd.oci.image.manifest.v1+json', manifest);
  return { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: manifest.length, platform };
}
