// Registry routes: pulls (POST /images/create?fromImage=, delegated from the image routes), pushes
// (POST /images/{name}/push) and login checks (POST /auth), with Docker's JSON progress stream.
// Invariant: failures found before the first progress line (no such manifest, refused credentials, no such
// local tag) are ordinary JSON errors with their status; later ones are an errorDetail line.

import { BerthError, messageOf } from '../../../shared/errors.js';
import type { RegistryCredentials } from '../../../shared/docker-config.js';
import type { ProgressMessage } from '../../api/images.js';
import { decodeRegistryAuth, progressBar, type AuthConfig, type AuthResponse } from '../../api/registry.js';
import type { Image, ImageStore } from '../../image/image-store.js';
import { familiarString, parseReference, type Reference } from '../../image/reference.js';
import { parsePlatform, Registries, type RegistryProgress } from '../../registry/index.js';
import type { RequestContext } from '../context.js';
import type { EngineServices, RouteModule } from '../services.js';

const registriesOf = new WeakMap<ImageStore, Registries>();

/** One registry service per image store (the engine has one). */
function registries(services: EngineServices): Registries {
  let found = registriesOf.get(services.images);
  if (found === undefined) {
    found = new Registries(services.images, services.config.registry);
    registriesOf.set(services.images, found);
  }
  return found;
}

export const registryRoutes: RouteModule = {
  name: 'registry',
  register(router, services) {
    router.post('/images/{name*}/push', (ctx) => pushImage(ctx, services));
    router.post('/auth', (ctx) => login(ctx, services));
  },
};

/** `fromImage` with `tag` (a tag, or a digest when the reference has none) as one reference, `latest` by default. */
export function pullReference(fromImage: string, tag: string | null): Reference {
  const ref = parseReference(fromImage);
  if (ref.tag !== undefined || ref.digest !== undefined || tag === null || tag === '') {
    return ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: 'latest' } : ref;
  }
  return parseReference(`${fromImage}${tag.startsWith('sha256:') ? '@' : ':'}${tag}`);
}

export async function pullImage(
  ctx: RequestContext,
  services: EngineServices,
  fromImage: string,
): Promise<void> {
  const ref = pullReference(fromImage, ctx.query.get('tag'));
  const platformText = ctx.query.get('platform');
  const platform = platformText === null || platformText === '' ? undefined : parsePlatform(platformText);
  const service = registries(services);
  const credentials = await service.credentialsFor(ref.domain, credentialsOf(authHeader(ctx)));
  const resolved = await service.puller.resolve({ ref, platform, credentials, signal: ctx.signal });
  const stream = ctx.startJsonStream();
  try {
    const result = await service.puller.execute(resolved, (event) => stream.write(wireProgress(event)));
    services.events.publish({
      type: 'image',
      action: 'pull',
      actor: { id: result.image.id, attributes: { name: familiarString(ref) } },
    });
  } catch (error) {
    services.log.warn(`pull of ${familiarString(ref)} failed: ${messageOf(error)}`);
    stream.write(errorLine(error));
  } finally {
    stream.end();
  }
}

/**
 * Pulls `reference` for the builder (a FROM or COPY --from image that is not here), with credentials from the
 * build request's X-Registry-Config (every registry's auth, keyed by server) or the engine's config.
 */
export async function pullForBuild(
  services: EngineServices,
  reference: string,
  authConfigs: Readonly<Record<string, AuthConfig>>,
  onStatus: (status: string) => void,
  signal: AbortSignal,
): Promise<Image> {
  const ref = pullReference(reference, null);
  const service = registries(services);
  const given =
    authConfigs[ref.domain] ??
    (ref.domain === 'docker.io'
      ? (authConfigs['https://index.docker.io/v1/'] ?? authConfigs['index.docker.io'])
      : undefined);
  const credentials = await service.credentialsFor(ref.domain, credentialsOf(given));
  const resolved = await service.puller.resolve({ ref, platform: undefined, credentials, signal });
  const result = await service.puller.execute(resolved, (event) => {
    if (event.id === undefined || event.current === undefined)
      onStatus(`${event.id === undefined ? '' : `${event.id}: `}${event.status}`);
  });
  services.events.publish({
    type: 'image',
    action: 'pull',
    actor: { id: result.image.id, attributes: { name: familiarString(ref) } },
  });
  return result.image;
}

