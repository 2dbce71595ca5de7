// Decides a network's addressing (subnet, gateway, allocation range) and hands out its addresses. Pure: the
// subnets already taken and the addresses already used are passed in. Invariants: a pool subnet never overlaps a
// taken one; an allocated address is inside the range, never the network, broadcast or gateway address, and never
// one already used.

import { BerthError } from '../../shared/errors.js';
import {
  cidrContains,
  cidrsOverlap,
  cidrWithin,
  formatCidr,
  formatIpv4,
  lastOf,
  parseCidr,
  parseIpv4,
  sizeOf,
  type Cidr,
} from './ipv4.js';

export interface PoolSpec {
  /** The range subnets are carved from, e.g. `10.213.0.0/16`. */
  readonly base: string;
  /** The prefix length of each subnet, e.g. 24. */
  readonly size: number;
}

/** What the user asked for (Compose `ipam.config` / Docker `IPAM.Config`); every field optional. */
export interface AddressingRequest {
  readonly subnet?: string;
  readonly gateway?: string;
  readonly ipRange?: string;
}

export interface Addressing {
  readonly subnet: string;
  readonly gateway: string;
  /** Addresses are allocated only from this block (the whole subnet when the user gave none). */
  readonly ipRange: string;
}

/**
 * The first subnet of the pool that overlaps none of `taken` (host routes and other networks).
 *
 *   choosePoolSubnet({ base: '10.213.0.0/16', size: 24 }, [parseCidr('10.213.0.0/24')]) → '10.213.1.0/24'
 */
export function choosePoolSubnet(pool: PoolSpec, taken: readonly Cidr[]): string {
  const base = parseCidr(pool.base, false);
  if (pool.size < base.prefix || pool.size > 30) {
    throw new BerthError('InvalidArgument', `subnet size /${pool.size} does not fit pool ${pool.base}`);
  }
  const step = 2 ** (32 - pool.size);
  const count = sizeOf(base) / step;
  for (let i = 0; i < count; i++) {
    const candidate: Cidr = { network: base.network + i * step, prefix: pool.size };
    if (!taken.some((t) => cidrsOverlap(t, candidate))) return formatCidr(candidate);
  }
  throw new BerthError(
    'Unavailable',
    `no free /${pool.size} subnet is left in the pool ${pool.base}; remove unused networks or widen the pool`,
  );
}

/**
 * Completes a request into an addressing: a pool subnet when none was asked for, the first host address as the
 * gateway by default, and the range checked to lie within the subnet. A requested subnet must not overlap `taken`.
 */
export function resolveAddressing(
  request: AddressingRequest,
  pool: PoolSpec,
  taken: readonly Cidr[],
): Addressing {
  let subnet: Cidr;
  if (request.subnet === undefined) {
    if (request.gateway !== undefined || request.ipRange !== undefined) {
      throw new BerthError('InvalidArgument', 'a gateway or ip_range needs a subnet');
    }
    subnet = parseCidr(choosePoolSubnet(pool, taken));
  } else {
    subnet = parseCidr(request.subnet);
    if (subnet.prefix > 30) {
      throw new BerthError('InvalidArgument', `subnet ${request.subnet} is too small (at most /30)`);
    }
    const clash = taken.find((t) => cidrsOverlap(t, subnet));
    if (clash) {
      throw new BerthError(
        'Conflict',
        `subnet ${request.subnet} overlaps ${formatCidr(clash)}, which is already in use on this host`,
      );
    }
  }
  const subnetText = formatCidr(subnet);
  const ipRange = request.ipRange === undefined ? subnet : parseCidr(request.ipRange);
  if (!cidrWithin(ipRange, subnet)) {
    throw new BerthError('InvalidArgument', `ip_range ${request.ipRange} is not within subnet ${subnetText}`);
  }
  let gateway: number;
  if (request.gateway === undefined) {
    gateway = subnet.network + 1;
  } else {
    gateway = parseIpv4(request.gateway);
    if (!isHostAddress(subnet, gateway)) {
      throw new BerthError(
        'InvalidArgument',
        `gateway ${request.gateway} is not a usable address of subnet ${subnetText}`,
      );
    }
  }
  return { subnet: subnetText, gateway: formatIpv4(gateway), ipRange: formatCidr(ipRange) };
}

/**
 * An address for a new endpoint: the requested one (checked), or the lowest free one in the range.
 *
 *   allocateAddress({ subnet: '10.0.0.0/24', gateway: '10.0.0.1', ipRange: '10.0.0.0/24' }, new Set()) → '10.0.0.2'
 */
export function allocateAddress(
  addressing: Addressing,
  used: ReadonlySet<string>,
  requested?: string,
): string {
  const subnet = parseCidr(addressing.subnet);
  const gateway = parseIpv4(addressing.gateway);
  if (requested !== undefined) {
    const address = parseIpv4(requested);
    if (!isHostAddress(subnet, address) || address === gateway) {
      throw new BerthError(
        'InvalidArgument',
        `address ${requested} is not available in subnet ${addressing.subnet} (gateway ${addressing.gateway})`,
      );
    }
    if (used.has(formatIpv4(address))) {
      throw new BerthError('Conflict', `address ${requested} is already in use on this network`);
    }
    return formatIpv4(address);
  }
  const range = parseCidr(addressing.ipRange);
  for (let address = range.network; address <= lastOf(range); address++) {
    if (address === gateway || !isHostAddress(subnet, address)) continue;
    if (!used.has(formatIpv4(address))) return formatIpv4(address);
  }
  throw new BerthError('Unavailable', `no free address is left in ${addressing.ipRange}`);
}

/** Neither the network nor the broadcast address of the subnet. */
function isHostAddress(subnet: Cidr, address: number): boolean {
  return cidrContains(subnet, address) && address !== subnet.network && address !== lastOf(subnet);
}
