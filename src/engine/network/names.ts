// How the engine names what it creates on the host. Everything carries the engine's bridge prefix so that
// cleanupAll(prefix) finds exactly what this engine made. Invariant: link names fit IFNAMSIZ (15 characters).

import { createHash } from 'node:crypto';
import { parseIpv4 } from './ipv4.js';

const IFNAMSIZ = 15;

/** The bridge of a network: `<prefix><first hex of the network id>`. */
export function bridgeName(prefix: string, networkId: string): string {
  return prefix + networkId.slice(0, Math.min(12, IFNAMSIZ - prefix.length));
}

/** The host end of an endpoint's veth pair: `<prefix><hex of the endpoint id>`, distinct from bridges by kind. */
export function vethName(prefix: string, endpointId: string): string {
  return prefix + endpointId.slice(0, IFNAMSIZ - prefix.length);
}

/** The named network namespace of a container (`ip netns add` name). */
export function netnsName(prefix: string, containerId: string): string {
  return `${prefix}-${containerId.slice(0, 12)}`;
}

/** iptables chains of our own, one per table hook we use. */
export function chainNames(prefix: string): { forward: string; postrouting: string } {
  return { forward: `${prefix}-FORWARD`, postrouting: `${prefix}-POSTROUTING` };
}

/**
 * A MAC address derived from the IPv4 address, as Docker does (02:42 + the four octets): locally administered,
 * and unique among endpoints because their addresses are.
 */
export function macForAddress(address: string): string {
  const value = parseIpv4(address);
  const octets = [0x02, 0x42, value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255];
  return octets.map((o) => o.toString(16).padStart(2, '0')).join(':');
}

/** A fresh 64-hex id, like Docker's network and endpoint ids. */
export function newId(seed: string = `${process.hrtime.bigint()}-${Math.random()}`): string {
  return createHash('sha256').update(seed).digest('hex');
}
