// `build:` of compose services: each service's build section becomes one POST /build (context packed here,
// .dockerignore honoured), tagged with the service's image name and `build.tags`. Services whose build is the
// same (same context, Dockerfile, arguments, target and image name) are built once; independent builds run at
// the same time. Progress goes to the reporter (structured build messages); a failure names the service.
// Invariant: nothing is built for a service without `build:`; an unsupported option fails before any upload.

import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { BerthError, isBerthError } from '../../shared/errors.js';
import { prepareUpload } from '../../shared/build-context/upload.js';
import type { BuildMessage, BuildQuery } from '../../engine/api/build.js';
import type { Project, Service } from '../model/types.js';
import { serviceImage } from '../create/labels.js';
import type { ComposeEngine } from './engine.js';
import type { Reporter } from './reporter.js';

export interface BuildServicesOptions {
  noCache?: boolean;
  pull?: boolean;
  /** `--build-arg` values over each build's own args. */
  buildArgs?: Readonly<Record<string, string>>;
  quiet?: boolean;
  signal?: AbortSignal;
}

/** Builds the services given (those with `build:`); returns service → image ID. */
export async function buildServices(
  project: Project,
  services: readonly Service[],
  engine: ComposeEngine,
  options: BuildServicesOptions,
  reporter: Reporter,
): Promise<Map<string, string>> {
  const groups = new Map<string, Service[]>();
  for (const service of services) {
    if (service.build === undefined) continue;
    checkSupported(service);
    const key = JSON.stringify([serviceImage(project, service), service.build]);
    groups.set(key, [...(groups.get(key) ?? []), service]);
  }
  const result = new Map<string, string>();
  await Promise.all(
    [...groups.values()].map(async (group) => {
      const first = group[0] as Service;
      const imageId = await buildOne(project, first, engine, options, reporter);
      for (const service of group) result.set(service.name, imageId);
    }),
  );
  return result;
}

async function buildOne(
  project: Project,
  service: Service,
  engine: ComposeEngine,
  options: BuildServicesOptions,
  reporter: Reporter,
): Promise<string> {
  const build = service.build!;
  const image = serviceImage(project, service);
  reporter.event('Image', image, 'Building');
  const contextDir = isAbsolute(build.context) ? build.context : resolve(project.workingDir, build.context);
  const upload = await prepareUpload(
    {
      contextDir,
      dockerfile:
        build.dockerfile_inline !== undefined
          ? { inline: build.dockerfile_inline }
          : { path: build.dockerfile ?? 'Dockerfile' },
      namedContexts: namedContexts(service, contextDir),
      secrets: await buildSecrets(project, service),
    },
    engine.sharesFiles,
  );
  const args: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(build.args ?? {})) if (value !== null) args[key] = value;
  for (const [key, value] of Object.entries(options.buildArgs ?? {})) args[key] = value;
  const query: BuildQuery = {
    t: [image, ...(build.tags ?? [])],
    dockerfile: upload.dockerfile,
    buildargs: args,
    labels: { ...(build.labels ?? {}) },
    ...(build.target === undefined ? {} : { target: build.target }),
    nocache: options.noCache === true || build.no_cache === true,
    pull: options.pull === true || build.pull === true,
    ...(build.network === undefined ? {} : { networkmode: build.network }),
    ...(build.shm_size === undefined ? {} : { shmsize: build.shm_size }),
    extrahosts: Object.entries(build.extra_hosts ?? {}).flatMap(([host, addresses]) =>
      addresses.map((address) => `${host}:${address}`),
    ),
    berthextras: upload.extras,
    ...(upload.inPlace === undefined ? {} : { berthcontext: upload.inPlace }),
  };
  let failure: string | undefined;
  let imageId: string | undefined;
  try {
    await engine.build(
      upload.tar,
      query,
      (message: BuildMessage) => {
        if (message.error !== undefined || message.errorDetail !== undefined)
          failure = message.errorDetail?.message ?? message.error ?? 'build failed';
        const id = message.aux?.ID;
        if (typeof id === 'string') imageId = id;
        if (options.quiet !== true) reporter.build?.(service.name, message);
      },
      options.signal,
    );
  } catch (error) {
    reporter.event('Image', image, 'Error');
    throw new BerthError(
      isBerthError(error) ? error.code : 'Internal',
      `service "${service.name}": build failed: ${messageOf(error)}`,
      {
        cause: error,
      },
    );
  }
  if (failure !== undefined || imageId === undefined) {
    reporter.event('Image', image, 'Error');
    const [message = 'build failed', ...rest] = (
      failure ?? 'the engine ended the build without an image'
    ).split('\n');
    throw new BerthError('FailedPrecondition', `service "${service.name}" failed to build: ${message}`, {
      ...(rest.length > 0 ? { hint: rest.join('\n') } : {}),
    });
  }
  reporter.event('Image', image, 'Built');
  return imageId;
}

/** Options berth's builder cannot honour are refused with the reason, before anything is sent. */
function checkSupported(service: Service): void {
  const build = service.build!;
  if (/^(https?|git|ssh):\/\/|^git@|\.git(#.*)?$/.test(build.context))
    throw new BerthError(
      'InvalidArgument',
      `service "${service.name}": build context ${build.context} is a remote repository, which berth cannot fetch`,
      { hint: 'clone it next to the compose file and point build.context at the directory' },
    );
  if (build.ssh !== undefined && Object.keys(build.ssh).length > 0)
    throw new BerthError(
      'InvalidArgument',
      `service "${service.name}": build.ssh is not supported: berth's builder does not forward SSH agents`,
      { hint: 'pass what the build needs as a build secret (build.secrets) instead' },
    );
}

/** `additional_contexts`: local directories only (relative to the build context). */
function namedContexts(service: Service, contextDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(service.build?.additional_contexts ?? {})) {
    if (/^[a-z][a-z0-9+.-]*:\/\//.test(value) || value.startsWith('service:') || value.startsWith('target:'))
      throw new BerthError(
        'InvalidArgument',
        `service "${service.name}": additional context ${name}=${value} is not supported; only local directories are`,
      );
    out[name] = isAbsolute(value) ? value : resolve(contextDir, value);
  }
  return out;
}

/** `build.secrets`: the project's secrets (a file or an environment variable), by id. */
async function buildSecrets(project: Project, service: Service): Promise<Record<string, Buffer>> {
  const out: Record<string, Buffer> = {};
  for (const reference of service.build?.secrets ?? []) {
    const secret = project.secrets[reference.source];
    if (secret === undefined)
      throw new BerthError(
        'InvalidArgument',
        `service "${service.name}": build secret ${reference.source} is not defined`,
      );
    const id = reference.target ?? reference.source;
    if (secret.file !== undefined) {
      out[id] = await readFile(resolve(project.workingDir, secret.file)).catch((error: unknown) => {
        throw new BerthError('NotFound', `secret ${reference.source}: cannot read ${secret.file}`, {
          cause: error,
        });
      });
    } else if (secret.environment !== undefined) {
      const value = project.environment.get(secret.environment) ?? process.env[secret.environment];
      if (value === undefined)
        throw new BerthError(
          'InvalidArgument',
          `secret ${reference.source}: environment variable ${secret.environment} is not set`,
        );
      out[id] = Buffer.from(value);
    } else if (secret.content !== undefined) {
      out[id] = Buffer.from(secret.content);
    } else {
      throw new BerthError(
        'InvalidArgument',
        `secret ${reference.source}: external secrets cannot be used in builds`,
      );
    }
  }
  return out;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
