// `berth container ls|inspect|logs|exec|rm|stop|start|kill|cp|top|stats`: engine-wide views of containers through
// the Docker API (the compose verbs work per project elsewhere). Reaches the engine only through the client.
// Invariant: output streams are demultiplexed exactly as the engine framed them (stdcopy without a TTY, raw with
// one), and a terminal put in raw mode is always restored.

import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, readlink, stat, symlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import type { Duplex, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { BerthError } from '../../shared/errors.js';
import type {
  ContainerInspect,
  ContainerSummary,
  ContainerTopResponse,
} from '../../engine/api/containers.js';
import type { ExecCreateResponse, ExecInspect } from '../../engine/api/exec.js';
import { encodeFilters } from '../../engine/api/filters.js';
import { StdFrameDecoder, StdStream } from '../../engine/api/stdcopy.js';
import { jsonLines, type EngineClient } from '../../engine/client/index.js';
import {
  CONTAINER_HEADERS,
  STATS_HEADERS,
  containerCells,
  containerRows,
  statsCells,
  statsRow,
  type StatsRow,
  type StatsSample,
} from '../render/containers.js';
import { formatTable } from '../render/table.js';
import { filtersOf, forEachName, pathName, printJsonLines, withEngine } from './image.js';

type Options = Record<string, unknown>;

export async function ls(options: Options): Promise<void> {
  const filters = filtersOf(options.filter);
  const containers = await withEngine((client) =>
    client.requestJson<ContainerSummary[]>({
      path: '/containers/json',
      query: {
        all: options.all === true,
        filters: filters === undefined ? undefined : encodeFilters(filters),
      },
    }),
  );
  const rows = containerRows(containers, Date.now(), options.trunc === false);
  if (options.quiet) {
    for (const row of rows) process.stdout.write(`${row.ID}\n`);
    return;
  }
  if (options.format === 'json') return printJsonLines(rows);
  process.stdout.write(formatTable(CONTAINER_HEADERS, rows.map(containerCells)));
}

export async function inspect(_options: Options, args: string[]): Promise<void> {
  const found: ContainerInspect[] = [];
  await withEngine((client) =>
    forEachName(args, async (name) => {
      found.push(await client.requestJson<ContainerInspect>({ path: `/containers/${pathName(name)}/json` }));
    }),
  );
  process.stdout.write(`${JSON.stringify(found, null, 4)}\n`);
}

export async function logs(options: Options, args: string[]): Promise<void> {
  const [name] = args;
  if (name === undefined) throw new BerthError('Usage', 'usage: berth container logs [OPTIONS] CONTAINER');
  await withEngine(async (client) => {
    const container = await client.requestJson<ContainerInspect>({
      path: `/containers/${pathName(name)}/json`,
    });
    const abort = new AbortController();
    const onInterrupt = () => abort.abort();
    if (options.follow) {
      process.removeAllListeners('SIGINT');
      process.once('SIGINT', onInterrupt);
    }
    try {
      const response = await client.stream({
        path: `/containers/${pathName(name)}/logs`,
        query: {
          stdout: true,
          stderr: true,
          follow: options.follow === true,
          timestamps: options.timestamps === true,
          tail: typeof options.tail === 'string' ? options.tail : 'all',
          since: typeof options.since === 'string' ? options.since : undefined,
          until: typeof options.until === 'string' ? options.until : undefined,
        },
        signal: abort.signal,
      });
      await copyOutput(response, container.Config.Tty === true);
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    } finally {
      process.off('SIGINT', onInterrupt);
    }
  });
}

/** Writes a container's output to ours: raw with a TTY, demultiplexed into stdout and stderr without one. */
async function copyOutput(source: Readable | Duplex, tty: boolean): Promise<void> {
  if (tty) {
    for await (const chunk of source) await write(process.stdout, chunk as Buffer);
    return;
  }
  const decoder = new StdFrameDecoder();
  for await (const chunk of source) {
    for (const frame of decoder.push(chunk as Buffer)) {
      await write(frame.stream === StdStream.stderr ? process.stderr : process.stdout, frame.payload);
    }
  }
}

function write(stream: NodeJS.WriteStream, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(data, (error) => (error ? reject(error) : resolve()));
  });
}

