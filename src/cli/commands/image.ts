// `berth image ls|inspect|rm|tag|import|load|save|history|prune`: the engine's images through the Docker API,
// printed as Docker prints them (or as JSON lines with --format json). Reaches the engine only through the client
// (auto-starting it), so the same commands work against any Docker-compatible socket.

import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError, messageOf } from '../../shared/errors.js';
import { encodeFilters } from '../../engine/api/filters.js';
import type {
  ImageDeleteItem,
  ImageHistoryItem,
  ImageInspect,
  ImageSummary,
  ProgressMessage,
} from '../../engine/api/images.js';
import { jsonLines, type EngineClient } from '../../engine/client/index.js';
import { connectEngine } from '../engine-target.js';
import { humanSize } from '../render/human.js';
import { historyRows, imageRows, imageTable } from '../render/images.js';
import { formatTable } from '../render/table.js';

type Options = Record<string, unknown>;

/** Runs `work` with a client of the engine (the embedded one started in the background if needed), then closes it. */
export async function withEngine<T>(work: (client: EngineClient) => Promise<T>): Promise<T> {
  const client = await connectEngine();
  try {
    return await work(client);
  } finally {
    client.close();
  }
}

/** `--filter a=b` flags (repeatable) as the API's filters map. */
export function filtersOf(values: unknown): Record<string, string[]> | undefined {
  const list = Array.isArray(values) ? (values as string[]) : [];
  if (list.length === 0) return undefined;
  const filters: Record<string, string[]> = {};
  for (const entry of list) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new BerthError('Usage', `bad format of filter (expected name=value): ${entry}`);
    (filters[entry.slice(0, eq)] ??= []).push(entry.slice(eq + 1));
  }
  return filters;
}

/** A name as a path segment: slashes stay (the engine's routes take names with slashes), the rest is escaped. */
export function pathName(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}

