// IPv4 addresses and CIDR blocks as plain numbers, for subnet choice, IPAM and PTR names. Invariant: an address is
// an unsigned 32-bit integer (0 … 2^32-1); a Cidr's `network` always has its host bits cleared.

import { BerthError } from '../../shared/errors.js';

export interface Cidr {
  /** The network address, host bits zero. */
  readonly network: number;
  /** Prefix length, 0-32. */
  readonly prefix: number;
}

const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** `10.0.0.1` → 167772161; undefined when the text is not a dotted IPv4 address. */
export function tryParseIpv4(text: string): number | undefined {
  const match = DOTTED.exec(text);
  if (!match) return undefined;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(match[i]);
    if (octet > 255 || (match[i]!.length > 1 && match[i]!.startsWith('0'))) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function parseIpv4(text: string): number {
  const value = tryParseIpv4(text);
  if (value === undefined) throw new BerthError('InvalidArgument', `invalid IPv4 address: ${text}`);
  return value;
}

export function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

/** The netmask of a prefix length as a number (prefix 24 → 0xffffff00). */
export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Parses `a.b.c.d/n`. With `strict`, host bits must be zero (a subnet); otherwise they are cleared. */
export function parseCidr(text: string, strict = true): Cidr {
  const slash = text.indexOf('/');
  const address = tryParseIpv4(slash === -1 ? text : text.slice(0, slash));
  const prefixText = slash === -1 ? '32' : text.slice(slash + 1);
  const prefix = /^\d{1,2}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (address === undefined || !(prefix >= 0 && prefix <= 32)) {
    throw new BerthError('InvalidArgument', `invalid IPv4 subnet: ${text}`);
  }
  const network = (address & maskOf(prefix)) >>> 0;
  if (strict && network !== address) {
    throw new BerthError(
      'InvalidArgument',
      `invalid IPv4 subnet ${text}: host bits are set (did you mean ${formatCidr({ network, prefix })}?)`,
    );
  }
  return { network, prefix };
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIpv4(cidr.network)}/${cidr.prefix}`;
}

/** Number of addresses in the block (2^(32-prefix)). */
export function sizeOf(cidr: Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

/** The last address of the block (the broadcast address for prefixes below 31). */
export function lastOf(cidr: Cidr): number {
  return cidr.network + sizeOf(cidr) - 1;
}

export function cidrContains(cidr: Cidr, address: number): boolean {
  return address >= cidr.network && address <= lastOf(cidr);
}

/** True when the two blocks share at least one address (one then contains the other). */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.network <= lastOf(b) && b.network <= lastOf(a);
}

/** True when `inner` lies wholly within `outer`. */
export function cidrWithin(inner: Cidr, outer: Cidr): boolean {
  return inner.prefix >= outer.prefix && cidrContains(outer, inner.network);
}

/** The reverse-lookup name of an address: 10.213.5.7 → `7.5.213.10.in-addr.arpa`. */
export function ptrNameOf(address: number): string {
  return `${formatIpv4(address).split('.').reverse().join('.')}.in-addr.arpa`;
}

/** The address a reverse-lookup name stands for, or undefined when it is not a full IPv4 PTR name. */
export function addressOfPtrName(name: string): number | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.in-addr\.arpa\.?$/i.exec(name);
  if (!match) return undefined;
  return tryParseIpv4(`${match[4]}.${match[3]}.${match[2]}.${match[1]}`);
}
