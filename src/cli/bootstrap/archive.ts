// A bootstrapped root filesystem as a one-layer docker-archive (manifest.json, <id>.json, <id>/layer.tar), the
// form `POST /images/load` takes on berth's engine and on Docker's or Podman's alike. Loading an archive rather
// than importing the tar is what lets the image keep a config of our making: `created` at SOURCE_DATE_EPOCH
// and a history entry saying how it was made. Invariant: the layer is the uncompressed tar, so its sha256 is
// the config's diffID.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';

export interface RootfsLayer {
  path: string;
  size: number;
  /** `sha256:<hex>` of the tar. */
  diffId: string;
}

export interface ImageConfigInput {
  architecture: string;
  variant?: string;
  /** SOURCE_DATE_EPOCH. */
  epoch: number;
  createdBy: string;
  comment: string;
}

/** The PATH of the official Debian and Ubuntu images. */
export const OFFICIAL_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Hashes and sizes a rootfs tar. */
export async function rootfsLayer(path: string): Promise<RootfsLayer> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return { path, size: (await stat(path)).size, diffId: `sha256:${hash.digest('hex')}` };
}

/** The image config of a bootstrapped image, as the official images have it (Cmd bash, PATH). Pure. */
export function imageConfig(layer: Pick<RootfsLayer, 'diffId'>, input: ImageConfigInput): object {
  const created = new Date(input.epoch * 1000).toISOString();
  return {
    architecture: input.architecture,
    ...(input.variant === undefined ? {} : { variant: input.variant }),
    os: 'linux',
    created,
    config: { Env: [OFFICIAL_PATH], Cmd: ['bash'] },
    rootfs: { type: 'layers', diff_ids: [layer.diffId] },
    history: [{ created, created_by: input.createdBy, comment: input.comment }],
  };
}

/** The OCI platform of dpkg's host architecture (what mmdebstrap builds by default). Pure. */
export function platformOfDpkgArch(arch: string): { architecture: string; variant?: string } {
  const known: Record<string, { architecture: string; variant?: string }> = {
    amd64: { architecture: 'amd64' },
    arm64: { architecture: 'arm64', variant: 'v8' },
    armhf: { architecture: 'arm', variant: 'v7' },
    armel: { architecture: 'arm', variant: 'v5' },
    i386: { architecture: '386' },
    ppc64el: { architecture: 'ppc64le' },
    s390x: { architecture: 's390x' },
    riscv64: { architecture: 'riscv64' },
  };
  return known[arch] ?? { architecture: arch };
}

/** Streams the docker-archive; the big layer is read from disk as the archive is consumed. */
export function dockerArchive(layer: RootfsLayer, config: object, repoTags: readonly string[]): Readable {
  const configBytes = Buffer.from(JSON.stringify(config));
  const configName = `${createHash('sha256').update(configBytes).digest('hex')}.json`;
  const layerName = `${layer.diffId.slice('sha256:'.length)}/layer.tar`;
  const manifest = [{ Config: configName, RepoTags: [...repoTags], Layers: [layerName] }];
  const mtime = new Date((config as { created?: string }).created ?? 0);
  const pack = tar.pack();
  const add = (name: string, body: Buffer) =>
    new Promise<void>((resolve, reject) =>
      pack.entry({ name, size: body.length, mode: 0o644, mtime }, body, (error) =>
        error ? reject(error) : resolve(),
      ),
    );
  const write = async () => {
    await add(configName, configBytes);
    await new Promise<void>((resolve, reject) => {
      const entry = pack.entry({ name: layerName, size: layer.size, mode: 0o644, mtime }, (error) =>
        error ? reject(error) : resolve(),
      );
      createReadStream(layer.path).on('error', reject).pipe(entry);
    });
    await add('manifest.json', Buffer.from(JSON.stringify(manifest)));
    pack.finalize();
  };
  write().catch((error: unknown) => pack.destroy(error as Error));
  return pack as unknown as Readable;
}
