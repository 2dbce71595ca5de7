// What a client sends to POST /build: one tar holding the context (less what .dockerignore leaves out), the
// Dockerfile when it lives outside the context or is given inline (under a generated name, as the docker CLI
// does), and — for berth's engine — named contexts and secrets under `.berth-build/`. Used by `berth image
// build` and the compose layer alike. Invariant: nothing outside the listed directories and files is read.

import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { BerthError } from '../errors.js';
import { readDockerignore } from './dockerignore.js';
import { packContext } from './pack.js';

export interface BuildUpload {
  contextDir: string;
  /** A Dockerfile path (relative to the context, or absolute), or inline text. */
  dockerfile: { path: string } | { inline: string };
  /** Named build contexts: name → directory. */
  namedContexts?: Readonly<Record<string, string>>;
  /** Secrets: id → content. */
  secrets?: Readonly<Record<string, Buffer>>;
}

export interface PackedUpload {
  /** The request body: the context tar, or nothing when `inPlace` names the directory. */
  tar: Readable;
  /** The context directory for an engine that reads it in place (the `berthcontext` query parameter). */
  inPlace?: string;
  /** The Dockerfile's name inside the tar (the `dockerfile` query parameter). */
  dockerfile: string;
  /** Whether the tar carries `.berth-build/` extras (the `berthextras` query flag). */
  extras: boolean;
}

const EXTRAS = '.berth-build';
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * The context directory and Dockerfile name for an engine that reads this host's files (no upload), or
 * undefined when the build needs a tar: a Dockerfile outside the context or inline, named contexts, secrets.
 */
export async function inPlaceContext(
  upload: BuildUpload,
): Promise<{ contextDir: string; dockerfile: string } | undefined> {
  if ('inline' in upload.dockerfile) return undefined;
  if (Object.keys(upload.namedContexts ?? {}).length > 0 || Object.keys(upload.secrets ?? {}).length > 0)
    return undefined;
  const contextDir = resolve(upload.contextDir);
  await requireDirectory(contextDir, 'build context');
  const inside = relative(contextDir, resolve(contextDir, upload.dockerfile.path));
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return undefined;
  return { contextDir, dockerfile: inside };
}

/**
 * What to send: the directory's name when the engine shares this host's files and the build allows it (nothing
 * to pack, extract or delete), else the packed tar.
 */
export async function prepareUpload(upload: BuildUpload, engineSharesFiles: boolean): Promise<PackedUpload> {
  const local = engineSharesFiles ? await inPlaceContext(upload) : undefined;
  if (local === undefined) return packUpload(upload);
  return { tar: Readable.from([]), inPlace: local.contextDir, dockerfile: local.dockerfile, extras: false };
}

export async function packUpload(upload: BuildUpload): Promise<PackedUpload> {
  const contextDir = resolve(upload.contextDir);
  await requireDirectory(contextDir, 'build context');
  let dockerfile: string;
  let generated: { name: string; content: Buffer } | undefined;
  if ('inline' in upload.dockerfile) {
    const content = Buffer.from(upload.dockerfile.inline);
    dockerfile = generatedName(content);
    generated = { name: dockerfile, content };
  } else {
    const path = resolve(contextDir, upload.dockerfile.path);
    const inside = relative(contextDir, path);
    if (inside !== '' && !inside.startsWith('..') && !isAbsolute(inside)) {
      dockerfile = inside;
    } else {
      const content = await readFile(path).catch((error: unknown) => {
        throw new BerthError('NotFound', `Dockerfile not found: ${path}`, { cause: error });
      });
      dockerfile = generatedName(content);
      generated = { name: dockerfile, content };
    }
  }
  const ignore = await readDockerignore(contextDir, generated === undefined ? dockerfile : 'Dockerfile');
  const sources: Array<{ prefix: string; tar: Readable }> = [
    { prefix: '', tar: packContext(contextDir, { ignore, dockerfile }) },
  ];
  for (const [name, dir] of Object.entries(upload.namedContexts ?? {})) {
    if (!NAME.test(name))
      throw new BerthError('InvalidArgument', `build context name "${name}" is not valid`);
    await requireDirectory(dir, `build context "${name}"`);
    const namedIgnore = await readDockerignore(dir, 'Dockerfile');
    sources.push({ prefix: `${EXTRAS}/contexts/${name}/`, tar: packContext(dir, { ignore: namedIgnore }) });
  }
  const files: Array<{ name: string; content: Buffer; mode: number }> = [];
  if (generated !== undefined) files.push({ ...generated, mode: 0o644 });
  for (const [id, content] of Object.entries(upload.secrets ?? {})) {
    if (!NAME.test(id)) throw new BerthError('InvalidArgument', `build secret id "${id}" is not valid`);
    files.push({ name: `${EXTRAS}/secrets/${id}`, content, mode: 0o600 });
  }
  const extras = sources.length > 1 || files.some((f) => f.name.startsWith(`${EXTRAS}/`));
  return { tar: combine(sources, files), dockerfile, extras };
}

async function requireDirectory(dir: string, what: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (info === undefined) throw new BerthError('NotFound', `${what} ${dir} does not exist`);
  if (!info.isDirectory()) throw new BerthError('InvalidArgument', `${what} ${dir} is not a directory`);
}

function generatedName(content: Buffer): string {
  return `.dockerfile.${createHash('sha256').update(content).digest('hex').slice(0, 20)}`;
}

/** One tar of several: each source's entries under its prefix, then the loose files. */
function combine(
  sources: ReadonlyArray<{ prefix: string; tar: Readable }>,
  files: ReadonlyArray<{ name: string; content: Buffer; mode: number }>,
): Readable {
  const out = tar.pack();
  const result = new PassThrough();
  out.pipe(result);
  void (async () => {
    for (const source of sources) {
      const extract = tar.extract();
      // pipe() does not pass errors on: a failed walk must end the iteration below, not leave it waiting.
      source.tar.once('error', (error) => extract.destroy(error));
      source.tar.pipe(extract);
      for await (const entry of extract) {
        const header = { ...entry.header, name: `${source.prefix}${entry.header.name}` };
        if (header.type === 'link' && typeof header.linkname === 'string')
          header.linkname = `${source.prefix}${header.linkname}`;
        await new Promise<void>((done, reject) => {
          const sink = out.entry(header, (error) => (error ? reject(error) : done()));
          entry.pipe(sink as unknown as NodeJS.WritableStream);
        });
      }
    }
    for (const file of files) {
      await new Promise<void>((done, reject) =>
        out.entry({ name: file.name, mode: file.mode, size: file.content.length }, file.content, (error) =>
          error ? reject(error) : done(),
        ),
      );
    }
    out.finalize();
  })().catch((error: unknown) => result.destroy(error as Error));
  return result;
}
