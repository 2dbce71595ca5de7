// Image routes: list, inspect, history, tag, delete, prune, load, save (get), import (create?fromSrc=-); pulls
// (create?fromImage=) are handed to the registry routes. Everything goes through the
// ImageStore; this file only translates between it and Docker's wire shapes and publishes image events.
// Invariant: lists and maps in responses are [] and {} (never null), and an error found before any byte of a
// streamed answer is sent becomes an ordinary JSON error with its status.

import { BerthError } from '../../../shared/errors.js';
import { checkFilterNames, matchLabels, parseFilters, type Filters } from '../../api/filters.js';
import type {
  ImageDeleteItem,
  ImageHistoryItem,
  ImageInspect,
  ImageSummary,
  ProgressMessage,
} from '../../api/images.js';
import { compareApiVersions } from '../../api/version.js';
import { parseTimestampNano } from '../../events/timestamp.js';
import { loadArchive } from '../../image/archive-load.js';
import { saveArchive } from '../../image/archive-save.js';
import type { ImageConfig } from '../../image/image-config.js';
import type { DeleteItem, Image, ImageStore } from '../../image/image-store.js';
import { importRootfsTar } from '../../image/import.js';
import { familiarString, parseReference, parseReferenceWithDefaultTag } from '../../image/reference.js';
import type { RequestContext } from '../context.js';
import type { EngineServices, RouteModule } from '../services.js';
import { pullImage } from './registry.js';

const LIST_FILTERS = ['dangling', 'label', 'label!', 'reference', 'before', 'since', 'until'];
const PRUNE_FILTERS = ['dangling', 'label', 'label!', 'until'];
const ZERO_TIME = '0001-01-01T00:00:00Z';

export const imageRoutes: RouteModule = {
  name: 'images',
  register(router, services) {
    const store = services.images;
    // Fixed paths first: the router matches in registration order and `{name*}` would swallow them.
    router.get('/images/json', (ctx) => listImages(ctx, store));
    router.get('/images/get', (ctx) => saveImages(ctx, store, ctx.query.getAll('names')));
    router.post('/images/load', (ctx) => loadImages(ctx, services));
    router.post('/images/create', (ctx) => createImage(ctx, services));
    router.post('/images/prune', (ctx) => pruneImages(ctx, services));
    router.get('/images/{name*}/json', async (ctx) => {
      const image = await store.resolve(nameParam(ctx));
      ctx.sendJson(200, await inspectImage(store, image));
    });
    router.get('/images/{name*}/history', async (ctx) => {
      const items = await store.history(nameParam(ctx));
      ctx.sendJson(
        200,
        items.map((item): ImageHistoryItem => ({
          Id: item.id,
          Created: item.created,
          CreatedBy: item.createdBy,
          Tags: item.tags,
          Size: item.size,
          Comment: item.comment,
        })),
      );
    });
    router.get('/images/{name*}/get', (ctx) => saveImages(ctx, store, [nameParam(ctx)]));
    router.post('/images/{name*}/tag', (ctx) => tagImage(ctx, services));
    router.delete('/images/{name*}', (ctx) => deleteImage(ctx, services));
  },
};

/**
 * The IDs of images some container uses. The container service answers once it is part of the engine's
 * services; until then no image counts as used.
 */
async function imageIdsInUse(services: EngineServices): Promise<ReadonlySet<string>> {
  const containers = (services as { containers?: ContainerImageUsage }).containers;
  if (containers?.imagesInUse === undefined) return new Set();
  return new Set(await containers.imagesInUse());
}

/** What this module needs from the container service (structural, so it needs no import of it). */
interface ContainerImageUsage {
  imagesInUse?: () => Promise<Iterable<string>> | Iterable<string>;
}

function nameParam(ctx: RequestContext): string {
  const name = ctx.params.name ?? '';
  if (name === '') throw new BerthError('InvalidArgument', 'image name is empty');
  return name;
}