export function printJsonLines(values: readonly unknown[]): void {
  for (const value of values) process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Runs `each` for every name, printing failures as Docker does and setting exit code 1 if any failed. */
export async function forEachName(
  names: readonly string[],
  each: (name: string) => Promise<void>,
): Promise<void> {
  let failed = false;
  for (const name of names) {
    try {
      await each(name);
    } catch (error) {
      if (!(error instanceof BerthError)) throw error;
      failed = true;
      process.stderr.write(`Error response from engine: ${error.message}\n`);
    }
  }
  if (failed) process.exitCode = 1;
}

export async function ls(options: Options, args: string[]): Promise<void> {
  const filters = filtersOf(options.filter) ?? {};
  if (args[0] !== undefined) (filters.reference ??= []).push(args[0]);
  const images = await withEngine((client) =>
    client.requestJson<ImageSummary[]>({
      path: '/images/json',
      query: {
        all: options.all === true,
        digests: options.digests === true,
        filters: Object.keys(filters).length === 0 ? undefined : encodeFilters(filters),
      },
    }),
  );
  const listOptions = { digests: options.digests === true, noTrunc: options.trunc === false };
  if (options.quiet) {
    const ids = [...new Set(images.map((i) => (listOptions.noTrunc ? i.Id : i.Id.slice(7, 19))))];
    for (const id of ids) process.stdout.write(`${id}\n`);
    return;
  }
  const rows = imageRows(images, Date.now(), listOptions);
  if (options.format === 'json') return printJsonLines(rows);
  const { headers, cells } = imageTable(rows, listOptions);
  process.stdout.write(formatTable(headers, cells));
}

export async function inspect(_options: Options, args: string[]): Promise<void> {
  const found: ImageInspect[] = [];
  await withEngine((client) =>
    forEachName(args, async (name) => {
      found.push(await client.requestJson<ImageInspect>({ path: `/images/${pathName(name)}/json` }));
    }),
  );
  process.stdout.write(`${JSON.stringify(found, null, 4)}\n`);
}

export async function rm(options: Options, args: string[]): Promise<void> {
  await withEngine((client) =>
    forEachName(args, async (name) => {
      const items = await client.requestJson<ImageDeleteItem[]>({
        method: 'DELETE',
        path: `/images/${pathName(name)}`,
        query: { force: options.force === true, noprune: options.prune === false },
      });
      for (const item of items) {
        process.stdout.write(
          'Deleted' in item ? `Deleted: ${item.Deleted}\n` : `Untagged: ${item.Untagged}\n`,
        );
      }
    }),
  );
}

export async function tag(_options: Options, args: string[]): Promise<void> {
  const [source, target] = args;
  if (source === undefined || target === undefined)
    throw new BerthError('Usage', 'usage: berth image tag SOURCE TARGET');
  const { repo, tag: tagName } = splitTag(target);
  await withEngine((client) =>
    client.request({
      method: 'POST',
      path: `/images/${pathName(source)}/tag`,
      query: { repo, tag: tagName },
    }),
  );
}

/** `name:tag` → { repo: name, tag }; a colon before the last slash is a registry port, not a tag. */
export function splitTag(reference: string): { repo: string; tag: string | undefined } {
  if (reference.includes('@'))
    throw new BerthError('Usage', `refusing to create a tag with a digest: ${reference}`);
  const colon = reference.lastIndexOf(':');
  if (colon > reference.lastIndexOf('/'))
    return { repo: reference.slice(0, colon), tag: reference.slice(colon + 1) };
  return { repo: reference, tag: undefined };
}

export async function importImage(options: Options, args: string[]): Promise<void> {
  const [file, reference] = args;
  if (file === undefined)
    throw new BerthError('Usage', 'usage: berth image import FILE|- [REPOSITORY[:TAG]]');
  const query = new URLSearchParams({ fromSrc: '-' });
  if (reference !== undefined) {
    const { repo, tag: tagName } = splitTag(reference);
    query.set('repo', repo);
    if (tagName !== undefined) query.set('tag', tagName);
  }
  for (const change of (options.change as string[] | undefined) ?? []) query.append('changes', change);
  if (typeof options.message === 'string') query.set('message', options.message);
  const body = file === '-' ? stdinOrFail('import') : createReadStream(file);
  await withEngine(async (client) => {
    const response = await client.stream({
      method: 'POST',
      path: `/images/create?${query.toString()}`,
      body,
    });
    await printProgress(response, { statusOnly: true });
  });
}

export async function load(options: Options): Promise<void> {
  const body = typeof options.input === 'string' ? createReadStream(options.input) : stdinOrFail('load');
  await withEngine(async (client) => {
    const response = await client.stream({
      method: 'POST',
      path: '/images/load',
      query: { quiet: options.quiet === true },
      body,
    });
    await printProgress(response, { statusOnly: false });
  });
}

export async function save(options: Options, args: string[]): Promise<void> {
  if (args.length === 0) throw new BerthError('Usage', 'usage: berth image save [-o FILE] IMAGE...');
  const output = typeof options.output === 'string' ? options.output : undefined;
  if (output === undefined && process.stdout.isTTY) {
    throw new BerthError(
      'Usage',
      'refusing to write an image archive to a terminal: use -o FILE or redirect the output',
    );
  }
  const query = new URLSearchParams();
  for (const name of args) query.append('names', name);
  await withEngine(async (client) => {
    const response = await client.stream({ path: `/images/get?${query.toString()}` });
    await pipeline(response, output === undefined ? process.stdout : createWriteStream(output));
  });
}

export async function history(options: Options, args: string[]): Promise<void> {
  const [name] = args;
  if (name === undefined) throw new BerthError('Usage', 'usage: berth image history IMAGE');
  const items = await withEngine((client) =>
    client.requestJson<ImageHistoryItem[]>({ path: `/images/${pathName(name)}/history` }),
  );
  const rows = historyRows(items, Date.now(), options.trunc === false);
  if (options.quiet) {
    for (const row of rows) process.stdout.write(`${row.ID}\n`);
    return;
  }
  if (options.format === 'json') return printJsonLines(rows);
  process.stdout.write(
    formatTable(
      ['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'],
      rows.map((r) => [r.ID, r.CreatedSince, r.CreatedBy, r.Size, r.Comment]),
    ),
  );
}

export async function prune(options: Options): Promise<void> {
  const filters = filtersOf(options.filter) ?? {};
  if (options.all) filters.dangling = ['false'];
  if (!options.force) {
    const what = options.all
      ? 'all images without at least one container associated to them'
      : 'all dangling images';
    if (!(await confirm(`WARNING! This will remove ${what}.\nAre you sure you want to continue? [y/N] `)))
      return;
  }
  const result = await withEngine((client) =>
    client.requestJson<{ ImagesDeleted: ImageDeleteItem[] | null; SpaceReclaimed: number }>({
      method: 'POST',
      path: '/images/prune',
      query: { filters: Object.keys(filters).length === 0 ? undefined : encodeFilters(filters) },
    }),
  );
  if (options.format === 'json') {
    printJsonLines([result]);
    return;
  }
  const deleted = result.ImagesDeleted ?? [];
  if (deleted.length > 0) {
    process.stdout.write('Deleted Images:\n');
    for (const item of deleted) {
      process.stdout.write('Deleted' in item ? `deleted: ${item.Deleted}\n` : `untagged: ${item.Untagged}\n`);
    }
    process.stdout.write('\n');
  }
  process.stdout.write(`Total reclaimed space: ${humanSize(result.SpaceReclaimed)}\n`);
}

/** Asks on the terminal (or reads a line from piped stdin); anything but y/yes is no. */
export async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(question);
    return /^y(es)?$/i.test(answer.trim());
  } catch {
    return false;
  } finally {
    rl.close();
  }
}

