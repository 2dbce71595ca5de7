// `berth image build [PATH]`: one Dockerfile build on the engine, with docker build's flags. The context is
// packed here (honouring .dockerignore) and sent to POST /build; progress is drawn step by step, with cache hits
// and timings; a failed build names the step, its command and its last output lines.

import { readFile, writeFile } from 'node:fs/promises';
import { BerthError } from '../../shared/errors.js';
import { prepareUpload, type PackedUpload } from '../../shared/build-context/upload.js';
import { externalHost } from '../engine-target.js';
import type { BuildMessage } from '../../engine/api/build.js';
import { jsonLines, type EngineClient } from '../../engine/client/index.js';
import { BuildPrinter } from '../render/build-progress.js';
import { withEngine } from './image.js';

type Options = Record<string, unknown>;

export async function run(options: Options, args: string[]): Promise<void> {
  const contextDir = args[0] ?? '.';
  if (/^(https?|git):\/\/|^git@|\.git$/.test(contextDir))
    throw new BerthError(
      'InvalidArgument',
      `building from a remote context (${contextDir}) is not supported`,
      {
        hint: 'clone or download it, then build the directory',
      },
    );
  const secrets: Record<string, Buffer> = {};
  for (const spec of list(options.secret)) {
    const { id, content } = await readSecret(spec);
    secrets[id] = content;
  }
  const namedContexts: Record<string, string> = {};
  for (const spec of list(options.buildContext)) {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw new BerthError('Usage', `--build-context expects name=path, got ${spec}`);
    const value = spec.slice(eq + 1);
    if (/^[a-z-]+:\/\//.test(value))
      throw new BerthError(
        'InvalidArgument',
        `--build-context ${spec}: only local directories are supported`,
      );
    namedContexts[spec.slice(0, eq)] = value;
  }
  const upload = await prepareUpload(
    {
      contextDir,
      dockerfile: { path: typeof options.file === 'string' ? options.file : 'Dockerfile' },
      namedContexts,
      secrets,
    },
    externalHost() === undefined,
  );
  const quiet = options.quiet === true;
  await withEngine(async (client) => {
    const outcome = await sendBuild(client, upload, {
      tags: list(options.tag),
      buildArgs: keyValues(options.buildArg, true),
      labels: keyValues(options.label, false) as Record<string, string>,
      target: typeof options.target === 'string' ? options.target : undefined,
      noCache: options.cache === false,
      pull: options.pull === true,
      network: typeof options.network === 'string' ? options.network : undefined,
      extraHosts: list(options.addHost),
      quiet,
    });
    process.stdout.write(quiet ? `${outcome.imageId}\n` : `Built ${outcome.imageId}\n`);
    if (typeof options.iidfile === 'string') await writeFile(options.iidfile, outcome.imageId);
  });
}

export interface SendBuildOptions {
  tags: string[];
  buildArgs: Record<string, string | null>;
  labels: Record<string, string>;
  target: string | undefined;
  noCache: boolean;
  pull: boolean;
  network: string | undefined;
  extraHosts: string[];
  shmSize?: number | undefined;
  quiet: boolean;
  /** Put before every progress line (a compose service name). */
  prefix?: string;
  write?: (text: string) => void;
  signal?: AbortSignal;
}

/** Sends one build and draws its progress; resolves with the image ID or throws the build's error. */
export async function sendBuild(
  client: EngineClient,
  upload: PackedUpload,
  options: SendBuildOptions,
): Promise<{ imageId: string }> {
  const response = await client.build(
    upload.tar,
    {
      t: options.tags,
      dockerfile: upload.dockerfile,
      buildargs: options.buildArgs,
      labels: options.labels,
      target: options.target,
      nocache: options.noCache,
      pull: options.pull,
      networkmode: options.network,
      extrahosts: options.extraHosts,
      shmsize: options.shmSize,
      berthextras: upload.extras,
      berthcontext: upload.inPlace,
    },
    options.signal === undefined ? {} : { signal: options.signal },
  );
  const printer = new BuildPrinter({
    write: options.write ?? ((text) => process.stdout.write(text)),
    quiet: options.quiet,
    ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
  });
  for await (const line of jsonLines(response)) printer.handle(JSON.parse(line) as BuildMessage);
  const outcome = printer.outcome();
  if (outcome.error !== undefined) {
    const [message = 'build failed', ...rest] = outcome.error.split('\n');
    throw new BerthError('FailedPrecondition', message, rest.length > 0 ? { hint: rest.join('\n') } : {});
  }
  if (outcome.imageId === undefined)
    throw new BerthError('Internal', 'the engine ended the build without an image');
  return { imageId: outcome.imageId };
}

function list(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : [];
}

/** `KEY=VALUE` flags; a bare `KEY` takes its value from the environment (build args only). */
function keyValues(value: unknown, fromEnv: boolean): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const entry of list(value)) {
    const eq = entry.indexOf('=');
    if (eq === -1) {
      if (!fromEnv) throw new BerthError('Usage', `expected KEY=VALUE, got ${entry}`);
      const env = process.env[entry];
      if (env !== undefined) out[entry] = env;
      continue;
    }
    out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}

/** `--secret id=x,src=path` or `id=x,env=VAR` (docker build's syntax). */
async function readSecret(spec: string): Promise<{ id: string; content: Buffer }> {
  const fields = new Map<string, string>();
  for (const part of spec.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const id = fields.get('id');
  if (id === undefined || id === '') throw new BerthError('Usage', `--secret ${spec}: id= is required`);
  const env = fields.get('env');
  const source = fields.get('src') ?? fields.get('source');
  if (source !== undefined) {
    const content = await readFile(source).catch((error: unknown) => {
      throw new BerthError('NotFound', `--secret ${spec}: cannot read ${source}`, { cause: error });
    });
    return { id, content };
  }
  const variable = env ?? id;
  const value = process.env[variable];
  if (value === undefined)
    throw new BerthError(
      'InvalidArgument',
      `--secret ${spec}: neither src= nor environment variable ${variable}`,
    );
  return { id, content: Buffer.from(value) };
}