async function pushImage(ctx: RequestContext, services: EngineServices): Promise<void> {
  const name = ctx.params.name ?? '';
  const tag = ctx.query.get('tag');
  const parsed = parseReference(name);
  const ref: Reference = tag !== null && tag !== '' && parsed.tag === undefined ? { ...parsed, tag } : parsed;
  const service = registries(services);
  await service.pusher.select(ref); // NotFound as a status, before streaming
  const credentials = await service.credentialsFor(ref.domain, credentialsOf(authHeader(ctx)));
  const stream = ctx.startJsonStream();
  try {
    const pushed = await service.pusher.push({ ref, credentials, signal: ctx.signal }, (event) =>
      stream.write(wireProgress(event)),
    );
    for (const item of pushed) {
      stream.write({
        progressDetail: {},
        aux: { Tag: item.tag, Digest: item.digest, Size: item.size },
      } satisfies ProgressMessage);
      services.events.publish({
        type: 'image',
        action: 'push',
        actor: { id: item.digest, attributes: { name: familiarString({ ...ref, tag: item.tag }) } },
      });
    }
  } catch (error) {
    services.log.warn(`push of ${familiarString(ref)} failed: ${messageOf(error)}`);
    stream.write(errorLine(error));
  } finally {
    stream.end();
  }
}

async function login(ctx: RequestContext, services: EngineServices): Promise<void> {
  const body = (await ctx.readJson<AuthConfig>()) ?? {};
  const credentials = credentialsOf(body);
  if (credentials === undefined)
    throw new BerthError('InvalidArgument', 'username and password are required');
  try {
    await registries(services).login(body.serveraddress ?? '', credentials);
  } catch (error) {
    if (error instanceof BerthError && error.code === 'Unauthenticated') {
      throw new BerthError(
        'Unauthenticated',
        `login to ${body.serveraddress ?? 'docker.io'} failed: ${error.message}`,
      );
    }
    throw error;
  }
  ctx.sendJson(200, { Status: 'Login Succeeded', IdentityToken: '' } satisfies AuthResponse);
}

function authHeader(ctx: RequestContext): string | undefined {
  const value = ctx.req.headers['x-registry-auth'];
  return Array.isArray(value) ? value[0] : value;
}

function credentialsOf(input: string | AuthConfig | undefined): RegistryCredentials | undefined {
  const auth = typeof input === 'string' ? decodeRegistryAuth(input) : input;
  if (auth === undefined) return undefined;
  const credentials: RegistryCredentials = {};
  if (auth.username !== undefined && auth.username !== '') {
    credentials.username = auth.username;
    credentials.password = auth.password ?? '';
  }
  if (auth.identitytoken !== undefined && auth.identitytoken !== '')
    credentials.identityToken = auth.identitytoken;
  if (auth.registrytoken !== undefined && auth.registrytoken !== '')
    credentials.registryToken = auth.registrytoken;
  return Object.keys(credentials).length === 0 ? undefined : credentials;
}

function wireProgress(event: RegistryProgress): ProgressMessage {
  const message: ProgressMessage = { status: event.status };
  if (event.id !== undefined) message.id = event.id;
  if (event.current !== undefined && event.total !== undefined) {
    message.progressDetail = { current: event.current, total: event.total };
    message.progress = progressBar(event.current, event.total);
  } else if (event.id !== undefined) {
    message.progressDetail = {};
  }
  return message;
}

function errorLine(error: unknown): ProgressMessage {
  const message = messageOf(error);
  return { errorDetail: { message }, error: message };
}