async function listImages(ctx: RequestContext, store: ImageStore): Promise<void> {
  const filters = parseFilters(ctx.query.get('filters'));
  checkFilterNames(filters, LIST_FILTERS);
  const images = await store.list();
  const configs = new Map(await Promise.all(images.map(async (i) => [i.id, await store.config(i)] as const)));
  const before = await createdOfReference(store, filters.get('before'));
  const since = await createdOfReference(store, filters.get('since'));
  const until = untilSeconds(filters.get('until'));
  const dangling = danglingFilter(filters);
  const patterns = filters.get('reference');
  const withVirtualSize = compareApiVersions(ctx.apiVersion, '1.44') < 0;

  const summaries: ImageSummary[] = [];
  for (const image of images) {
    const created = unixSeconds(image.created);
    const labels = configs.get(image.id)?.config.labels ?? {};
    if (dangling !== undefined && dangling !== (image.repoTags.length === 0)) continue;
    if (!matchLabels(labels, filters.get('label'))) continue;
    if (!matchNotLabels(labels, filters.get('label!'))) continue;
    if (before !== undefined && created >= before) continue;
    if (since !== undefined && created <= since) continue;
    if (until !== undefined && created > until) continue;
    let repoTags = image.repoTags.map((t) => familiarString(t));
    let repoDigests = image.repoDigests.map((d) => familiarString(d));
    if (patterns !== undefined && patterns.length > 0) {
      repoTags = repoTags.filter((t) => matchesAnyReference(patterns, t));
      repoDigests = repoDigests.filter((d) => matchesAnyReference(patterns, d));
      if (repoTags.length === 0 && repoDigests.length === 0) continue;
    }
    summaries.push({
      Id: image.id,
      ParentId: '',
      RepoTags: repoTags,
      RepoDigests: repoDigests,
      Created: created,
      Size: image.size,
      SharedSize: -1,
      ...(withVirtualSize ? { VirtualSize: image.size } : {}),
      Labels: labels,
      Containers: -1,
    });
  }
  // Newest first, as Docker lists them.
  summaries.sort((a, b) => b.Created - a.Created || a.Id.localeCompare(b.Id));
  ctx.sendJson(200, summaries);
}

export async function inspectImage(store: ImageStore, image: Image): Promise<ImageInspect> {
  const config = await store.config(image);
  return {
    Id: image.id,
    RepoTags: image.repoTags.map((t) => familiarString(t)),
    RepoDigests: image.repoDigests.map((d) => familiarString(d)),
    Parent: '',
    Comment: config.history[config.history.length - 1]?.comment ?? '',
    Created: image.created,
    DockerVersion: '',
    Author: config.author,
    Config: inspectConfig(config),
    Architecture: config.architecture,
    ...(config.variant === undefined ? {} : { Variant: config.variant }),
    Os: config.os,
    Size: image.size,
    GraphDriver: { Name: 'overlay2', Data: {} },
    RootFS: { Type: 'layers', Layers: [...config.diffIds] },
    Metadata: { LastTagTime: ZERO_TIME },
  };
}

function inspectConfig(image: ImageConfig): ImageInspect['Config'] {
  const c = image.config;
  const set = (keys: readonly string[]) =>
    keys.length === 0 ? null : Object.fromEntries(keys.map((k) => [k, {} as Record<string, never>]));
  return {
    User: c.user,
    ExposedPorts: set(c.exposedPorts),
    Env: c.env,
    Cmd: c.cmd ?? null,
    Entrypoint: c.entrypoint ?? null,
    Volumes: set(c.volumes),
    WorkingDir: c.workingDir,
    Labels: c.labels,
    ...(c.stopSignal === undefined ? {} : { StopSignal: c.stopSignal }),
    ...(c.healthcheck === undefined
      ? {}
      : {
          Healthcheck: {
            Test: c.healthcheck.test,
            Interval: c.healthcheck.interval,
            Timeout: c.healthcheck.timeout,
            StartPeriod: c.healthcheck.startPeriod,
            ...(c.healthcheck.startInterval === 0 ? {} : { StartInterval: c.healthcheck.startInterval }),
            Retries: c.healthcheck.retries,
          },
        }),
    ...(c.argsEscaped ? { ArgsEscaped: true } : {}),
    ...(c.shell === undefined ? {} : { Shell: c.shell }),
    OnBuild: c.onBuild.length === 0 ? null : c.onBuild,
  };
}

async function tagImage(ctx: RequestContext, services: EngineServices): Promise<void> {
  const repo = ctx.query.get('repo') ?? '';
  const tag = ctx.query.get('tag') ?? '';
  if (repo === '') throw new BerthError('InvalidArgument', 'repository name (repo) is required');
  const reference = tag === '' ? repo : `${repo}:${tag}`;
  const ref = parseReference(reference);
  if (ref.digest !== undefined)
    throw new BerthError('InvalidArgument', 'refusing to create a tag with a digest');
  const image = await services.images.resolve(nameParam(ctx));
  const name = await services.images.tag(image.id, reference);
  publishImage(services, 'tag', image.id, familiarString(name));
  ctx.sendEmpty(201);
}

