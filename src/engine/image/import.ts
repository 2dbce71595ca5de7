// `docker import`: a root filesystem tar (plain or gzip) becomes a one-layer image. Invariant: the layer is
// stored uncompressed, so its blob digest is its diffID, and the image is registered only once the layer has
// unpacked cleanly.

import type { Readable } from 'node:stream';
import type { BlobStore } from './blob-store.js';
import { openDecompressed } from './compression.js';
import type { Image, ImageStore, Manifest } from './image-store.js';
import { applyChanges } from './import-changes.js';
import { MediaType } from './media-types.js';
import { hostPlatform } from './platform.js';

export interface ImportOptions {
  /** Tag for the new image (`name`, `name:tag`). */
  repoTag?: string;
  /** Dockerfile-like instructions applied to the config (`CMD ["sh"]`, `ENV A=b`). */
  changes?: string[];
  /** Comment recorded in the history. */
  message?: string;
  now?: Date;
}

export async function importRootfsTar(
  store: ImageStore,
  source: Readable | AsyncIterable<Uint8Array>,
  options: ImportOptions = {},
): Promise<Image> {
  const { stream } = await openDecompressed(source, 'imported archive');
  const layer = await store.blobs.ingest(stream);
  // Unpack first: an unsafe or broken tar fails here, before any config or record exists.
  await store.layers.unpack(undefined, layer.digest, () => store.blobs.open(layer.digest));
  const created = (options.now ?? new Date()).toISOString();
  const platform = hostPlatform();
  const config = {
    architecture: platform.architecture,
    ...(platform.variant === undefined ? {} : { variant: platform.variant }),
    os: platform.os,
    created,
    config: applyChanges({}, options.changes ?? []),
    rootfs: { type: 'layers', diff_ids: [layer.digest] },
    history: [{ created, comment: options.message ?? 'Imported from -', created_by: '' }],
  };
  const manifest = await storeManifest(store.blobs, config, [
    { mediaType: MediaType.ociLayer, digest: layer.digest, size: layer.size },
  ]);
  let image = await store.register(manifest);
  if (options.repoTag !== undefined && options.repoTag !== '') {
    await store.tag(image.id, options.repoTag);
    image = (await store.get(image.id)) ?? image;
  }
  return image;
}

/** Stores a config and an OCI manifest over already-stored layer blobs; returns the manifest digest. */
export async function storeManifest(
  blobs: BlobStore,
  config: object,
  layers: Manifest['layers'],
): Promise<Manifest['config']['digest']> {
  const configBytes = Buffer.from(JSON.stringify(config));
  const stored = await blobs.ingest(configBytes);
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: stored.digest, size: stored.size },
    layers,
  };
  return (await blobs.ingest(Buffer.from(JSON.stringify(manifest)))).digest;
}
