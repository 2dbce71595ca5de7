// Images as records over the blob and layer stores: one record per image (keyed by its ID, the config digest),
// one record per tag (refs/), so moving a tag is one atomic write. Invariant: an image record is written only
// after its manifest, config and every layer are in the stores (layers unpacked), and blobs and layers are
// deleted only when no remaining image refers to them.
//
//   const images = new ImageStore(root);
//   const image = await images.register(manifestDigest);       // blobs already ingested
//   await images.tag(image.id, 'busybox');                      // docker.io/library/busybox:latest
//   (await images.resolve('busybox')).id === image.id

import { BerthError } from '../../shared/errors.js';
import { RecordStore } from '../store/record-store.js';
import { layout, digestHex } from '../store/layout.js';
import { BlobStore } from './blob-store.js';
import { chainIds, isDigest, parseDigest, type Digest } from './digest.js';
import { layerHistory, parseImageConfig, type ImageConfig } from './image-config.js';
import { LayerStore } from './layer-store.js';
import { isIndexMediaType, MediaType } from './media-types.js';
import {
  familiarString,
  parseReference,
  parseReferenceWithDefaultTag,
  referenceString,
} from './reference.js';

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  annotations?: Record<string, string>;
  platform?: { os: string; architecture: string; variant?: string };
}

export interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageRecord {
  /** The config digest, as Docker's image ID. */
  id: Digest;
  manifestDigest: Digest;
  manifestMediaType: string;
  /** `name@sha256:<manifest digest>` for images that came from (or went to) a registry. */
  repoDigests: string[];
  /** The config's `created`, or the time the image was stored when the config has none. */
  created: string;
  /** Uncompressed bytes of all layers. */
  size: number;
  chainIds: Digest[];
}

export interface Image extends ImageRecord {
  /** Fully qualified tags pointing at this image: `docker.io/library/busybox:latest`. */
  repoTags: string[];
}

interface RefRecord {
  name: string;
  target: Digest;
}

export interface DeleteItem {
  untagged?: string;
  deleted?: string;
}

export interface RemoveOptions {
  force?: boolean;
  /** Whether a container uses the image; such an image is never deleted (force only untags it). */
  inUse?: (imageId: Digest) => boolean;
}

export interface HistoryItem {
  /** The image ID for the newest entry, `<missing>` for the others (as Docker prints). */
  id: string;
  /** Unix seconds. */
  created: number;
  createdBy: string;
  tags: string[];
  size: number;
  comment: string;
}

export class ImageStore {
  readonly blobs: BlobStore;
  readonly layers: LayerStore;
  private readonly images: RecordStore<ImageRecord>;
  private readonly refs: RecordStore<RefRecord>;
  private readonly now: () => Date;
  private queue: Promise<unknown> = Promise.resolve();
  /** Blobs and layers in use by work in progress (a pull, a register): garbage collection leaves them alone. */
  private readonly held = new Map<string, number>();