async function deleteImage(ctx: RequestContext, services: EngineServices): Promise<void> {
  const name = nameParam(ctx);
  const { id } = await services.images.resolve(name);
  const used = await imageIdsInUse(services);
  const items = await services.images.remove(name, {
    force: ctx.queryBool('force'),
    inUse: (imageId) => used.has(imageId),
  });
  for (const item of items) publishDeletion(services, item, id);
  ctx.sendJson(200, items.map(wireDeleteItem));
}

function publishDeletion(services: EngineServices, item: DeleteItem, imageId: string): void {
  if (item.untagged !== undefined) publishImage(services, 'untag', imageId, item.untagged);
  if (item.deleted !== undefined) publishImage(services, 'delete', item.deleted, item.deleted);
}

function wireDeleteItem(item: DeleteItem): ImageDeleteItem {
  return item.deleted !== undefined ? { Deleted: item.deleted } : { Untagged: item.untagged ?? '' };
}

async function pruneImages(ctx: RequestContext, services: EngineServices): Promise<void> {
  const filters = parseFilters(ctx.query.get('filters'));
  checkFilterNames(filters, PRUNE_FILTERS);
  const store = services.images;
  // Docker prunes only dangling images unless told dangling=false (`docker image prune -a`).
  const all = danglingFilter(filters) === false;
  const until = untilSeconds(filters.get('until'));
  const used = await imageIdsInUse(services);
  const kept = new Set<string>();
  const idOfTag = new Map<string, string>();
  for (const image of await store.list()) {
    for (const tag of image.repoTags) idOfTag.set(familiarString(tag), image.id);
    const labels = (await store.config(image)).config.labels;
    const filteredOut =
      (until !== undefined && unixSeconds(image.created) > until) ||
      !matchLabels(labels, filters.get('label')) ||
      !matchNotLabels(labels, filters.get('label!'));
    if (filteredOut || used.has(image.id)) kept.add(image.id);
  }
  // The store's `inUse` is its "leave this one alone" predicate: images the filters exclude are left too.
  const result = await store.prune({ all, inUse: (id) => kept.has(id) });
  for (const item of result.deleted) {
    publishDeletion(services, item, idOfTag.get(item.untagged ?? '') ?? item.untagged ?? '');
  }
  ctx.sendJson(200, {
    ImagesDeleted: result.deleted.map(wireDeleteItem),
    SpaceReclaimed: result.spaceReclaimed,
  });
}

async function loadImages(ctx: RequestContext, services: EngineServices): Promise<void> {
  // Read the whole archive before answering, so a bad archive gets a 400 rather than a broken stream.
  const loaded = await loadArchive(services.images, ctx.bodyStream());
  const stream = ctx.startJsonStream();
  for (const { image, tags } of loaded) {
    if (tags.length === 0) {
      publishImage(services, 'load', image.id, image.id);
      stream.write({ stream: `Loaded image ID: ${image.id}\n` } satisfies ProgressMessage);
    }
    for (const tag of tags) {
      const familiar = familiarString(tag);
      publishImage(services, 'load', image.id, familiar);
      stream.write({ stream: `Loaded image: ${familiar}\n` } satisfies ProgressMessage);
    }
  }
  stream.end();
}

async function saveImages(ctx: RequestContext, store: ImageStore, names: readonly string[]): Promise<void> {
  if (names.length === 0) throw new BerthError('InvalidArgument', 'no image names given');
  // Resolve every name first: an unknown one is a 404, not a truncated tar.
  const resolved: string[] = [];
  for (const name of names) resolved.push(...(await namesToSave(store, name)));
  ctx.res.writeHead(200, { 'Content-Type': 'application/x-tar' });
  await saveArchive(store, resolved, ctx.res);
}

/**
 * `docker save repo` saves every tag of the repository even when it has no `latest`: a bare name that does not
 * resolve becomes the list of its tags.
 */
async function namesToSave(store: ImageStore, name: string): Promise<string[]> {
  try {
    await store.resolve(name);
    return [name];
  } catch (error) {
    let ref;
    try {
      ref = parseReference(name);
    } catch {
      throw error;
    }
    if (ref.tag !== undefined || ref.digest !== undefined) throw error;
    const tags = (await store.list())
      .flatMap((image) => image.repoTags)
      .filter((tag) => parseReference(tag).name === ref.name);
    if (tags.length === 0) throw error;
    return tags.sort();
  }
}