export async function exec(options: Options, args: string[]): Promise<void> {
  const [name, ...command] = args;
  if (name === undefined || command.length === 0) {
    throw new BerthError('Usage', 'usage: berth container exec [OPTIONS] CONTAINER COMMAND [ARG...]');
  }
  const stdinIsTty = process.stdin.isTTY === true;
  const tty = options.tty === undefined ? stdinIsTty && process.stdout.isTTY === true : options.tty === true;
  const interactive = options.interactive === true || (options.interactive === undefined && stdinIsTty);
  const detach = options.detach === true;
  await withEngine(async (client) => {
    const { Id: execId } = await client.requestJson<ExecCreateResponse>({
      method: 'POST',
      path: `/containers/${pathName(name)}/exec`,
      body: {
        AttachStdin: interactive && !detach,
        AttachStdout: !detach,
        AttachStderr: !detach,
        Tty: tty,
        Cmd: command,
        Env: (options.env as string[] | undefined) ?? [],
        ...(typeof options.user === 'string' ? { User: options.user } : {}),
        ...(typeof options.workdir === 'string' ? { WorkingDir: options.workdir } : {}),
        Privileged: options.privileged === true,
        ...(tty && process.stdout.rows ? { ConsoleSize: [process.stdout.rows, process.stdout.columns] } : {}),
      },
    });
    if (detach) {
      await client.request({
        method: 'POST',
        path: `/exec/${execId}/start`,
        body: { Detach: true, Tty: tty },
      });
      return;
    }
    const { socket } = await client.hijack({
      method: 'POST',
      path: `/exec/${execId}/start`,
      body: { Detach: false, Tty: tty },
    });
    await runAttached(client, `/exec/${execId}/resize`, socket, { tty, interactive });
    process.exitCode = await execExitCode(client, execId);
  });
}

/**
 * Relays a hijacked connection: our stdin to it (raw when both ends are terminals), its output to ours, and
 * terminal size changes to `resizePath` (an exec's or a container's resize route).
 */
export async function runAttached(
  client: EngineClient,
  resizePath: string,
  socket: Duplex,
  mode: { tty: boolean; interactive: boolean },
): Promise<void> {
  const stdin = process.stdin;
  const raw = mode.tty && mode.interactive && stdin.isTTY === true;
  const resize = () => {
    if (!process.stdout.rows) return;
    void client
      .request({
        method: 'POST',
        path: resizePath,
        query: { h: process.stdout.rows, w: process.stdout.columns },
      })
      .catch(() => undefined);
  };
  if (raw) stdin.setRawMode(true);
  if (mode.tty) {
    resize();
    process.stdout.on('resize', resize);
  }
  const forwardInput = () => {
    stdin.on('data', (chunk) => socket.write(chunk));
    // End of our input is the end of the process's input; the output keeps flowing until the engine closes.
    stdin.once('end', () => socket.end());
  };
  if (mode.interactive) forwardInput();
  try {
    await copyOutput(socket, mode.tty);
  } finally {
    if (mode.tty) process.stdout.off('resize', resize);
    if (raw) stdin.setRawMode(false);
    if (mode.interactive) {
      stdin.removeAllListeners('data');
      stdin.pause();
      stdin.destroy();
    }
    socket.destroy();
  }
}

