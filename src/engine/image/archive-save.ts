// `docker save`: writes images as a tar that both `docker load` (old and new) and our loadArchive read — the
// layout Docker 25+ writes: an OCI image layout (oci-layout, index.json, blobs/sha256/…) plus the docker-archive
// manifest.json and `repositories` pointing into the same blobs. Invariant: each blob is written once, and
// entries come in a fixed order with fixed times, so saving the same images twice gives the same bytes.

import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { digestHex } from '../store/layout.js';
import type { Digest } from './digest.js';
import type { Descriptor, Image, ImageStore } from './image-store.js';
import { MediaType } from './media-types.js';
import {
  familiarName,
  familiarString,
  parseReference,
  parseReferenceWithDefaultTag,
  referenceString,
} from './reference.js';

const EPOCH = new Date(0);

export async function saveArchive(store: ImageStore, names: readonly string[], out: Writable): Promise<void> {
  const selected = await selectImages(store, names);
  const pack = tar.pack();
  const writing = pipeline(pack as unknown as NodeJS.ReadableStream, out);
  writing.catch(() => undefined); // awaited below
  try {
    await addEntry(pack, { name: 'blobs/', type: 'directory', mode: 0o755 });
    await addEntry(pack, { name: 'blobs/sha256/', type: 'directory', mode: 0o755 });
    const written = new Set<Digest>();
    const dockerManifest: Array<{ Config: string; RepoTags: string[] | null; Layers: string[] }> = [];
    const indexManifests: Descriptor[] = [];
    const repositories: Record<string, Record<string, string>> = {};
    for (const { image, tags } of selected) {
      const manifest = await store.readManifest(image.manifestDigest);
      for (const digest of [
        image.manifestDigest,
        manifest.config.digest,
        ...manifest.layers.map((l) => l.digest),
      ]) {
        if (written.has(digest)) continue;
        written.add(digest);
        await addBlob(pack, store, digest);
      }
      dockerManifest.push({
        Config: blobPath(manifest.config.digest),
        RepoTags: tags.length === 0 ? null : tags.map((t) => familiarString(t)),
        Layers: manifest.layers.map((l) => blobPath(l.digest)),
      });
      const descriptor: Descriptor = {
        mediaType: image.manifestMediaType,
        digest: image.manifestDigest,
        size: await store.blobs.size(image.manifestDigest),
      };
      if (tags.length === 0) indexManifests.push(descriptor);
      for (const tag of tags) {
        const ref = parseReference(tag);
        indexManifests.push({
          ...descriptor,
          annotations: {
            'io.containerd.image.name': tag,
            'org.opencontainers.image.ref.name': ref.tag ?? 'latest',
          },
        });
        (repositories[familiarName(ref.name)] ??= {})[ref.tag ?? 'latest'] = digestHex(image.id);
      }
    }
    const index = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: indexManifests };
    await addFile(pack, 'index.json', JSON.stringify(index));
    await addFile(pack, 'manifest.json', JSON.stringify(dockerManifest));
    await addFile(pack, 'oci-layout', JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    if (Object.keys(repositories).length > 0)
      await addFile(pack, 'repositories', JSON.stringify(repositories));
    pack.finalize();
  } catch (error) {
    pack.destroy(error as Error);
    throw error;
  }
  await writing;
}

/**
 * Which images to save with which tags, as `docker save` chooses: a tag saves that tag, a bare repository name
 * saves the image's tags in that repository, an ID saves the image untagged.
 */
async function selectImages(
  store: ImageStore,
  names: readonly string[],
): Promise<Array<{ image: Image; tags: string[] }>> {
  const byId = new Map<Digest, { image: Image; tags: Set<string> }>();
  for (const name of names) {
    const image = await store.resolve(name);
    const entry = byId.get(image.id) ?? { image, tags: new Set<string>() };
    byId.set(image.id, entry);
    let ref;
    try {
      ref = parseReference(name);
    } catch {
      continue; // an ID
    }
    if (ref.digest !== undefined) continue;
    if (ref.tag !== undefined) {
      const full = referenceString(parseReferenceWithDefaultTag(name));
      if (image.repoTags.includes(full)) entry.tags.add(full);
    } else {
      for (const tag of image.repoTags) if (parseReference(tag).name === ref.name) entry.tags.add(tag);
    }
  }
  return [...byId.values()].map(({ image, tags }) => ({ image, tags: [...tags].sort() }));
}

function blobPath(digest: Digest): string {
  return `blobs/sha256/${digestHex(digest)}`;
}

function addEntry(
  pack: tar.Pack,
  header: Partial<tar.Header> & { name: string },
  body?: string | Buffer,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const full = { mtime: EPOCH, uid: 0, gid: 0, ...header };
    const done = (error?: Error | null) => (error ? reject(error) : resolve());
    if (body === undefined) pack.entry(full, done);
    else pack.entry(full, body, done);
  });
}

function addFile(pack: tar.Pack, name: string, text: string): Promise<void> {
  return addEntry(pack, { name, mode: 0o644 }, Buffer.from(text));
}

async function addBlob(pack: tar.Pack, store: ImageStore, digest: Digest): Promise<void> {
  const size = await store.blobs.size(digest);
  const source = await store.blobs.open(digest);
  await new Promise<void>((resolve, reject) => {
    const sink = pack.entry(
      { name: blobPath(digest), size, mode: 0o644, mtime: EPOCH, uid: 0, gid: 0 },
      (error) => (error ? reject(error) : resolve()),
    );
    source.on('error', (error) => {
      sink.destroy(error);
      reject(error);
    });
    source.pipe(sink as unknown as NodeJS.WritableStream);
  });
}