/** POST /images/create: `fromImage` pulls from a registry, `fromSrc=-` imports the body. */
async function createImage(ctx: RequestContext, services: EngineServices): Promise<void> {
  const fromSrc = ctx.query.get('fromSrc');
  const fromImage = ctx.query.get('fromImage');
  if (fromSrc === null || fromSrc === '') {
    if (fromImage === null || fromImage === '') {
      throw new BerthError('InvalidArgument', 'either fromImage (a pull) or fromSrc (an import) is required');
    }
    await pullImage(ctx, services, fromImage);
    return;
  }
  if (fromSrc !== '-') {
    throw new BerthError(
      'InvalidArgument',
      `importing from a URL is not supported (fromSrc=${fromSrc}); send the tar as the body with fromSrc=-`,
    );
  }
  const repoTag = importReference(ctx.query.get('repo') ?? '', ctx.query.get('tag') ?? '');
  const changes = ctx.query
    .getAll('changes')
    .flatMap((c) => c.split('\n'))
    .filter((c) => c.trim() !== '');
  const message = ctx.query.get('message') ?? undefined;
  const image = await importRootfsTar(services.images, ctx.bodyStream(), {
    ...(repoTag === undefined ? {} : { repoTag }),
    changes,
    ...(message === undefined || message === '' ? {} : { message }),
  });
  publishImage(
    services,
    'import',
    image.id,
    repoTag === undefined ? image.id : familiarString(parseReferenceWithDefaultTag(repoTag)),
  );
  const stream = ctx.startJsonStream();
  stream.write({ status: image.id } satisfies ProgressMessage);
  stream.end();
}

/** `repo` may carry the tag itself (`name:tag`) when `tag` is empty, as the API allows. */
function importReference(repo: string, tag: string): string | undefined {
  if (repo === '') return undefined;
  const reference = tag === '' ? repo : `${repo}:${tag}`;
  parseReference(reference); // InvalidArgument before the body is read
  return reference;
}

function publishImage(services: EngineServices, action: string, id: string, name: string): void {
  services.events.publish({ type: 'image', action, actor: { id, attributes: { name } } });
}

/** The `dangling` filter: true, false, or undefined when absent. */
function danglingFilter(filters: Filters): boolean | undefined {
  const values = filters.get('dangling');
  if (values === undefined || values.length === 0) return undefined;
  const value = values[values.length - 1]?.toLowerCase();
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new BerthError('InvalidArgument', `invalid filter 'dangling=${value ?? ''}'`);
}

function matchNotLabels(
  labels: Readonly<Record<string, string>>,
  unwanted: readonly string[] | undefined,
): boolean {
  return unwanted === undefined || unwanted.every((entry) => !matchLabels(labels, [entry]));
}

/** `before`/`since`: the creation time (unix seconds) of the image named, the latest when several are given. */
async function createdOfReference(
  store: ImageStore,
  values: readonly string[] | undefined,
): Promise<number | undefined> {
  const name = values?.[values.length - 1];
  if (name === undefined) return undefined;
  return unixSeconds((await store.resolve(name)).created);
}

/** `until`: a timestamp or a duration back from now, in unix seconds. */
function untilSeconds(values: readonly string[] | undefined): number | undefined {
  const value = values?.[values.length - 1];
  if (value === undefined || value === '') return undefined;
  return parseTimestampNano(value, Date.now() * 1e6) / 1e9;
}

function unixSeconds(iso: string): number {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : 0;
}

/** Docker's reference filter: a glob on the familiar `name:tag`, or on the name alone. */
export function matchesAnyReference(patterns: readonly string[], familiar: string): boolean {
  const at = familiar.indexOf('@');
  const withoutDigest = at === -1 ? familiar : familiar.slice(0, at);
  const colon = withoutDigest.lastIndexOf(':');
  const name = colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, colon) : withoutDigest;
  return patterns.some((pattern) => {
    const glob = globToRegExp(pattern);
    return glob.test(familiar) || glob.test(name);
  });
}

/** Go's path.Match as a RegExp: `*` and `?` never cross `/`; `[...]` classes with `^` negation; `\` escapes. */
export function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] ?? '';
    if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else if (ch === '\\' && i + 1 < pattern.length) source += escapeRegExp(pattern[++i] ?? '');
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) throw new BerthError('InvalidArgument', `invalid reference filter pattern: ${pattern}`);
      let body = pattern.slice(i + 1, end);
      const negated = body.startsWith('^');
      if (negated) body = body.slice(1);
      source += `[${negated ? '^/' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`;
      i = end;
    } else source += escapeRegExp(ch);
  }
  return new RegExp(`^${source}$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
