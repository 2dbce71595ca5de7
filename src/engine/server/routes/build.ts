// POST /build: Docker's classic build API (what `docker build` uses without BuildKit, and what berth's own
// CLI sends). The body is the context as a tar (plain or compressed); the answer is a JSON-lines stream with
// Docker's step lines ("Step 1/4 : FROM busybox", " ---> Using cache", " ---> 3f2a…"), the steps' output, an
// `aux` line with the image ID, and "Successfully built/tagged". berth's CLI may also send named contexts and
// secrets inside the tar under `.berth-build/`, announced by the `berthextras` query flag.
// Invariant: the extracted context and every scratch file of the build are gone when the answer ends.

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { BerthError, isBerthError, messageOf } from '../../../shared/errors.js';
import { createIgnoreMatcher, readDockerignore } from '../../../shared/build-context/dockerignore.js';
import { BUILD_EXTRAS_DIR, type BuildMessage } from '../../api/build.js';
import type { AuthConfig } from '../../api/registry.js';
import { extractContext } from '../../build/context/extract.js';
import type { BuildEvent, BuildOptions } from '../../build/executor.js';
import { familiarString, parseReferenceWithDefaultTag } from '../../image/reference.js';
import { resolveInRoot } from '../../runtime/root-path.js';
import type { RequestContext } from '../context.js';
import type { EngineServices, RouteModule } from '../services.js';
import { pullForBuild } from './registry.js';

export const buildRoutes: RouteModule = {
  name: 'build',
  register(router, services) {
    router.post('/build', (ctx) => build(ctx, services));
    router.post('/build/prune', async (ctx) => {
      ctx.sendJson(200, await services.builder.prune());
    });
  },
};

