// `berth network ls|create|inspect|rm|connect|disconnect|prune`: the engine's networks through the Docker API,
// with Docker's flags and output (a table, IDs with -q, JSON lines with --format json). Reaches the engine only
// through the client, so the same commands work against any Docker-compatible socket.

import { BerthError } from '../../shared/errors.js';
import type { NetworkCreateRequest, NetworkResource } from '../../engine/api/networks.js';
import { networkRows, networkTable } from '../render/networks.js';
import { formatTable } from '../render/table.js';
import { confirm, filtersOf, forEachName, printJsonLines, withEngine } from './image.js';

type Options = Record<string, unknown>;

function list(value: unknown): string[] {
  return Array.isArray(value) ? (value as string[]) : [];
}

/** `key=value` flags (--label, --opt) as a map; a bare key has an empty value, as Docker reads it. */
export function keyValues(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of values) {
    const eq = entry.indexOf('=');
    if (eq === 0) throw new BerthError('Usage', `invalid key=value: ${entry}`);
    if (eq === -1) out[entry] = '';
    else out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}

/** The create request of `network create` flags. */
export function createRequest(name: string, options: Options): NetworkCreateRequest {
  const subnet = options.subnet as string | undefined;
  const gateway = options.gateway as string | undefined;
  const ipRange = options.ipRange as string | undefined;
  if ((gateway !== undefined || ipRange !== undefined) && subnet === undefined) {
    throw new BerthError('Usage', 'a --gateway or --ip-range needs a --subnet');
  }
  return {
    Name: name,
    CheckDuplicate: true,
    Driver: (options.driver as string | undefined) ?? 'bridge',
    Internal: options.internal === true,
    Attachable: options.attachable === true,
    EnableIPv6: options.ipv6 === true,
    IPAM: {
      Driver: 'default',
      Config:
        subnet === undefined
          ? []
          : [
              {
                Subnet: subnet,
                ...(gateway === undefined ? {} : { Gateway: gateway }),
                ...(ipRange === undefined ? {} : { IPRange: ipRange }),
              },
            ],
    },
    Options: keyValues(list(options.opt)),
    Labels: keyValues(list(options.label)),
  };
}

export async function ls(options: Options): Promise<void> {
  const networks = await withEngine((client) => client.listNetworks(filtersOf(options.filter)));
  const rows = networkRows(networks, { noTrunc: options.trunc === false });
  if (options.quiet) {
    for (const row of rows) process.stdout.write(`${row.ID}\n`);
    return;
  }
  if (options.format === 'json') return printJsonLines(rows);
  const { headers, cells } = networkTable(rows);
  process.stdout.write(formatTable(headers, cells));
}

export async function create(options: Options, args: string[]): Promise<void> {
  const name = args[0] ?? '';
  const request = createRequest(name, options);
  const created = await withEngine((client) => client.createNetwork(request));
  process.stdout.write(`${created.Id}\n`);
}

export async function inspect(_options: Options, args: string[]): Promise<void> {
  const found: NetworkResource[] = [];
  await withEngine((client) =>
    forEachName(args, async (name) => {
      found.push(await client.inspectNetwork(name));
    }),
  );
  process.stdout.write(`${JSON.stringify(found, null, 4)}\n`);
}

export async function rm(_options: Options, args: string[]): Promise<void> {
  await withEngine((client) =>
    forEachName(args, async (name) => {
      await client.removeNetwork(name);
      process.stdout.write(`${name}\n`);
    }),
  );
}

export async function connect(options: Options, args: string[]): Promise<void> {
  const [network = '', container = ''] = args;
  const ip = options.ip as string | undefined;
  const aliases = list(options.alias);
  await withEngine((client) =>
    client.connectNetwork(network, {
      Container: container,
      EndpointConfig: {
        ...(aliases.length > 0 ? { Aliases: aliases } : {}),
        ...(ip === undefined ? {} : { IPAMConfig: { IPv4Address: ip } }),
      },
    }),
  );
}

export async function disconnect(options: Options, args: string[]): Promise<void> {
  const [network = '', container = ''] = args;
  await withEngine((client) =>
    client.disconnectNetwork(network, { Container: container, Force: options.force === true }),
  );
}

export async function prune(options: Options): Promise<void> {
  if (!options.force) {
    const question =
      'WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] ';
    if (!(await confirm(question))) return;
  }
  const result = await withEngine((client) => client.pruneNetworks(filtersOf(options.filter)));
  const deleted = result.NetworksDeleted ?? [];
  if (deleted.length > 0)
    process.stdout.write(`Deleted Networks:\n${deleted.map((n) => `${n}\n`).join('')}\n`);
}
