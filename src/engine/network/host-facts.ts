// What the network subsystem reads from the host: the subnets already routed (so a new network never shadows
// them) and the resolvers names are forwarded to. Parsers are pure; readers take a runner or a path.

import { readFile } from 'node:fs/promises';
import type { CommandRunner } from './command.js';
import { mustRun } from './command.js';
import { parseCidr, tryParseIpv4, type Cidr } from './ipv4.js';

/** Destinations of `ip -j route` output as blocks; `default` and non-IPv4 entries are skipped. */
export function parseRouteDestinations(json: string): Cidr[] {
  const routes = JSON.parse(json || '[]') as Array<{ dst?: unknown }>;
  const out: Cidr[] = [];
  for (const route of routes) {
    if (typeof route.dst !== 'string' || route.dst === 'default') continue;
    const address = route.dst.split('/')[0] ?? '';
    if (tryParseIpv4(address) === undefined) continue;
    out.push(parseCidr(route.dst, false));
  }
  return out;
}

/** Every IPv4 destination routed on the host, across all routing tables. */
export async function readHostRoutes(run: CommandRunner): Promise<Cidr[]> {
  return parseRouteDestinations(await mustRun(run, 'ip', ['-j', '-4', 'route', 'show', 'table', 'all']));
}

export interface ResolverAddress {
  readonly host: string;
  readonly port: number;
}

/** The IPv4 `nameserver` lines of a resolv.conf, in order. */
export function parseResolvConf(text: string): ResolverAddress[] {
  const out: ResolverAddress[] = [];
  for (const line of text.split('\n')) {
    const match = /^\s*nameserver\s+(\S+)/.exec(line);
    if (match && tryParseIpv4(match[1]!) !== undefined) out.push({ host: match[1]!, port: 53 });
  }
  return out;
}

/** The host's resolvers; none when the file is missing. */
export async function readHostResolvers(path = '/etc/resolv.conf'): Promise<ResolverAddress[]> {
  try {
    return parseResolvConf(await readFile(path, 'utf8'));
  } catch {
    return [];
  }
}
