// Pulling an image: resolve the manifest (an index is narrowed to one platform), then download config and
// layers in parallel (bounded), verify each, unpack the layers in order and record the image with its tag and
// repo digest. Split in two so a server can answer "not found" or "unauthorized" with a status before it starts
// streaming progress: resolvePull() talks to the registry up to the image manifest, executePull() does the rest.
// Invariant: every byte that becomes visible was checked against a digest (manifests against the digest asked
// for or computed, blobs by BlobStore), and a layer is unpacked only against its config diffID.

import { BerthError, isBerthError } from '../../shared/errors.js';
import type { RegistryCredentials } from '../../shared/docker-config.js';
import { bootstrapCommandFor } from '../../shared/missing-image.js';
import type { RegistrySettings } from '../config.js';
import { chainIds, sha256Of, type Digest } from '../image/digest.js';
import { parseImageConfig } from '../image/image-config.js';
import type { Descriptor, Image, ImageStore, Manifest } from '../image/image-store.js';
import { isIndexMediaType, isManifestMediaType, MediaType } from '../image/media-types.js';
import { hostPlatform } from '../image/platform.js';
import { familiarName, familiarString, referenceString, type Reference } from '../image/reference.js';
import { downloadBlob } from './blob-download.js';
import { errorCodes, RegistryClient } from './client.js';
import { endpointsFor } from './endpoints.js';
import { selectManifest, type Platform } from './platform-select.js';
import { createLimiter, shortId, type ProgressSink } from './progress.js';

export const MANIFEST_ACCEPT = [
  MediaType.dockerManifest,
  MediaType.dockerManifestList,
  MediaType.ociManifest,
  MediaType.ociIndex,
].join(', ');

const SCHEMA1 = /application\/vnd\.docker\.distribution\.manifest\.v1/;
const MANIFEST_LIMIT = 4 * 1024 * 1024;

export interface PullOptions {
  /** A reference with a tag or a digest. */
  ref: Reference;
  platform?: Platform | undefined;
  credentials?: RegistryCredentials | undefined;
  signal?: AbortSignal | undefined;
}

export interface ResolvedPull {
  ref: Reference;
  client: RegistryClient;
  /** The digest of what the tag points at (an index or a manifest): the image's repo digest. */
  digest: Digest;
  manifestDigest: Digest;
  manifestBytes: Buffer;
  manifest: Manifest;
}

export interface PullResult {
  image: Image;
  digest: Digest;
  upToDate: boolean;
}

export interface PullerOptions {
  /** Blobs downloaded at once. */
  concurrency?: number;
  attempts?: number;
}

export class Puller {
  /** Downloads in flight, shared by concurrent pulls so one blob is fetched once. */
  private readonly downloads = new Map<Digest, Promise<void>>();

  constructor(
    private readonly store: ImageStore,
    private readonly settings: RegistrySettings,
    private readonly options: PullerOptions = {},
  ) {}

  /** Fetches the image manifest; NotFound / Unauthenticated here are meant to become HTTP statuses. */
  async resolve(options: PullOptions): Promise<ResolvedPull> {
    const { ref } = options;
    const reference = ref.digest ?? ref.tag ?? 'latest';
    const endpoints = endpointsFor(ref.domain, this.settings, 'pull');
    let lastError: unknown;
    for (const endpoint of endpoints) {
      const client = new RegistryClient({
        endpoint,
        repository: ref.path,
        credentials: endpoint.mirror ? undefined : options.credentials,
        actions: ['pull'],
        signal: options.signal,
      });
      try {
        const top = await this.fetchManifest(client, ref, reference);
        let manifestDigest = top.digest;
        let bytes = top.bytes;
        let parsed = top.parsed;
        if (isIndexMediaType(top.mediaType) || Array.isArray(parsed.manifests)) {
          const wanted = options.platform ?? hostPlatform();
          const chosen = selectManifest(parsed.manifests as Descriptor[], wanted, familiarString(ref));
          const child = await this.fetchManifest(client, ref, chosen.digest);
          manifestDigest = child.digest;
          bytes = child.bytes;
          parsed = child.parsed;
        }
        return {
          ref,
          client,
          digest: top.digest,
          manifestDigest,
          manifestBytes: bytes,
          manifest: checkManifest(parsed, manifestDigest),
        };
      } catch (error) {
        lastError = error;
        if (!endpoint.mirror) break;
      }
    }
    if (lastError instanceof BerthError && lastError.code === 'Unavailable') {
      throw new BerthError(
        'Unavailable',
        `${lastError.message}; ${familiarString(ref)} is not present locally: pull it when the registry can be ` +
          'reached, load it with `berth image load` (or `docker load`), or import a root filesystem with `berth image import`' +
          bootstrapSuggestion(familiarString(ref)),
        { cause: lastError },
      );
    }
    throw lastError ?? new BerthError('Unavailable', `no registry endpoint for ${ref.domain}`);
  }