/** The exec's exit code; the engine may record it a moment after the stream closes. */
async function execExitCode(client: EngineClient, execId: string): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const state = await client.requestJson<ExecInspect>({ path: `/exec/${execId}/json` });
    if (!state.Running && state.ExitCode !== null) return state.ExitCode;
    if (attempt >= 100) throw new BerthError('Internal', `exec ${execId} did not report an exit code`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function rm(options: Options, args: string[]): Promise<void> {
  await eachContainer(args, (client, name) =>
    client.request({
      method: 'DELETE',
      path: `/containers/${pathName(name)}`,
      query: { force: options.force === true, v: options.volumes === true },
    }),
  );
}

export async function stop(options: Options, args: string[]): Promise<void> {
  await eachContainer(args, (client, name) =>
    client.request({
      method: 'POST',
      path: `/containers/${pathName(name)}/stop`,
      query: {
        t: typeof options.time === 'string' ? options.time : undefined,
        signal: typeof options.signal === 'string' ? options.signal : undefined,
      },
    }),
  );
}

export async function start(_options: Options, args: string[]): Promise<void> {
  await eachContainer(args, (client, name) =>
    client.request({ method: 'POST', path: `/containers/${pathName(name)}/start` }),
  );
}

export async function kill(options: Options, args: string[]): Promise<void> {
  await eachContainer(args, (client, name) =>
    client.request({
      method: 'POST',
      path: `/containers/${pathName(name)}/kill`,
      query: { signal: typeof options.signal === 'string' ? options.signal : undefined },
    }),
  );
}

/** Applies one request per container, printing each name that succeeded (as Docker does). */
async function eachContainer(
  names: readonly string[],
  act: (client: EngineClient, name: string) => Promise<unknown>,
): Promise<void> {
  if (names.length === 0) throw new BerthError('Usage', 'at least one container is required');
  await withEngine((client) =>
    forEachName(names, async (name) => {
      await act(client, name);
      process.stdout.write(`${name}\n`);
    }),
  );
}

export async function top(options: Options, args: string[]): Promise<void> {
  const [name] = args;
  if (name === undefined) throw new BerthError('Usage', 'usage: berth container top CONTAINER [ps OPTIONS]');
  const psArgs = args.slice(1).join(' ');
  const result = await withEngine((client) =>
    client.requestJson<ContainerTopResponse>({
      path: `/containers/${pathName(name)}/top`,
      query: { ps_args: psArgs === '' ? undefined : psArgs },
    }),
  );
  if (options.format === 'json') return printJsonLines([result]);
  process.stdout.write(formatTable(result.Titles, result.Processes));
}

export async function stats(options: Options & { stream?: boolean }, args: string[]): Promise<void> {
  if (options.stream === false) return statsSnapshot(options, args);
  await withEngine(async (client) => {
    const names =
      args.length > 0
        ? args
        : (await client.requestJson<ContainerSummary[]>({ path: '/containers/json' })).map((c) => c.Id);
    const latest = new Map<string, StatsRow>();
    const clear = process.stdout.isTTY ? '\x1b[2J\x1b[H' : '';
    let drawn = 0;
    const draw = (): void => {
      const rows = names.map((name) => latest.get(name)).filter((row) => row !== undefined);
      process.stdout.write(clear + formatTable(STATS_HEADERS, rows.map(statsCells)));
      drawn = Date.now();
    };
    // One stream per container; the table is drawn again as samples arrive, at most twice a second.
    await Promise.all(
      names.map(async (name) => {
        const response = await client.stream({
          path: `/containers/${pathName(name)}/stats`,
          query: { stream: true },
        });
        for await (const line of jsonLines(response)) {
          const sample = JSON.parse(line) as StatsSample;
          const row = statsRow(sample.id ?? name, sample);
          latest.set(name, row);
          if (options.format === 'json') printJsonLines([row]);
          else if (Date.now() - drawn >= 500) draw();
        }
        latest.delete(name); // the container stopped
        if (options.format !== 'json') draw();
      }),
    );
  });
}

async function statsSnapshot(options: Options, args: string[]): Promise<void> {
  const samples = await withEngine(async (client) => {
    const names =
      args.length > 0
        ? args
        : (await client.requestJson<ContainerSummary[]>({ path: '/containers/json' })).map((c) => c.Id);
    const found: Array<{ id: string; sample: StatsSample }> = [];
    await forEachName(names, async (name) => {
      const sample = await client.requestJson<StatsSample>({
        path: `/containers/${pathName(name)}/stats`,
        query: { stream: false },
      });
      found.push({ id: sample.id ?? name, sample });
    });
    return found;
  });
  const rows = samples.map(({ id, sample }) => statsRow(id, sample));
  if (options.format === 'json') return printJsonLines(rows);
  process.stdout.write(formatTable(STATS_HEADERS, rows.map(statsCells)));
}

// --- cp ---------------------------------------------------------------------------------------------------

/** `CONTAINER:PATH` → its parts; a local path (even with a colon after a slash) → undefined. */
export function splitContainerPath(arg: string): { container: string; path: string } | undefined {
  const colon = arg.indexOf(':');
  if (colon <= 0 || arg.slice(0, colon).includes('/')) return undefined;
  return { container: arg.slice(0, colon), path: arg.slice(colon + 1) || '/' };
}

/** Go's os.ModeDir in the stat header of the archive routes. */
const MODE_DIR = 0x80000000;

export async function cp(_options: Options, args: string[]): Promise<void> {
  const [source, destination] = args;
  if (source === undefined || destination === undefined) {
    throw new BerthError('Usage', 'usage: berth container cp CONTAINER:SRC DEST | SRC CONTAINER:DEST');
  }
  const from = splitContainerPath(source);
  const to = splitContainerPath(destination);
  if ((from === undefined) === (to === undefined)) {
    throw new BerthError('Usage', 'copying needs exactly one side to be CONTAINER:PATH');
  }
  await withEngine(async (client) => {
    if (from !== undefined) await copyOut(client, from, destination);
    else if (to !== undefined) await copyIn(client, source, to);
  });
}

async function copyOut(client: EngineClient, from: { container: string; path: string }, destination: string) {
  const response = await client.stream({
    path: `/containers/${pathName(from.container)}/archive`,
    query: { path: from.path },
  });
  if (destination === '-') {
    await pipeline(response, process.stdout);
    return;
  }
  const target = path.resolve(destination);
  const existing = await stat(target).catch(() => undefined);
  // Into an existing directory the copy keeps its name; otherwise it takes the destination's name.
  const into = existing?.isDirectory() === true ? target : path.dirname(target);
  const rename = existing?.isDirectory() === true ? undefined : path.basename(target);
  if (existing === undefined && destination.endsWith('/')) {
    throw new BerthError('NotFound', `destination directory ${destination} does not exist`);
  }
  await extractTar(response, into, rename);
}

async function copyIn(client: EngineClient, source: string, to: { container: string; path: string }) {
  const archivePath = `/containers/${pathName(to.container)}/archive`;
  if (source === '-') {
    await client.request({ method: 'PUT', path: archivePath, query: { path: to.path }, body: process.stdin });
    return;
  }
  const local = path.resolve(source);
  const info = await lstat(local).catch(() => undefined);
  if (info === undefined) throw new BerthError('NotFound', `no such file or directory: ${source}`);
  let directory = to.path;
  let name = path.basename(local);
  try {
    const head = await client.request({ method: 'HEAD', path: archivePath, query: { path: to.path } });
    const statHeader = head.headers['x-docker-container-path-stat'];
    const mode =
      statHeader === undefined
        ? 0
        : Number(JSON.parse(Buffer.from(String(statHeader), 'base64').toString('utf8')).mode);
    if ((mode & MODE_DIR) === 0) {
      directory = path.posix.dirname(to.path);
      name = path.posix.basename(to.path);
    }
  } catch (error) {
    if (!(error instanceof BerthError) || error.code !== 'NotFound') throw error;
    directory = path.posix.dirname(to.path);
    name = path.posix.basename(to.path);
  }
  const pack = tar.pack();
  const packing = packPath(pack, local, name).then(
    () => pack.finalize(),
    (error: unknown) => pack.destroy(error as Error),
  );
  await client.request({
    method: 'PUT',
    path: archivePath,
    query: { path: directory },
    body: pack as unknown as Readable,
  });
  await packing;
}

/** Adds a file, symlink or directory tree to a tar under `name` (uid/gid 0: the container's root owns it). */
async function packPath(pack: tar.Pack, local: string, name: string): Promise<void> {
  const info = await lstat(local);
  const header = { name, mode: info.mode & 0o7777, mtime: info.mtime, uid: 0, gid: 0 };
  if (info.isSymbolicLink()) {
    await entry(pack, { ...header, type: 'symlink', linkname: await readlink(local) });
  } else if (info.isDirectory()) {
    await entry(pack, { ...header, type: 'directory' });
    for (const child of (await readdir(local)).sort())
      await packPath(pack, path.join(local, child), `${name}/${child}`);
  } else if (info.isFile()) {
    await new Promise<void>((resolve, reject) => {
      const sink = pack.entry({ ...header, type: 'file', size: info.size }, (error) =>
        error ? reject(error) : resolve(),
      );
      const source = createReadStream(local);
      source.on('error', reject);
      source.pipe(sink as unknown as NodeJS.WritableStream);
    });
  }
  // Sockets, fifos and devices are left out, as they cannot be copied meaningfully.
}

function entry(pack: tar.Pack, header: Partial<tar.Header> & { name: string }): Promise<void> {
  return new Promise((resolve, reject) => pack.entry(header, (error) => (error ? reject(error) : resolve())));
}

/**
 * Extracts a tar from the engine under `into`, renaming its top-level entry to `rename` when given. Entries that
 * would land outside `into` (`..`, absolute paths) are refused.
 */
async function extractTar(source: Readable, into: string, rename: string | undefined): Promise<void> {
  const extract = tar.extract();
  const done = pipeline(source, extract as unknown as NodeJS.WritableStream);
  const base = path.resolve(into);
  for await (const item of extract) {
    const header = item.header;
    const parts = header.name.split('/').filter((p) => p !== '' && p !== '.');
    if (parts.some((p) => p === '..'))
      throw new BerthError('InvalidArgument', `unsafe path in archive: ${header.name}`);
    if (rename !== undefined && parts.length > 0) parts[0] = rename;
    const target = path.join(base, ...parts);
    if (target !== base && !target.startsWith(`${base}${path.sep}`)) {
      throw new BerthError('InvalidArgument', `unsafe path in archive: ${header.name}`);
    }
    const mode = (header.mode ?? 0o644) & 0o7777;
    if (header.type === 'directory') {
      await mkdir(target, { recursive: true, mode });
      item.resume();
    } else if (header.type === 'symlink') {
      await mkdir(path.dirname(target), { recursive: true });
      await symlink(header.linkname ?? '', target).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
      item.resume();
    } else if (header.type === 'file' || header.type === 'contiguous-file') {
      await mkdir(path.dirname(target), { recursive: true });
      await pipeline(item, createWriteStream(target, { mode }));
      if (header.mtime) await utimes(target, header.mtime, header.mtime).catch(() => undefined);
    } else {
      item.resume(); // hard links, devices, fifos: skipped
    }
  }
  await done;
}
