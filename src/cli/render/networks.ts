// The rows of `berth network ls` as Docker prints them (NETWORK ID, NAME, DRIVER, SCOPE), and the fields of its
// JSON lines, from the API's wire type. Invariant: pure — the same networks give the same text.

import type { NetworkResource } from '../../engine/api/networks.js';

export interface NetworkRow {
  ID: string;
  Name: string;
  Driver: string;
  Scope: string;
  IPv6: string;
  Internal: string;
  Labels: string;
  CreatedAt: string;
}

export function networkRows(
  networks: readonly NetworkResource[],
  options: { noTrunc?: boolean } = {},
): NetworkRow[] {
  return networks.map((network) => ({
    ID: options.noTrunc === true ? network.Id : network.Id.slice(0, 12),
    Name: network.Name,
    Driver: network.Driver,
    Scope: network.Scope,
    IPv6: String(network.EnableIPv6),
    Internal: String(network.Internal),
    Labels: Object.entries(network.Labels)
      .map(([key, value]) => `${key}=${value}`)
      .join(','),
    CreatedAt: network.Created,
  }));
}

/** Docker's default `network ls` table, sorted by name as Docker sorts it. */
export function networkTable(rows: readonly NetworkRow[]): { headers: string[]; cells: string[][] } {
  const sorted = [...rows].sort((a, b) => a.Name.localeCompare(b.Name));
  return {
    headers: ['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE'],
    cells: sorted.map((row) => [row.ID, row.Name, row.Driver, row.Scope]),
  };
}