  private async fetchManifest(
    client: RegistryClient,
    ref: Reference,
    reference: string,
  ): Promise<{ digest: Digest; bytes: Buffer; mediaType: string; parsed: Record<string, unknown> }> {
    const what =
      familiarName(ref.name) + (reference.startsWith('sha256:') ? `@${reference}` : `:${reference}`);
    let response: Response;
    try {
      response = await client.request(client.url(`manifests/${reference}`), {
        headers: { Accept: MANIFEST_ACCEPT },
        accept: [404],
      });
    } catch (error) {
      if (isBerthError(error, 'Unauthenticated') && !client.hasCredentials) {
        throw pullAccessDenied(ref, error);
      }
      throw error;
    }
    if (response.status === 404) {
      const { codes } = await errorCodes(response);
      if (codes.includes('NAME_UNKNOWN')) throw pullAccessDenied(ref);
      throw new BerthError('NotFound', `manifest for ${what} not found: manifest unknown: manifest unknown`);
    }
    const length = Number(response.headers.get('content-length') ?? '0');
    if (length > MANIFEST_LIMIT) throw new BerthError('InvalidArgument', `manifest for ${what} is too large`);
    const bytes = Buffer.from(await response.arrayBuffer());
    const digest = sha256Of(bytes);
    if (reference.startsWith('sha256:') && digest !== reference) {
      throw new BerthError(
        'InvalidArgument',
        `manifest verification failed for digest ${reference}: got ${digest}`,
      );
    }
    const announced = response.headers.get('docker-content-digest');
    if (announced !== null && announced.startsWith('sha256:') && announced !== digest) {
      throw new BerthError(
        'InvalidArgument',
        `manifest for ${what}: registry announced ${announced} but the bytes hash to ${digest}`,
      );
    }
    const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
    if (SCHEMA1.test(mediaType)) {
      throw new BerthError(
        'InvalidArgument',
        `${what} uses the obsolete schema 1 manifest format, which berth does not pull`,
      );
    }
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new BerthError('InvalidArgument', `manifest for ${what} is not valid JSON`, { cause: error });
    }
    if (parsed.schemaVersion === 1) {
      throw new BerthError(
        'InvalidArgument',
        `${what} uses the obsolete schema 1 manifest format, which berth does not pull`,
      );
    }
    return {
      digest,
      bytes,
      mediaType: typeof parsed.mediaType === 'string' ? parsed.mediaType : mediaType,
      parsed,
    };
  }

  /** Downloads, verifies, unpacks and records the image resolved before. */
  async execute(resolved: ResolvedPull, progress: ProgressSink): Promise<PullResult> {
    const { ref, manifest, client } = resolved;
    const blobs = this.store.blobs;
    progress({ id: ref.digest ?? ref.tag ?? 'latest', status: `Pulling from ${ref.path}` });
    const repoDigest = `${ref.name}@${resolved.digest}`;
    const tagName = ref.tag === undefined ? undefined : referenceString({ ...ref, digest: undefined });
    const existing = await this.store.get(manifest.config.digest);
    const release = this.store.hold([
      resolved.manifestDigest,
      manifest.config.digest,
      ...manifest.layers.map((l) => l.digest),
    ]);
    let releaseChains: () => void = () => undefined;
    try {
      if (existing !== undefined && (await blobs.has(resolved.manifestDigest))) {
        const tagged = tagName === undefined || existing.repoTags.includes(tagName);
        if (tagged && existing.repoDigests.includes(repoDigest)) {
          progress({ status: `Digest: ${resolved.digest}` });
          progress({ status: `Status: Image is up to date for ${familiarString(referenceString(ref))}` });
          return { image: existing, digest: resolved.digest, upToDate: true };
        }
      }
      await this.fetchBlob(client, manifest.config, () => undefined);
      const config = parseImageConfig(await blobs.readJson(manifest.config.digest));
      if (config.diffIds.length !== manifest.layers.length) {
        throw new BerthError(
          'InvalidArgument',
          `image config lists ${config.diffIds.length} layers but its manifest has ${manifest.layers.length}`,
        );
      }
      const chains = chainIds(config.diffIds);
      releaseChains = this.store.hold(chains);
      const concurrency = this.options.concurrency ?? 3;
      const present = await Promise.all(
        manifest.layers.map((l, i) => this.layerPresent(l, chains[i] as Digest)),
      );
      manifest.layers.forEach((layer, i) => {
        progress({
          id: shortId(layer.digest),
          status: present[i] === true ? 'Already exists' : 'Pulling fs layer',
        });
      });
      manifest.layers.forEach((layer, i) => {
        if (present[i] !== true && i >= concurrency)
          progress({ id: shortId(layer.digest), status: 'Waiting' });
      });
      // Downloads run in parallel (bounded); each layer is unpacked as soon as it and its parent are ready.
      const limit = createLimiter(concurrency);
      const downloads = manifest.layers.map((layer, i) =>
        present[i] === true
          ? Promise.resolve()
          : limit(async () => {
              const id = shortId(layer.digest);
              let lastReport = 0;
              await this.fetchBlob(client, layer, (current, total) => {
                const now = Date.now();
                if (now - lastReport < 100 && current < total) return;
                lastReport = now;
                progress({ id, status: 'Downloading', current, total });
              });
              progress({ id, status: 'Verifying Checksum' });
              progress({ id, status: 'Download complete' });
            }),
      );
      for (const download of downloads) download.catch(() => undefined); // each is awaited in order below
      await blobs.ingest(resolved.manifestBytes, resolved.manifestDigest);
      let parent: Digest | undefined;
      for (const [i, layer] of manifest.layers.entries()) {
        const diffId = config.diffIds[i] as Digest;
        await downloads[i];
        if (present[i] !== true)
          progress({ id: shortId(layer.digest), status: 'Extracting', current: 0, total: layer.size });
        const record = await this.store.layers.unpack(parent, diffId, () => blobs.open(layer.digest));
        parent = record.chainId;
        if (present[i] !== true) progress({ id: shortId(layer.digest), status: 'Pull complete' });
      }
      const image = await this.store.register(resolved.manifestDigest, { repoDigests: [repoDigest] });
      if (tagName !== undefined) await this.store.tag(image.id, tagName);
      progress({ status: `Digest: ${resolved.digest}` });
      progress({ status: `Status: Downloaded newer image for ${familiarString(referenceString(ref))}` });
      return { image: (await this.store.get(image.id)) ?? image, digest: resolved.digest, upToDate: false };
    } finally {
      releaseChains();
      release();
    }
  }

  /** A layer needs no download when its blob is stored (its unpacked form may then be reused too). */
  private async layerPresent(layer: Descriptor, _chainId: Digest): Promise<boolean> {
    return this.store.blobs.has(layer.digest);
  }

  private async fetchBlob(
    client: RegistryClient,
    descriptor: Descriptor,
    onBytes: (current: number, total: number) => void,
  ): Promise<void> {
    if (await this.store.blobs.has(descriptor.digest)) return;
    const running = this.downloads.get(descriptor.digest);
    if (running !== undefined) return running;
    const work = downloadBlob(client, this.store.blobs, descriptor, {
      onBytes,
      ...(this.options.attempts === undefined ? {} : { attempts: this.options.attempts }),
    }).finally(() => this.downloads.delete(descriptor.digest));
    this.downloads.set(descriptor.digest, work);
    return work;
  }
}

