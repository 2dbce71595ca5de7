// `docker load`: reads an image archive in any of the three layouts found in the wild and registers its images
// with their tags:
//   - docker-archive, old form: manifest.json + <id>/layer.tar (+ <id>.json configs, `repositories`);
//   - docker-archive as Docker 25+ writes it: manifest.json whose paths point into an OCI layout's blobs/;
//   - a plain OCI layout tar: oci-layout + index.json + blobs/sha256/<hex>.
// Invariant: files under blobs/sha256/ are verified against their names as they are ingested, and every layer
// is checked against the config's diffIDs when unpacked, so a tampered archive registers nothing wrong.

import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { BerthError } from '../../shared/errors.js';
import { detectCompression } from './compression.js';
import { isDigest, parseDigest, type Digest } from './digest.js';
import type { Descriptor, Image, ImageStore, Manifest } from './image-store.js';
import { isIndexMediaType, MediaType } from './media-types.js';
import { hostPlatform } from './platform.js';
import { isReference, parseReferenceWithDefaultTag, referenceString } from './reference.js';

export interface LoadedImage {
  image: Image;
  /** Full names tagged by this load. */
  tags: string[];
}

const METADATA_LIMIT = 16 * 1024 * 1024;
const BLOB_PATH = /^blobs\/sha256\/([0-9a-f]{64})$/;

interface ArchiveFiles {
  /** Small metadata files kept in memory. */
  meta: Map<string, Buffer>;
  /** Everything else, already in the blob store. */
  blobs: Map<string, Digest>;
  symlinks: Map<string, string>;
}

export async function loadArchive(
  store: ImageStore,
  source: Readable | AsyncIterable<Uint8Array>,
): Promise<LoadedImage[]> {
  const files = await readArchive(store, source);
  const results = new Map<Digest, { manifest: Digest; tags: Set<string> }>();
  const add = (config: Digest, manifest: Digest, tags: Iterable<string>) => {
    const entry = results.get(config) ?? { manifest, tags: new Set<string>() };
    for (const tag of tags) entry.tags.add(tag);
    results.set(config, entry);
  };

  const index = jsonOf<{ manifests?: Descriptor[] }>(files, 'index.json');
  const dockerManifest = jsonOf<DockerManifestEntry[]>(files, 'manifest.json');
  if (index === undefined && dockerManifest === undefined) {
    throw new BerthError(
      'InvalidArgument',
      'not an image archive: it has neither manifest.json nor index.json',
    );
  }
  for (const descriptor of index?.manifests ?? []) {
    for (const manifest of await imageManifests(store, descriptor)) {
      add((await store.readManifest(manifest)).config.digest, manifest, tagsOf(descriptor));
    }
  }
  for (const entry of dockerManifest ?? []) {
    const config = await digestOf(store, files, entry.Config);
    const tags = (entry.RepoTags ?? []).map((t) => referenceString(parseReferenceWithDefaultTag(t)));
    const known = results.get(config);
    if (known !== undefined) {
      add(config, known.manifest, tags);
      continue;
    }
    const layers: Descriptor[] = [];
    for (const path of entry.Layers ?? []) {
      const digest = await digestOf(store, files, path);
      const head = await readHead(store, digest);
      const gzip = detectCompression(head) === 'gzip';
      layers.push({
        mediaType: gzip ? MediaType.dockerLayerGzip : MediaType.dockerLayer,
        digest,
        size: await store.blobs.size(digest),
      });
    }
    const manifest: Manifest = {
      schemaVersion: 2,
      mediaType: MediaType.dockerManifest,
      config: { mediaType: MediaType.dockerConfig, digest: config, size: await store.blobs.size(config) },
      layers,
    };
    add(config, (await store.blobs.ingest(Buffer.from(JSON.stringify(manifest)))).digest, tags);
  }

  const loaded: LoadedImage[] = [];
  for (const [, { manifest, tags }] of results) {
    const image = await store.register(manifest);
    for (const tag of tags) await store.tag(image.id, tag);
    loaded.push({ image: (await store.get(image.id)) ?? image, tags: [...tags].sort() });
  }
  return loaded;
}

interface DockerManifestEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers?: string[];
}