function stdinOrFail(verb: string): Readable {
  if (process.stdin.isTTY) {
    throw new BerthError(
      'Usage',
      `${verb}: standard input is a terminal; give a file or pipe the archive in`,
    );
  }
  return process.stdin;
}

/** Prints a JSON progress stream (load, import); a message with an error ends the command with that error. */
async function printProgress(response: Readable, options: { statusOnly: boolean }): Promise<void> {
  for await (const line of jsonLines(response)) {
    let message: ProgressMessage;
    try {
      message = JSON.parse(line) as ProgressMessage;
    } catch (error) {
      throw new BerthError('Internal', `unreadable progress from the engine: ${messageOf(error)}`);
    }
    if (message.error !== undefined || message.errorDetail !== undefined) {
      throw new BerthError('Internal', message.errorDetail?.message ?? message.error ?? 'failed');
    }
    if (message.stream !== undefined && !options.statusOnly) process.stdout.write(message.stream);
    else if (message.status !== undefined) process.stdout.write(`${message.status}\n`);
  }
}

/** `berth image bootstrap debian:bookworm`: a base image from the distribution's repositories (mmdebstrap). */
export async function bootstrap(options: Options, args: string[]): Promise<void> {
  const [image] = args;
  if (image === undefined)
    throw new BerthError(
      'Usage',
      'usage: berth image bootstrap [--variant V] [--mirror URL] [--include P,...] [-t NAME] debian:SUITE|ubuntu:SUITE',
    );
  const { bootstrapRootfs, loadIntoEngine } = await import('../bootstrap/bootstrap.js');
  const quiet = options.quiet === true;
  // Ctrl-C stops mmdebstrap or the load, and the temporary root filesystem is still removed.
  const interrupt = new AbortController();
  process.removeAllListeners('SIGINT');
  process.once('SIGINT', () => interrupt.abort());
  const made = await bootstrapRootfs(
    {
      image,
      ...(typeof options.variant === 'string' ? { variant: options.variant } : {}),
      ...(typeof options.mirror === 'string' ? { mirror: options.mirror } : {}),
      ...(Array.isArray(options.include) ? { include: options.include as string[] } : {}),
      ...(typeof options.tag === 'string' ? { tag: options.tag } : {}),
    },
    {
      onProgress: quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
      signal: interrupt.signal,
    },
  );
  try {
    if (!quiet) process.stderr.write(`Loading ${made.target.tag} into the engine\n`);
    await withEngine((client) => loadIntoEngine(client, made.archive(), interrupt.signal));
    process.stdout.write(`${made.target.tag} ${made.layer.diffId}\n`);
  } finally {
    await made.dispose();
  }
}