function pullAccessDenied(ref: Reference, cause?: unknown): BerthError {
  return new BerthError(
    'NotFound',
    `pull access denied for ${familiarName(ref.name)}, repository does not exist or may require authentication`,
    { cause, hint: 'log in with `berth login` (or `docker login`) if the repository is private' },
  );
}

function checkManifest(raw: Record<string, unknown>, digest: Digest): Manifest {
  const mediaType = raw.mediaType as string | undefined;
  if (mediaType !== undefined && !isManifestMediaType(mediaType)) {
    throw new BerthError('InvalidArgument', `manifest ${digest} has unsupported media type ${mediaType}`);
  }
  const config = raw.config as Descriptor | undefined;
  const layers = raw.layers as Descriptor[] | undefined;
  if (raw.schemaVersion !== 2 || config === undefined || !Array.isArray(layers)) {
    throw new BerthError('InvalidArgument', `manifest ${digest} has no config or layers`);
  }
  for (const d of [config, ...layers]) {
    if (
      typeof d.digest !== 'string' ||
      !/^sha256:[0-9a-f]{64}$/.test(d.digest) ||
      !Number.isSafeInteger(d.size) ||
      d.size < 0
    ) {
      throw new BerthError('InvalidArgument', `manifest ${digest} has a bad descriptor`);
    }
    if (d.mediaType === MediaType.dockerForeignLayerGzip) {
      throw new BerthError(
        'InvalidArgument',
        `manifest ${digest} has a foreign layer, which berth does not fetch`,
      );
    }
  }
  return raw as unknown as Manifest;
}

/** For Debian and Ubuntu names: the command that makes the image from the distribution's repositories. */
function bootstrapSuggestion(name: string): string {
  const command = bootstrapCommandFor(name);
  return command === undefined ? '' : `, or make it from the distribution's packages with \`${command}\``;
}
