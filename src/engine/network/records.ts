// The persisted state of networks: one JSON record per network under <root>/networks, holding its addressing and
// its endpoints (one per attached container). Invariant: the record is the truth the engine rebuilds bridges,
// rules and DNS names from after a restart; kernel objects are derived from it, never the other way round.

import { join } from 'node:path';
import { RecordStore } from '../store/record-store.js';

export interface EndpointRecord {
  readonly endpointId: string;
  readonly containerId: string;
  readonly containerName: string;
  /** Names answered by the network's DNS: container name first, then service name, aliases... */
  readonly names: readonly string[];
  /** The interface inside the container (eth0, eth1...). */
  readonly ifname: string;
  readonly ipv4Address: string;
  readonly prefixLength: number;
  readonly macAddress: string;
  /** The host end of the veth pair. */
  readonly hostVeth: string;
  readonly netnsPath: string;
  /** Whether this endpoint carries the container's default route. */
  readonly defaultRoute: boolean;
}

export interface NetworkRecord {
  readonly id: string;
  readonly name: string;
  /** RFC 3339. */
  readonly created: string;
  readonly bridge: string;
  readonly subnet: string;
  readonly gateway: string;
  readonly ipRange: string;
  readonly internal: boolean;
  /** Docker's `Attachable` flag, kept only to be reported back (every berth network accepts containers). */
  readonly attachable?: boolean;
  readonly labels: Readonly<Record<string, string>>;
  /** Driver options, echoed back exactly as given (clients compare them). */
  readonly options: Readonly<Record<string, string>>;
  /** By container id. */
  readonly endpoints: Readonly<Record<string, EndpointRecord>>;
}

export function networkStore(root: string): RecordStore<NetworkRecord> {
  return new RecordStore<NetworkRecord>(join(root, 'networks'), 'network');
}
