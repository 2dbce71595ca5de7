// The names registered on one network and the addresses they stand for: container names, service names and
// aliases. Invariants: names are case-insensitive; a name held by several endpoints (replicas of a service) answers
// all their addresses, rotated on each lookup so clients spread over them; an endpoint's names vanish with it.

export class NameTable {
  private readonly byEndpoint = new Map<string, { names: string[]; address: string }>();
  private readonly turns = new Map<string, number>();

  /** Registers (or replaces) an endpoint's names; the first name is the one PTR lookups give. */
  register(endpointId: string, names: readonly string[], address: string): void {
    const clean = [...new Set(names.map(normalise).filter((n) => n !== ''))];
    this.byEndpoint.set(endpointId, { names: clean, address });
  }

  unregister(endpointId: string): void {
    this.byEndpoint.delete(endpointId);
  }

  /** The addresses of a name, rotated by one on every call; [] when the name is unknown. */
  lookup(name: string): string[] {
    const key = normalise(name);
    const addresses: string[] = [];
    for (const entry of this.byEndpoint.values()) {
      if (entry.names.includes(key) && !addresses.includes(entry.address)) addresses.push(entry.address);
    }
    if (addresses.length < 2) return addresses;
    const turn = this.turns.get(key) ?? 0;
    this.turns.set(key, (turn + 1) % addresses.length);
    const start = turn % addresses.length;
    return [...addresses.slice(start), ...addresses.slice(0, start)];
  }

  /** The primary name of the endpoint holding an address, for PTR answers. */
  reverse(address: string): string | undefined {
    for (const entry of this.byEndpoint.values()) {
      if (entry.address === address) return entry.names[0];
    }
    return undefined;
  }

  has(name: string): boolean {
    const key = normalise(name);
    for (const entry of this.byEndpoint.values()) if (entry.names.includes(key)) return true;
    return false;
  }
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}
