// `berth volume ls|create|inspect|rm|prune`: the engine's volumes through the Docker API, printed as Docker
// prints them (or as JSON lines with --format json). Reaches the engine only through the client (auto-starting
// it), so the same commands work against any Docker-compatible socket.

import { BerthError } from '../../shared/errors.js';
import type { Volume } from '../../engine/api/volumes.js';
import { formatTable } from '../render/table.js';
import { VOLUME_HEADERS, pruneReport, prunePrompt, volumeCells, volumeRows } from '../render/volumes.js';
import { confirm, filtersOf, forEachName, printJsonLines, withEngine } from './image.js';

type Options = Record<string, unknown>;

export async function ls(options: Options): Promise<void> {
  const { Volumes: volumes } = await withEngine((client) => client.listVolumes(filtersOf(options.filter)));
  if (options.quiet) {
    for (const volume of volumes) process.stdout.write(`${volume.Name}\n`);
    return;
  }
  const rows = volumeRows(volumes);
  if (options.format === 'json') return printJsonLines(rows);
  process.stdout.write(formatTable(VOLUME_HEADERS, volumeCells(rows)));
}

export async function create(options: Options, args: string[]): Promise<void> {
  const [name] = args;
  const named = typeof options.name === 'string' ? options.name : undefined;
  if (name !== undefined && named !== undefined && name !== named) {
    throw new BerthError(
      'Usage',
      `conflicting options: either specify --name or provide positional arg, not both`,
    );
  }
  const volume = await withEngine((client) =>
    client.createVolume({
      Name: name ?? named ?? '',
      Driver: typeof options.driver === 'string' ? options.driver : 'local',
      DriverOpts: keyValues(options.opt, 'option'),
      Labels: keyValues(options.label, 'label'),
    }),
  );
  process.stdout.write(`${volume.Name}\n`);
}

export async function inspect(_options: Options, args: string[]): Promise<void> {
  const found: Volume[] = [];
  await withEngine((client) =>
    forEachName(args, async (name) => {
      found.push(await client.inspectVolume(name));
    }),
  );
  process.stdout.write(`${JSON.stringify(found, null, 4)}\n`);
}

export async function rm(options: Options, args: string[]): Promise<void> {
  await withEngine((client) =>
    forEachName(args, async (name) => {
      await client.removeVolume(name, { force: options.force === true });
      process.stdout.write(`${name}\n`);
    }),
  );
}

export async function prune(options: Options): Promise<void> {
  const filters = filtersOf(options.filter) ?? {};
  const all = options.all === true;
  if (all) filters.all = ['true'];
  if (!options.force && !(await confirm(prunePrompt(all)))) return;
  const result = await withEngine((client) => client.pruneVolumes(filters));
  process.stdout.write(pruneReport(result));
}

/** Repeated `KEY=VALUE` flags as an object (a bare KEY means an empty value, as Docker reads labels). */
function keyValues(values: unknown, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of Array.isArray(values) ? (values as string[]) : []) {
    const eq = entry.indexOf('=');
    if (eq === 0) throw new BerthError('Usage', `invalid ${what}: ${entry}`);
    if (eq === -1) out[entry] = '';
    else out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}