async function build(ctx: RequestContext, services: EngineServices): Promise<void> {
  const q = ctx.query;
  const remote = q.get('remote');
  if (remote !== null && remote !== '')
    throw new BerthError(
      'InvalidArgument',
      `building from a remote context (${remote}) is not supported by berth's engine: clone or download it and build the directory`,
    );
  if (q.get('version') === '2')
    throw new BerthError(
      'InvalidArgument',
      'BuildKit sessions are not supported: build with DOCKER_BUILDKIT=0',
    );
  const tags = q.getAll('t').filter((t) => t !== '');
  for (const tag of tags) parseReferenceWithDefaultTag(tag); // a bad tag fails before the upload is read
  const quiet = truthy(q.get('q'));
  const dockerfileName = q.get('dockerfile') || 'Dockerfile';
  const network = q.get('networkmode') || 'default';
  if (!['default', 'bridge', 'none', 'host'].includes(network))
    throw new BerthError(
      'InvalidArgument',
      `network mode ${network} is not supported for builds (default, none or host)`,
    );

  const work = join(services.config.root, 'build', 'tmp', `ctx-${randomBytes(8).toString('hex')}`);
  const inPlace = q.get('berthcontext') ?? '';
  const contextDir = inPlace === '' ? join(work, 'context') : await localContextDir(inPlace);
  await mkdir(inPlace === '' ? contextDir : work, { recursive: true, mode: 0o700 });
  try {
    if (inPlace === '') await extractContext(ctx.bodyStream(), contextDir);
    else for await (const _ of ctx.bodyStream()); // nothing is expected; read whatever came
    const extras =
      inPlace === '' && truthy(q.get('berthextras'))
        ? await takeExtras(contextDir, join(work, 'extras'))
        : undefined;
    const dockerfilePath = await resolveInRoot(contextDir, dockerfileName);
    const text = await readFile(dockerfilePath, 'utf8').catch((error: unknown) => {
      throw new BerthError('InvalidArgument', `Cannot locate specified Dockerfile: ${dockerfileName}`, {
        cause: error,
      });
    });
    const ignore = createIgnoreMatcher(await readDockerignore(contextDir, dockerfileName));
    const options: BuildOptions = {
      contextDir,
      contextIgnore: (rel) => ignore(rel),
      contextInPlace: inPlace !== '',
      dockerfile: { name: dockerfileName, text },
      tags,
      buildArgs: jsonMap(q.get('buildargs'), 'buildargs'),
      target: q.get('target') || undefined,
      labels: stringMap(jsonMap(q.get('labels'), 'labels')),
      noCache: truthy(q.get('nocache')),
      pull: truthy(q.get('pull')),
      network: network === 'bridge' ? 'default' : network,
      extraHosts: extraHosts(q.get('extrahosts')),
      shmSize: positive(q.get('shmsize')),
      namedContexts: extras?.contexts ?? {},
      secrets: extras?.secrets ?? {},
      signal: ctx.signal,
    };
    const authConfigs = registryConfig(ctx);
    const stream = ctx.startJsonStream();
    const write = (message: BuildMessage) => stream.write(message);
    try {
      const result = await services.builder.build(
        options,
        quiet ? () => undefined : (event) => write(wire(event)),
        (reference, onStatus, signal) => pullForBuild(services, reference, authConfigs, onStatus, signal),
      );
      const id = result.image.id;
      write({ aux: { ID: id } });
      if (quiet) write({ stream: `${id}\n` });
      else {
        write({ stream: `Successfully built ${id.slice(7, 19)}\n` });
        for (const tag of tags)
          write({ stream: `Successfully tagged ${familiarString(parseReferenceWithDefaultTag(tag))}\n` });
      }
      for (const tag of tags)
        services.events.publish({
          type: 'image',
          action: 'tag',
          actor: { id, attributes: { name: familiarString(parseReferenceWithDefaultTag(tag)) } },
        });
    } catch (error) {
      if (!isBerthError(error, 'Cancelled')) services.log.warn(`build failed: ${messageOf(error)}`);
      const message =
        isBerthError(error) && error.hint !== undefined
          ? `${error.message}\n${error.hint}`
          : messageOf(error);
      write({ errorDetail: { message }, error: message });
    } finally {
      stream.end();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** A build event as Docker's classic builder writes it, with berth's structured copy. */
function wire(event: BuildEvent): BuildMessage {
  switch (event.type) {
    case 'step':
      return {
        stream: `Step ${event.step}/${event.total} : ${event.text}\n`,
        berth: { kind: 'step', step: event.step, total: event.total, stage: event.stage, text: event.text },
      };
    case 'cached':
      return { stream: ' ---> Using cache\n', berth: { kind: 'cached', step: event.step } };
    case 'output':
      return {
        stream: event.data.toString('utf8'),
        berth: { kind: 'output', step: event.step, stderr: event.stream === 'stderr' },
      };
    case 'step-done':
      return { stream: ` ---> ${event.id}\n`, berth: { kind: 'done', step: event.step, ms: event.ms } };
    case 'pull':
      return { status: event.status, id: event.image };
    case 'warning':
      return { stream: `[Warning] ${event.message}\n` };
  }
}

/** `berthcontext`: an absolute directory of this host, used in place. */
async function localContextDir(path: string): Promise<string> {
  if (!isAbsolute(path))
    throw new BerthError('InvalidArgument', `berthcontext must be an absolute path, not ${path}`);
  const info = await stat(path).catch(() => undefined);
  if (info === undefined || !info.isDirectory())
    throw new BerthError('NotFound', `build context ${path} is not a directory on the engine's host`);
  return path;
}

/** Moves `.berth-build/contexts/<name>` and `.berth-build/secrets/<id>` out of the context. */
async function takeExtras(
  contextDir: string,
  extrasDir: string,
): Promise<{ contexts: Record<string, string>; secrets: Record<string, string> }> {
  const source = join(contextDir, BUILD_EXTRAS_DIR);
  const found = await stat(source).catch(() => undefined);
  if (found === undefined || !found.isDirectory()) return { contexts: {}, secrets: {} };
  await rename(source, extrasDir);
  const list = async (dir: string) =>
    (await readdir(join(extrasDir, dir)).catch(() => [] as string[])).sort();
  const contexts: Record<string, string> = {};
  for (const name of await list('contexts')) contexts[name] = join(extrasDir, 'contexts', name);
  const secrets: Record<string, string> = {};
  for (const id of await list('secrets')) secrets[id] = join(extrasDir, 'secrets', id);
  return { contexts, secrets };
}

function truthy(value: string | null): boolean {
  return value !== null && ['1', 'true', 'True', 'yes'].includes(value);
}

function positive(value: string | null): number | undefined {
  if (value === null || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

function jsonMap(value: string | null, name: string): Record<string, string | undefined> {
  if (value === null || value === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new BerthError('InvalidArgument', `${name} is not valid JSON`, { cause: error });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new BerthError('InvalidArgument', `${name} must be a JSON object`);
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(parsed)) out[k] = v === null ? undefined : String(v);
  return out;
}

function stringMap(map: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(map)) out[k] = v ?? '';
  return out;
}

/** `extrahosts`: Docker sends a comma- or space-separated list of host:ip. */
function extraHosts(value: string | null): string[] {
  if (value === null || value === '') return [];
  return value.split(/[,\s]+/).filter((h) => h !== '');
}

/** X-Registry-Config: base64url JSON of every registry's credentials, keyed by server. */
function registryConfig(ctx: RequestContext): Record<string, AuthConfig> {
  const header = ctx.req.headers['x-registry-config'];
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value === '') return {};
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, AuthConfig>) : {};
  } catch {
    return {};
  }
}
