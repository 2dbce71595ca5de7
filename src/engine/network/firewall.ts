// The engine's iptables rules: outbound NAT for each network's subnet, isolation between its bridges, and no way
// out of `internal` networks. Every rule lives in chains named with the bridge prefix, reached by one jump each
// from FORWARD (filter) and POSTROUTING (nat), so removal is exact and never touches anyone else's rules.
// Invariant: a network's filter rules are appended as one contiguous block in the order networkRules gives
// (intra-bridge accept before the drops), and callers serialise changes.

import type { CommandRunner } from './command.js';
import { mustRun } from './command.js';
import { chainNames } from './names.js';

export interface FirewallNetwork {
  readonly bridge: string;
  readonly subnet: string;
  readonly internal: boolean;
}

export interface Rule {
  readonly table: 'filter' | 'nat';
  readonly chain: string;
  /** The rule's match and target, as iptables arguments after `-A chain`. */
  readonly spec: readonly string[];
}

/** The rules of one network, in the order they must be appended. */
export function networkRules(prefix: string, network: FirewallNetwork): Rule[] {
  const { forward, postrouting } = chainNames(prefix);
  const br = network.bridge;
  const filter = (spec: string[]): Rule => ({ table: 'filter', chain: forward, spec });
  const rules: Rule[] = [
    // containers of one network talk freely (bridged frames traverse FORWARD when br_netfilter is loaded)
    filter(['-i', br, '-o', br, '-j', 'ACCEPT']),
    // ... but never to another of this engine's bridges
    filter(['-i', br, '-o', `${prefix}+`, '-j', 'DROP']),
  ];
  if (network.internal) {
    rules.push(filter(['-i', br, '-j', 'DROP']), filter(['-o', br, '-j', 'DROP']));
  } else {
    rules.push(
      filter(['-i', br, '!', '-o', br, '-j', 'ACCEPT']),
      filter(['-o', br, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT']),
      {
        table: 'nat',
        chain: postrouting,
        spec: ['-s', network.subnet, '!', '-o', br, '-j', 'MASQUERADE'],
      },
    );
  }
  return rules;
}

/**
 * An iptables-restore script (for `--noflush`) that appends (`-A`) or deletes (`-D`) the rules, one COMMIT per
 * table so each table changes atomically.
 */
export function restoreScript(rules: readonly Rule[], op: '-A' | '-D'): string {
  let out = '';
  for (const table of ['filter', 'nat'] as const) {
    const lines = rules.filter((r) => r.table === table).map((r) => [op, r.chain, ...r.spec].join(' '));
    if (lines.length > 0) out += `*${table}\n${lines.join('\n')}\nCOMMIT\n`;
  }
  return out;
}

export class Firewall {
  private chainsReady = false;

  constructor(
    private readonly run: CommandRunner,
    private readonly prefix: string,
  ) {}

  /** Adds a network's rules (creating our chains and their jumps first if needed). */
  async addNetwork(network: FirewallNetwork): Promise<void> {
    await this.ensureChains();
    await this.restore(restoreScript(networkRules(this.prefix, network), '-A'));
  }

  /** Deletes exactly the rules addNetwork added; rules already gone are not an error. */
  async removeNetwork(network: FirewallNetwork): Promise<void> {
    const rules = networkRules(this.prefix, network);
    if (await this.tryRestore(restoreScript(rules, '-D'))) return;
    // some rule was missing (a partial earlier removal): delete the others one by one
    for (const rule of rules) {
      await this.run('iptables', ['-w', '-t', rule.table, '-D', rule.chain, ...rule.spec]);
    }
  }

  /** Rebuilds our chains from scratch for the given networks (engine start: the rules must match the records). */
  async reset(networks: readonly FirewallNetwork[]): Promise<void> {
    await this.ensureChains();
    const { forward, postrouting } = chainNames(this.prefix);
    await mustRun(this.run, 'iptables', ['-w', '-F', forward]);
    await mustRun(this.run, 'iptables', ['-w', '-t', 'nat', '-F', postrouting]);
    const rules = networks.flatMap((n) => networkRules(this.prefix, n));
    if (rules.length > 0) await this.restore(restoreScript(rules, '-A'));
  }

  /** Creates our two chains and the jumps to them, once per process. */
  private async ensureChains(): Promise<void> {
    if (this.chainsReady) return;
    const { forward, postrouting } = chainNames(this.prefix);
    await this.ensureChain('filter', forward, 'FORWARD');
    await this.ensureChain('nat', postrouting, 'POSTROUTING');
    this.chainsReady = true;
  }

  private async ensureChain(table: string, chain: string, from: string): Promise<void> {
    const exists = await this.run('iptables', ['-w', '-t', table, '-n', '-L', chain]);
    if (exists.exitCode !== 0) await mustRun(this.run, 'iptables', ['-w', '-t', table, '-N', chain]);
    const jump = await this.run('iptables', ['-w', '-t', table, '-C', from, '-j', chain]);
    if (jump.exitCode !== 0)
      await mustRun(this.run, 'iptables', ['-w', '-t', table, '-I', from, '1', '-j', chain]);
  }

  private async restore(script: string): Promise<void> {
    await mustRun(this.run, 'iptables-restore', ['-w', '--noflush'], script);
  }

  private async tryRestore(script: string): Promise<boolean> {
    return (await this.run('iptables-restore', ['-w', '--noflush'], { input: script })).exitCode === 0;
  }
}

/** Removes our chains and every jump to them (bounded: a jump is deleted at most a few times). */
export async function removeFirewallChains(run: CommandRunner, prefix: string): Promise<void> {
  const { forward, postrouting } = chainNames(prefix);
  for (const [table, chain, from] of [
    ['filter', forward, 'FORWARD'],
    ['nat', postrouting, 'POSTROUTING'],
  ] as const) {
    for (let i = 0; i < 8; i++) {
      const deleted = await run('iptables', ['-w', '-t', table, '-D', from, '-j', chain]);
      if (deleted.exitCode !== 0) break;
    }
    if ((await run('iptables', ['-w', '-t', table, '-n', '-L', chain])).exitCode === 0) {
      await mustRun(run, 'iptables', ['-w', '-t', table, '-F', chain]);
      await mustRun(run, 'iptables', ['-w', '-t', table, '-X', chain]);
    }
  }
}
