// Removes everything an engine with a given bridge prefix made on the host: veths, bridges (with their addresses
// and routes), named network namespaces and iptables chains. Used by tests and by an engine told to clean up.
// Invariant: only objects carrying the prefix are touched; running it twice is harmless.

import { execaRunner, type CommandRunner } from './command.js';
import { removeFirewallChains } from './firewall.js';
import { listPrefixedLinks, listPrefixedNetns, removeLink, removeNetns } from './links.js';

export async function cleanupAll(prefix: string, run: CommandRunner = execaRunner): Promise<void> {
  const links = await listPrefixedLinks(run, prefix);
  // veths first: deleting a bridge leaves its ports behind
  for (const link of links.filter((l) => l.kind !== 'bridge')) await removeLink(run, link.name);
  for (const link of links.filter((l) => l.kind === 'bridge')) await removeLink(run, link.name);
  for (const name of await listPrefixedNetns(run, prefix)) await removeNetns(run, name);
  await removeFirewallChains(run, prefix);
}