  constructor(
    readonly root: string,
    options: { now?: () => Date } = {},
  ) {
    this.blobs = new BlobStore(root);
    this.layers = new LayerStore(root);
    this.images = new RecordStore<ImageRecord>(layout.imagesDir(root), 'image');
    this.refs = new RecordStore<RefRecord>(layout.refsDir(root), 'reference');
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Records the image whose manifest (and config and layer blobs) are already in the blob store, unpacking
   * its layers. Returns the existing record if the image is known.
   */
  async register(manifestDigest: Digest, options: { repoDigests?: string[] } = {}): Promise<Image> {
    const manifest = await this.readManifest(manifestDigest);
    const config = parseImageConfig(await this.blobs.readJson(manifest.config.digest));
    const release = this.hold([
      manifestDigest,
      manifest.config.digest,
      ...manifest.layers.map((l) => l.digest),
      ...chainIds(config.diffIds),
    ]);
    try {
      return await this.registerHeld(manifestDigest, manifest, config, options);
    } finally {
      release();
    }
  }

  /**
   * Protects blobs and layers from garbage collection until the returned function is called — for a puller
   * between finding a blob present and registering the image that uses it.
   */
  hold(digests: readonly string[]): () => void {
    for (const d of digests) this.held.set(d, (this.held.get(d) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const d of digests) {
        const count = (this.held.get(d) ?? 1) - 1;
        if (count <= 0) this.held.delete(d);
        else this.held.set(d, count);
      }
    };
  }

  private async registerHeld(
    manifestDigest: Digest,
    manifest: Manifest,
    config: ImageConfig,
    options: { repoDigests?: string[] },
  ): Promise<Image> {
    if (config.diffIds.length !== manifest.layers.length) {
      throw new BerthError(
        'InvalidArgument',
        `image config lists ${config.diffIds.length} layers but its manifest has ${manifest.layers.length}`,
      );
    }
    let parent: Digest | undefined;
    let size = 0;
    for (const [i, layer] of manifest.layers.entries()) {
      const record = await this.layers.unpack(parent, config.diffIds[i], () => this.blobs.open(layer.digest));
      parent = record.chainId;
      size += record.size;
    }
    return this.exclusive(async () => {
      const id = manifest.config.digest;
      const existing = await this.images.get(digestHex(id));
      const repoDigests = [
        ...new Set([...(existing?.repoDigests ?? []), ...(options.repoDigests ?? [])]),
      ].sort();
      const record: ImageRecord = existing
        ? { ...existing, repoDigests }
        : {
            id,
            manifestDigest,
            manifestMediaType: manifest.mediaType ?? MediaType.ociManifest,
            repoDigests,
            created: config.created ?? this.now().toISOString(),
            size,
            chainIds: chainIds(config.diffIds),
          };
      await this.images.put(digestHex(id), record);
      return this.withTags(record);
    });
  }

  async readManifest(digest: Digest): Promise<Manifest> {
    const raw = await this.blobs.readJson<Record<string, unknown>>(digest);
    if (raw.schemaVersion !== 2)
      throw new BerthError('InvalidArgument', `manifest ${digest}: only schema version 2 is supported`);
    if (isIndexMediaType(raw.mediaType as string | undefined) || Array.isArray(raw.manifests)) {
      throw new BerthError('InvalidArgument', `manifest ${digest} is an index, not an image manifest`);
    }
    const config = raw.config as Descriptor | undefined;
    const layers = raw.layers as Descriptor[] | undefined;
    if (config === undefined || !isDigest(config.digest) || !Array.isArray(layers)) {
      throw new BerthError('InvalidArgument', `manifest ${digest} has no config or layers`);
    }
    for (const layer of layers) parseDigest(layer.digest, `layer digest in manifest ${digest}`);
    return raw as unknown as Manifest;
  }

  async config(image: Image | Digest): Promise<ImageConfig> {
    const id = typeof image === 'string' ? image : image.id;
    return parseImageConfig(await this.blobs.readJson(id));
  }

  async list(): Promise<Image[]> {
    const refs = await this.refs.list();
    return (await this.images.list()).map(({ record }) =>
      attachTags(
        record,
        refs.map((r) => r.record),
      ),
    );
  }

  async get(id: Digest): Promise<Image | undefined> {
    const record = await this.images.get(digestHex(parseDigest(id)));
    return record === undefined ? undefined : this.withTags(record);
  }

  /** Finds an image by full ID, `sha256:` ID, ID prefix, `name`, `name:tag` or `name@digest`. */
  async resolve(nameOrId: string): Promise<Image> {
    const image = await this.find(nameOrId);
    if (image === undefined) throw new BerthError('NotFound', `No such image: ${nameOrId}`);
    return image;
  }

  private async find(nameOrId: string): Promise<Image | undefined> {
    if (isDigest(nameOrId)) return this.get(nameOrId);
    const byRef = await this.findByReference(nameOrId);
    if (byRef !== undefined) return byRef;
    const prefix = nameOrId.startsWith('sha256:') ? nameOrId.slice('sha256:'.length) : nameOrId;
    if (!/^[0-9a-f]{1,64}$/.test(prefix)) return undefined;
    const matches = (await this.images.ids()).filter((hex) => hex.startsWith(prefix));
    if (matches.length > 1) {
      throw new BerthError(
        'InvalidArgument',
        `ambiguous image ID prefix ${nameOrId}: ${matches.length} images match`,
      );
    }
    return matches[0] === undefined ? undefined : this.get(`sha256:${matches[0]}`);
  }

  private async findByReference(input: string): Promise<Image | undefined> {
    let ref;
    try {
      ref = parseReferenceWithDefaultTag(input);
    } catch {
      return undefined;
    }
    if (ref.digest !== undefined) {
      const wanted = `${ref.name}@${ref.digest}`;
      const images = await this.list();
      return (
        images.find((image) => image.repoDigests.includes(wanted)) ??
        images.find(
          (i) =>
            i.manifestDigest === ref.digest && i.repoTags.some((t) => parseReference(t).name === ref.name),
        )
      );
    }
    const target = (await this.refs.get(refId(referenceString(ref))))?.target;
    return target === undefined ? undefined : this.get(target);
  }

  /** Points `reference` (default tag `latest`) at the image, moving it off any other image. */
  async tag(nameOrId: string, reference: string): Promise<string> {
    const image = await this.resolve(nameOrId);
    const ref = parseReferenceWithDefaultTag(reference);
    if (ref.digest !== undefined)
      throw new BerthError('InvalidArgument', `cannot tag with a digest: ${reference}`);
    const name = referenceString(ref);
    await this.exclusive(() => this.refs.put(refId(name), { name, target: image.id }));
    return name;
  }

  /** Removes one tag; NotFound when it does not exist. Returns the full name removed. */
  async untag(reference: string): Promise<string> {
    const name = referenceString(parseReferenceWithDefaultTag(reference));
    const removed = await this.exclusive(() => this.refs.delete(refId(name)));
    if (!removed) throw new BerthError('NotFound', `No such image: ${reference}`);
    return name;
  }

  /** `docker rmi` semantics: by name untags (deleting the image with its last tag), by ID deletes. */
  async remove(nameOrId: string, options: RemoveOptions = {}): Promise<DeleteItem[]> {
    const image = await this.resolve(nameOrId);
    const byReference =
      (await this.findByReference(nameOrId))?.id === image.id && !isIdLike(nameOrId, image.id);
    const inUse = options.inUse?.(image.id) ?? false;
    const items: DeleteItem[] = [];
    if (byReference) {
      const name = referenceString(parseReferenceWithDefaultTag(nameOrId));
      const isTag = image.repoTags.includes(name);
      if (isTag && (image.repoTags.length > 1 || inUse)) {
        if (inUse && !options.force && image.repoTags.length === 1) throw inUseError(nameOrId, image.id);
        await this.untag(name);
        return [{ untagged: familiarString(name) }];
      }
    } else if (image.repoTags.length > 1 && !options.force) {
      throw new BerthError(
        'Conflict',
        `unable to delete ${shortId(image.id)} (must be forced) - image is referenced in multiple repositories`,
      );
    }
    if (inUse && !options.force) throw inUseError(nameOrId, image.id);
    for (const tag of image.repoTags) {
      await this.untag(tag);
      items.push({ untagged: familiarString(tag) });
    }
    if (inUse) return items; // forced: the image stays, untagged, for its container
    for (const digest of image.repoDigests) items.push({ untagged: familiarString(digest) });
    await this.deleteImage(image);
    items.push({ deleted: image.id });
    return items;
  }

  /** Deletes dangling images (no tags), or with `all` every image no container uses. */
  async prune(options: { all?: boolean; inUse?: (imageId: Digest) => boolean } = {}): Promise<{
    deleted: DeleteItem[];
    spaceReclaimed: number;
  }> {
    const deleted: DeleteItem[] = [];
    let spaceReclaimed = 0;
    for (const image of await this.list()) {
      if (options.inUse?.(image.id) === true) continue;
      if (!options.all && image.repoTags.length > 0) continue;
      for (const tag of image.repoTags) {
        await this.untag(tag);
        deleted.push({ untagged: familiarString(tag) });
      }
      spaceReclaimed += image.size;
      await this.deleteImage(image);
      deleted.push({ deleted: image.id });
    }
    return { deleted, spaceReclaimed };
  }

  /** The image's history, newest first, with each layer's size. */
  async history(nameOrId: string): Promise<HistoryItem[]> {
    const image = await this.resolve(nameOrId);
    const config = await this.config(image);
    const sizes = await Promise.all(image.chainIds.map(async (c) => (await this.layers.get(c))?.size ?? 0));
    const entries = layerHistory(config);
    const items = entries.map(({ entry, layer }) => ({
      id: '<missing>',
      created: entry.created === undefined ? 0 : Math.floor(Date.parse(entry.created) / 1000) || 0,
      createdBy: entry.createdBy,
      tags: [] as string[],
      size: layer === undefined ? 0 : (sizes[layer] ?? 0),
      comment: entry.comment,
    }));
    items.reverse();
    const newest = items[0];
    if (newest !== undefined) {
      newest.id = image.id;
      newest.tags = image.repoTags.map((t) => familiarString(t));
    }
    return items;
  }

  /** Deletes the record, then every blob and layer no remaining image refers to. */
  private async deleteImage(image: Image): Promise<void> {
    await this.exclusive(async () => {
      await this.images.delete(digestHex(image.id));
      const keepBlobs = new Set<string>();
      const keepLayers = new Set<string>();
      for (const { record } of await this.images.list()) {
        keepBlobs.add(record.id);
        keepBlobs.add(record.manifestDigest);
        for (const chain of record.chainIds) keepLayers.add(chain);
        const manifest = await this.readManifest(record.manifestDigest).catch(() => undefined);
        for (const layer of manifest?.layers ?? []) keepBlobs.add(layer.digest);
      }
      const manifest = await this.readManifest(image.manifestDigest).catch(() => undefined);
      const candidates = [image.manifestDigest, image.id, ...(manifest?.layers ?? []).map((l) => l.digest)];
      for (const digest of candidates) {
        if (!keepBlobs.has(digest) && !this.held.has(digest)) await this.blobs.delete(digest);
      }
      for (const chain of [...image.chainIds].reverse()) {
        if (!keepLayers.has(chain) && !this.held.has(chain)) await this.layers.remove(chain);
      }
    });
  }

  private async withTags(record: ImageRecord): Promise<Image> {
    return attachTags(
      record,
      (await this.refs.list()).map((r) => r.record),
    );
  }

  /** Serialises writers so that tag moves, deletes and garbage collection never interleave. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function attachTags(record: ImageRecord, refs: RefRecord[]): Image {
  const repoTags = refs
    .filter((r) => r.target === record.id)
    .map((r) => r.name)
    .sort();
  return { ...record, repoTags };
}

/** Tags are stored under their escaped full name: `docker.io%2Flibrary%2Fbusybox%3Alatest.json`. */
function refId(name: string): string {
  return encodeURIComponent(name);
}

function isIdLike(input: string, id: Digest): boolean {
  const hex = digestHex(id);
  const bare = input.startsWith('sha256:') ? input.slice(7) : input;
  return /^[0-9a-f]+$/.test(bare) && hex.startsWith(bare);
}

function shortId(id: Digest): string {
  return digestHex(id).slice(0, 12);
}

function inUseError(nameOrId: string, id: Digest): BerthError {
  return new BerthError(
    'Conflict',
    `unable to remove ${nameOrId} (must be forced) - image ${shortId(id)} is being used by a container`,
  );
}
