// Pushing an image's tags to a registry: each blob (layers, then config) is checked with HEAD, mounted from
// another repository of the same registry when a local image came from there, or uploaded — in one PUT when
// small, in PATCH chunks with Content-Range when large — and the manifest is PUT last with its media type, as
// stored (so its digest is the one the image already has). Invariant: the manifest goes up only after every
// blob it names is known to be in the repository.

import { open } from 'node:fs/promises';
import { BerthError } from '../../shared/errors.js';
import type { RegistryCredentials } from '../../shared/docker-config.js';
import type { RegistrySettings } from '../config.js';
import { sha256Of, type Digest } from '../image/digest.js';
import type { Descriptor, Image, ImageStore } from '../image/image-store.js';
import { MediaType } from '../image/media-types.js';
import { familiarName, parseReference, referenceString, type Reference } from '../image/reference.js';
import { RegistryClient } from './client.js';
import { endpointsFor } from './endpoints.js';
import { mapBounded, shortId, type ProgressSink } from './progress.js';

export interface PushOptions {
  /** The repository, without tag: `127.0.0.1:5000/app`. */
  ref: Reference;
  credentials?: RegistryCredentials | undefined;
  signal?: AbortSignal | undefined;
}

export interface PushedTag {
  tag: string;
  digest: Digest;
  size: number;
}

export interface PusherOptions {
  /** Blobs larger than this go up in PATCH chunks of this size. */
  chunkSize?: number;
  concurrency?: number;
}

const DEFAULT_CHUNK = 16 * 1024 * 1024;

export class Pusher {
  constructor(
    private readonly store: ImageStore,
    private readonly settings: RegistrySettings,
    private readonly options: PusherOptions = {},
  ) {}

  /** The local images to push: one tag, or every tag of the repository. NotFound before anything is sent. */
  async select(ref: Reference): Promise<{ tag: string; image: Image }[]> {
    if (ref.digest !== undefined) throw new BerthError('InvalidArgument', 'cannot push a digest reference');
    const images = await this.store.list();
    const found: { tag: string; image: Image }[] = [];
    for (const image of images) {
      for (const name of image.repoTags) {
        const tagged = parseReference(name);
        if (tagged.name !== ref.name || tagged.tag === undefined) continue;
        if (ref.tag !== undefined && tagged.tag !== ref.tag) continue;
        found.push({ tag: tagged.tag, image });
      }
    }
    if (found.length === 0) {
      throw new BerthError(
        'NotFound',
        `An image does not exist locally with the tag: ${familiarName(ref.name)}${ref.tag === undefined ? '' : `:${ref.tag}`}`,
      );
    }
    return found.sort((a, b) => a.tag.localeCompare(b.tag));
  }

  async push(options: PushOptions, progress: ProgressSink): Promise<PushedTag[]> {
    const { ref } = options;
    const selected = await this.select(ref);
    const endpoint = endpointsFor(ref.domain, this.settings, 'push')[0];
    if (endpoint === undefined) throw new BerthError('Unavailable', `no endpoint for ${ref.domain}`);
    progress({
      status: `The push refers to repository [${ref.name.startsWith('docker.io/') ? ref.name : familiarName(ref.name)}]`,
    });
    const pushed: PushedTag[] = [];
    for (const { tag, image } of selected) {
      const manifestBytes = await this.store.blobs.read(image.manifestDigest);
      const manifest = await this.store.readManifest(image.manifestDigest);
      const mounts = await this.mountSources(ref, [manifest.config, ...manifest.layers]);
      const client = new RegistryClient({
        endpoint,
        repository: ref.path,
        credentials: options.credentials,
        actions: ['pull', 'push'],
        extraScopes: [...new Set(mounts.values())].map((from) => `repository:${from}:pull`),
        signal: options.signal,
      });
      const layers = [...manifest.layers].reverse(); // base layer first in the listing, as Docker shows
      for (const layer of layers) progress({ id: shortId(layer.digest), status: 'Preparing' });
      await mapBounded(layers, this.options.concurrency ?? 3, (layer) =>
        this.pushBlob(client, layer, mounts.get(layer.digest), progress, true),
      );
      await this.pushBlob(client, manifest.config, mounts.get(manifest.config.digest), progress, false);
      const mediaType = manifest.mediaType ?? image.manifestMediaType ?? MediaType.ociManifest;
      await client.request(client.url(`manifests/${encodeURIComponent(tag)}`), {
        method: 'PUT',
        headers: { 'Content-Type': mediaType },
        body: manifestBytes,
      });
      const digest = sha256Of(manifestBytes);
      await this.store.register(image.manifestDigest, { repoDigests: [`${ref.name}@${digest}`] });
      progress({ status: `${tag}: digest: ${digest} size: ${manifestBytes.length}` });
      pushed.push({ tag, digest, size: manifestBytes.length });
    }
    return pushed;
  }