async function readArchive(
  store: ImageStore,
  source: Readable | AsyncIterable<Uint8Array>,
): Promise<ArchiveFiles> {
  const files: ArchiveFiles = { meta: new Map(), blobs: new Map(), symlinks: new Map() };
  const extract = tar.extract();
  const feeding = pipeline(source, extract);
  feeding.catch(() => undefined); // awaited below; this only stops an early rejection going unhandled
  for await (const item of extract) {
    const { header } = item;
    const entry = item as unknown as AsyncIterable<Uint8Array>;
    const name = posix.normalize(header.name).replace(/^(\.\/)+|\/+$/g, '');
    if (header.type === 'symlink') {
      files.symlinks.set(name, posix.normalize(posix.join(posix.dirname(name), header.linkname)));
    } else if (header.type === 'file' || header.type === 'contiguous-file') {
      const blob = BLOB_PATH.exec(name);
      if (blob !== null) {
        files.blobs.set(name, (await store.blobs.ingest(entry, `sha256:${blob[1] as string}`)).digest);
      } else if (header.size <= METADATA_LIMIT && isMetadataName(name)) {
        const chunks: Buffer[] = [];
        for await (const chunk of entry) chunks.push(chunk as Buffer);
        files.meta.set(name, Buffer.concat(chunks));
      } else {
        files.blobs.set(name, (await store.blobs.ingest(entry)).digest);
      }
    }
    item.resume();
  }
  await feeding;
  return files;
}

function isMetadataName(name: string): boolean {
  return (
    name.endsWith('.json') ||
    name.endsWith('/json') ||
    name === 'repositories' ||
    name === 'oci-layout' ||
    name.endsWith('/VERSION')
  );
}

function resolvePath(files: ArchiveFiles, path: string): string {
  let current = posix.normalize(path).replace(/^(\.\/)+/, '');
  for (let hops = 0; files.symlinks.has(current); hops++) {
    if (hops > 16) throw new BerthError('InvalidArgument', `archive path ${path}: too many symbolic links`);
    current = files.symlinks.get(current) as string;
  }
  return current;
}

function jsonOf<T>(files: ArchiveFiles, path: string): T | undefined {
  const bytes = files.meta.get(resolvePath(files, path));
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch (error) {
    throw new BerthError('InvalidArgument', `archive file ${path} is not valid JSON`, { cause: error });
  }
}

/** The digest of an archive file, ingesting it first if it was kept in memory as metadata. */
async function digestOf(store: ImageStore, files: ArchiveFiles, path: string): Promise<Digest> {
  const resolved = resolvePath(files, path);
  const stored = files.blobs.get(resolved);
  if (stored !== undefined) return stored;
  const bytes = files.meta.get(resolved);
  if (bytes === undefined) throw new BerthError('InvalidArgument', `archive lacks ${path}`);
  const digest = (await store.blobs.ingest(bytes)).digest;
  files.blobs.set(resolved, digest);
  return digest;
}

async function readHead(store: ImageStore, digest: Digest): Promise<Buffer> {
  const stream = await store.blobs.open(digest);
  for await (const chunk of stream) {
    stream.destroy();
    return chunk as Buffer;
  }
  return Buffer.alloc(0);
}

/** The image manifests a descriptor leads to: itself, or the host platform's entry of an index. */
async function imageManifests(store: ImageStore, descriptor: Descriptor): Promise<Digest[]> {
  const digest = parseDigest(descriptor.digest, 'index.json manifest digest');
  if (!(await store.blobs.has(digest)))
    throw new BerthError('InvalidArgument', `archive lacks blob ${digest}`);
  const raw = await store.blobs.readJson<{ mediaType?: string; manifests?: Descriptor[] }>(digest);
  if (
    !isIndexMediaType(descriptor.mediaType) &&
    !isIndexMediaType(raw.mediaType) &&
    !Array.isArray(raw.manifests)
  ) {
    return [digest];
  }
  const candidates = (raw.manifests ?? []).filter(
    (m) => isDigest(m.digest) && m.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest',
  );
  const host = hostPlatform();
  const chosen =
    candidates.find((m) => m.platform?.os === host.os && m.platform.architecture === host.architecture) ??
    candidates.find((m) => m.platform === undefined || m.platform.os !== 'unknown');
  if (chosen === undefined)
    throw new BerthError('NotFound', `index ${digest} has no image for ${host.os}/${host.architecture}`);
  return imageManifests(store, chosen);
}

/** Names given by index.json annotations: containerd's full name, or a ref.name that is a full reference. */
function tagsOf(descriptor: Descriptor): string[] {
  const full = descriptor.annotations?.['io.containerd.image.name'];
  const refName = descriptor.annotations?.['org.opencontainers.image.ref.name'];
  const candidate = full ?? (refName !== undefined && /[/:]/.test(refName) ? refName : undefined);
  if (candidate === undefined || !isReference(candidate)) return [];
  const ref = parseReferenceWithDefaultTag(candidate);
  return ref.digest === undefined ? [referenceString(ref)] : [];
}
