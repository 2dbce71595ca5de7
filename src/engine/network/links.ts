// The kernel objects of a network, made with iproute2: the bridge holding the gateway address, named network
// namespaces for containers, and veth pairs joining a namespace to a bridge. Invariant: every name comes from
// names.ts (carrying the engine's prefix), and each function either completes or removes what it made.

import { BerthError } from '../../shared/errors.js';
import { ipBatch, mustRun, type CommandRunner } from './command.js';
import { parseCidr } from './ipv4.js';

/** iproute2's fixed directory of named network namespaces (`ip netns add`). */
export const NETNS_DIR = '/run/netns';

export async function createBridge(
  run: CommandRunner,
  bridge: string,
  gateway: string,
  subnet: string,
): Promise<void> {
  const prefix = parseCidr(subnet).prefix;
  try {
    await ipBatch(run, [
      `link add name ${bridge} type bridge`,
      `addr add ${gateway}/${prefix} dev ${bridge}`,
      `link set ${bridge} up`,
    ]);
  } catch (error) {
    await removeLink(run, bridge);
    throw error;
  }
}

/** Deletes a link (a bridge, or a veth with its peer); a link already gone is fine. */
export async function removeLink(run: CommandRunner, name: string): Promise<void> {
  const result = await run('ip', ['link', 'del', name]);
  if (result.exitCode !== 0 && !/Cannot find device|does not exist/.test(result.stderr)) {
    throw new BerthError('Internal', `ip link del ${name} failed: ${result.stderr.trim()}`);
  }
}

export async function linkExists(run: CommandRunner, name: string): Promise<boolean> {
  return (await run('ip', ['link', 'show', name])).exitCode === 0;
}

/** Creates a named network namespace with loopback up; returns its path, which a runtime joins. */
export async function createNetns(run: CommandRunner, name: string): Promise<string> {
  await mustRun(run, 'ip', ['netns', 'add', name]);
  try {
    await mustRun(run, 'ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  } catch (error) {
    await removeNetns(run, name);
    throw error;
  }
  return `${NETNS_DIR}/${name}`;
}

/** Removes a named network namespace (and so every interface left in it); one already gone is fine. */
export async function removeNetns(run: CommandRunner, name: string): Promise<void> {
  const result = await run('ip', ['netns', 'del', name]);
  if (result.exitCode !== 0 && !/No such file/.test(result.stderr)) {
    throw new BerthError('Internal', `ip netns del ${name} failed: ${result.stderr.trim()}`);
  }
}

/** The `ip netns` name of a path under /run/netns, or undefined for any other path. */
export function netnsNameOfPath(path: string): string | undefined {
  const match = /^\/run\/netns\/([^/]+)$/.exec(path);
  return match?.[1];
}

export interface VethSpec {
  readonly hostName: string;
  readonly bridge: string;
  /** Path of the network namespace the other end goes into. */
  readonly netnsPath: string;
  readonly ifname: string;
  readonly address: string;
  readonly prefixLength: number;
  readonly mac: string;
  /** Add a default route via this address (non-internal networks, first such network of the container). */
  readonly defaultGateway?: string;
}

/**
 * Creates the veth pair with the container end made directly inside the namespace (named, addressed and up), and
 * the host end enslaved to the bridge. Two processes: one `ip -batch` on the host and one inside the namespace.
 */
export async function createVeth(run: CommandRunner, spec: VethSpec): Promise<void> {
  await ipBatch(run, [
    `link add ${spec.hostName} type veth peer name ${spec.ifname} netns ${spec.netnsPath} address ${spec.mac}`,
    `link set ${spec.hostName} master ${spec.bridge} up`,
  ]).catch(async (error: unknown) => {
    await removeLink(run, spec.hostName);
    throw error;
  });
  const inside = [
    `addr add ${spec.address}/${spec.prefixLength} dev ${spec.ifname}`,
    `link set ${spec.ifname} up`,
    ...(spec.defaultGateway === undefined
      ? []
      : [`route add default via ${spec.defaultGateway} dev ${spec.ifname}`]),
  ];
  try {
    await inNetns(run, spec.netnsPath, inside);
  } catch (error) {
    await removeLink(run, spec.hostName);
    throw error;
  }
}

/** Runs ip commands inside a namespace given by path: `ip -n` for named ones, nsenter for any other path. */
async function inNetns(run: CommandRunner, netnsPath: string, lines: readonly string[]): Promise<void> {
  const name = netnsNameOfPath(netnsPath);
  if (name !== undefined) return ipBatch(run, lines, name);
  await mustRun(run, 'nsenter', [`--net=${netnsPath}`, 'ip', '-batch', '-'], lines.join('\n') + '\n');
}

/** Names of the links on the host whose names start with the prefix, with their kind (bridge, veth, ...). */
export async function listPrefixedLinks(
  run: CommandRunner,
  prefix: string,
): Promise<Array<{ name: string; kind: string }>> {
  const json = await mustRun(run, 'ip', ['-d', '-j', 'link', 'show']);
  const links = JSON.parse(json || '[]') as Array<{ ifname?: string; linkinfo?: { info_kind?: string } }>;
  return links
    .filter((l) => typeof l.ifname === 'string' && l.ifname.startsWith(prefix))
    .map((l) => ({ name: l.ifname!, kind: l.linkinfo?.info_kind ?? '' }));
}

/** Named network namespaces whose names start with `<prefix>-`. */
export async function listPrefixedNetns(run: CommandRunner, prefix: string): Promise<string[]> {
  const json = await mustRun(run, 'ip', ['-j', 'netns', 'list']);
  const entries = JSON.parse(json || '[]') as Array<{ name?: string }>;
  return entries.map((e) => e.name ?? '').filter((name) => name.startsWith(`${prefix}-`));
}