  /** Blob → another repository of the same registry a local image was pulled from or pushed to. */
  private async mountSources(
    ref: Reference,
    descriptors: readonly Descriptor[],
  ): Promise<Map<Digest, string>> {
    const wanted = new Set(descriptors.map((d) => d.digest));
    const sources = new Map<Digest, string>();
    for (const image of await this.store.list()) {
      const repos = image.repoDigests
        .map((d) => parseReference(d))
        .filter((r) => r.domain === ref.domain && r.path !== ref.path)
        .map((r) => r.path);
      if (repos.length === 0) continue;
      const manifest = await this.store.readManifest(image.manifestDigest).catch(() => undefined);
      for (const d of [manifest?.config, ...(manifest?.layers ?? [])]) {
        if (d !== undefined && wanted.has(d.digest) && !sources.has(d.digest))
          sources.set(d.digest, repos[0] as string);
      }
    }
    return sources;
  }

  private async pushBlob(
    client: RegistryClient,
    blob: Descriptor,
    mountFrom: string | undefined,
    progress: ProgressSink,
    visible: boolean,
  ): Promise<void> {
    const id = shortId(blob.digest);
    const report = (status: string, current?: number, total?: number) => {
      if (visible) progress({ id, status, ...(current === undefined ? {} : { current, total }) });
    };
    const head = await client.request(client.url(`blobs/${blob.digest}`), { method: 'HEAD', accept: [404] });
    if (head.status === 200) {
      report('Layer already exists');
      return;
    }
    if (!(await this.store.blobs.has(blob.digest))) {
      throw new BerthError(
        'FailedPrecondition',
        `blob ${blob.digest} is not in the local store; pull or load the image again before pushing`,
      );
    }
    let start: Response;
    if (mountFrom !== undefined) {
      start = await client.request(
        client.url(
          `blobs/uploads/?mount=${encodeURIComponent(blob.digest)}&from=${encodeURIComponent(mountFrom)}`,
        ),
        { method: 'POST' },
      );
      if (start.status === 201) {
        report(`Mounted from ${mountFrom}`);
        return;
      }
    } else {
      start = await client.request(client.url('blobs/uploads/'), { method: 'POST' });
    }
    await start.body?.cancel();
    let location = uploadLocation(start, client);
    const size = await this.store.blobs.size(blob.digest);
    const chunkSize = this.options.chunkSize ?? DEFAULT_CHUNK;
    const file = await open(this.store.blobs.pathOf(blob.digest), 'r');
    try {
      if (size <= chunkSize) {
        const body = Buffer.alloc(size);
        await file.read(body, 0, size, 0);
        report('Pushing', 0, size);
        const done = await client.request(withDigest(location, blob.digest), {
          method: 'PUT',
          headers: { 'Content-Type': 'application/octet-stream' },
          body,
        });
        await done.body?.cancel();
      } else {
        for (let offset = 0; offset < size; offset += chunkSize) {
          const length = Math.min(chunkSize, size - offset);
          const body = Buffer.alloc(length);
          await file.read(body, 0, length, offset);
          report('Pushing', offset, size);
          const answer = await client.request(location, {
            method: 'PATCH',
            headers: {
              'Content-Type': 'application/octet-stream',
              'Content-Range': `${offset}-${offset + length - 1}`,
            },
            body,
          });
          await answer.body?.cancel();
          location = uploadLocation(answer, client);
        }
        const done = await client.request(withDigest(location, blob.digest), { method: 'PUT' });
        await done.body?.cancel();
      }
      report('Pushing', size, size);
      report('Pushed');
    } finally {
      await file.close();
    }
  }
}

function uploadLocation(response: Response, client: RegistryClient): string {
  const location = response.headers.get('location');
  if (location === null)
    throw new BerthError('Unavailable', `registry ${client.base} gave no upload location`);
  return new URL(location, client.base).href;
}

function withDigest(location: string, digest: Digest): string {
  const url = new URL(location);
  url.searchParams.set('digest', digest);
  return url.href;
}

/** `referenceString` of a repository with the tag pushed, for messages. */
export function pushedName(ref: Reference, tag: string): string {
  return referenceString({ ...ref, tag, digest: undefined });
}
