// The network subsystem as one object: networks (bridge + NAT/isolation rules + DNS responder), endpoints (a veth
// into a container's namespace, an address, DNS names) and published ports. Invariants: every change to records
// is serialised by one lock and written before the call returns; a failed step undoes what the call had done, so
// the host never holds objects the records do not mention.

import { writeFile, readFile } from 'node:fs/promises';
import { BerthError } from '../../shared/errors.js';
import { allocateAddress, resolveAddressing, type AddressingRequest, type PoolSpec } from './addressing.js';
import { cleanupAll } from './cleanup.js';
import { execaRunner, type CommandRunner } from './command.js';
import { DnsResponder } from './dns-responder.js';
import type { NameTable } from './name-table.js';
import { Firewall } from './firewall.js';
import { readHostResolvers, readHostRoutes, type ResolverAddress } from './host-facts.js';
import { parseCidr } from './ipv4.js';
import {
  createBridge,
  createNetns,
  createVeth,
  listPrefixedLinks,
  listPrefixedNetns,
  NETNS_DIR,
  removeLink,
  removeNetns,
} from './links.js';
import { bridgeName, macForAddress, netnsName, newId, vethName } from './names.js';
import { publishPort, type PortBinding, type PublishedPort } from './port-proxy.js';
import { networkStore, type EndpointRecord, type NetworkRecord } from './records.js';
import type { RecordStore } from '../store/record-store.js';

export interface NetworkManagerOptions {
  /** The engine's state root; records go to <root>/networks. */
  readonly root: string;
  /** Prefix of every link, namespace and chain this engine makes (at most 9 characters). */
  readonly bridgePrefix: string;
  readonly subnetPool: PoolSpec;
  /** Runs ip / iptables; execa by default. */
  readonly run?: CommandRunner;
  /** Where DNS names that are not ours are forwarded; the host's /etc/resolv.conf by default. */
  readonly upstreams?: readonly ResolverAddress[];
  /** The DNS port on each gateway; 53 unless a test needs otherwise. */
  readonly dnsPort?: number;
  /** Turn on the kernel's IPv4 forwarding when a non-internal network is created (as Docker does); default true. */
  readonly enableIpForwarding?: boolean;
  /** Idle time of a UDP flow through a published port. */
  readonly udpIdleMs?: number;
}

export interface CreateNetworkOptions extends AddressingRequest {
  readonly name: string;
  /** No route out, no NAT, no forwarding of DNS names. */
  readonly internal?: boolean;
  readonly attachable?: boolean;
  readonly labels?: Readonly<Record<string, string>>;
  readonly options?: Readonly<Record<string, string>>;
}

export interface AttachOptions {
  readonly containerId: string;
  readonly containerName: string;
  /** The container's network namespace (from createNetns, or any bind-mounted namespace path). */
  readonly netnsPath: string;
  /** Further DNS names on this network: service name, aliases, short id. */
  readonly aliases?: readonly string[];
  /** A static address (Compose `ipv4_address`). */
  readonly ipv4Address?: string;
  readonly macAddress?: string;
  /** The interface name inside; the next free ethN by default. */
  readonly ifname?: string;
}

export interface Endpoint extends EndpointRecord {
  readonly networkId: string;
  readonly networkName: string;
  /** The gateway address, which is also the DNS server for this network. */
  readonly gateway: string;
}

const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';

export class NetworkManager {
  private readonly run: CommandRunner;
  private readonly firewall: Firewall;
  private readonly records = new Map<string, NetworkRecord>();
  private readonly responders = new Map<string, DnsResponder>();
  private readonly published = new Set<PublishedPort>();
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly options: NetworkManagerOptions,
    private readonly store: RecordStore<NetworkRecord>,
    private readonly upstreams: readonly ResolverAddress[],
  ) {
    this.run = options.run ?? execaRunner;
    this.firewall = new Firewall(this.run, options.bridgePrefix);
  }

  /**
   * Loads the records and brings the host in line with them: missing bridges recreated, endpoints whose veth is
   * gone dropped, our iptables chains rebuilt, one DNS responder per network started.
   */
  static async open(options: NetworkManagerOptions): Promise<NetworkManager> {
    const upstreams = options.upstreams ?? (await readHostResolvers());
    const manager = new NetworkManager(options, networkStore(options.root), upstreams);
    await manager.restore();
    return manager;
  }

  get prefix(): string {
    return this.options.bridgePrefix;
  }

  list(): NetworkRecord[] {
    return [...this.records.values()].sort(
      (a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id),
    );
  }

  /** By exact id, exact name, or unique id prefix (Docker's rules); NotFound otherwise. */
  get(idOrName: string): NetworkRecord {
    const exact = this.records.get(idOrName) ?? this.list().find((n) => n.name === idOrName);
    if (exact) return exact;
    const byPrefix = idOrName.length > 0 ? this.list().filter((n) => n.id.startsWith(idOrName)) : [];
    if (byPrefix.length === 1) return byPrefix[0]!;
    if (byPrefix.length > 1) throw new BerthError('Conflict', `network ${idOrName} is ambiguous`);
    throw new BerthError('NotFound', `network ${idOrName} not found`);
  }

  /** Creates a network: bridge with the gateway address, rules, DNS responder, then the record. */
  createNetwork(spec: CreateNetworkOptions): Promise<NetworkRecord> {
    return this.locked(async () => {
      if (this.list().some((n) => n.name === spec.name)) {
        throw new BerthError('AlreadyExists', `network with name ${spec.name} already exists`);
      }
      const taken = [...(await readHostRoutes(this.run)), ...this.list().map((n) => parseCidr(n.subnet))];
      const addressing = resolveAddressing(spec, this.options.subnetPool, taken);
      const id = newId(`${spec.name}-${Date.now()}-${Math.random()}`);
      const record: NetworkRecord = {
        id,
        name: spec.name,
        created: new Date().toISOString(),
        bridge: bridgeName(this.prefix, id),
        ...addressing,
        internal: spec.internal ?? false,
        ...(spec.attachable === true ? { attachable: true } : {}),
        labels: { ...spec.labels },
        options: { ...spec.options },
        endpoints: {},
      };
      await createBridge(this.run, record.bridge, record.gateway, record.subnet);
      try {
        await this.firewall.addNetwork(record);
        try {
          if (!record.internal) await this.enableForwarding();
          await this.startResponder(record);
          await this.store.put(id, record);
        } catch (error) {
          await this.stopResponder(id);
          await this.firewall.removeNetwork(record);
          throw error;
        }
      } catch (error) {
        await removeLink(this.run, record.bridge);
        throw error;
      }
      this.records.set(id, record);
      return record;
    });
  }

  /** Removes a network with no endpoints: DNS, rules, bridge, record. Conflict while containers are attached. */
  removeNetwork(idOrName: string): Promise<void> {
    return this.locked(async () => {
      const record = this.get(idOrName);
      const attached = Object.values(record.endpoints).map((e) => e.containerName);
      if (attached.length > 0) {
        throw new BerthError(
          'Conflict',
          `network ${record.name} has active endpoints (${attached.join(', ')})`,
        );
      }
      await this.stopResponder(record.id);
      await this.firewall.removeNetwork(record);
      await removeLink(this.run, record.bridge);
      await this.store.delete(record.id);
      this.records.delete(record.id);
    });
  }

  /** A fresh named network namespace for a container (loopback up); returns its path for the OCI spec. */
  createNetns(containerId: string): Promise<string> {
    return createNetns(this.run, netnsName(this.prefix, containerId));
  }

  /** Removes the container's namespace (any veth ends still in it go with it). */
  removeNetns(containerId: string): Promise<void> {
    return removeNetns(this.run, netnsName(this.prefix, containerId));
  }

  /** The path createNetns gives for a container, without creating anything. */
  netnsPath(containerId: string): string {
    return `${NETNS_DIR}/${netnsName(this.prefix, containerId)}`;
  }

  /** Connects a container's namespace to a network: address, veth, route, DNS names. */
  attach(idOrName: string, request: AttachOptions): Promise<Endpoint> {
    return this.locked(async () => {
      const record = this.get(idOrName);
      if (record.endpoints[request.containerId]) {
        throw new BerthError(
          'AlreadyExists',
          `container ${request.containerName} is already attached to network ${record.name}`,
        );
      }
      const used = new Set(Object.values(record.endpoints).map((e) => e.ipv4Address));
      const address = allocateAddress(record, used, request.ipv4Address);
      const siblings = this.endpointsInNetns(request.netnsPath);
      const endpointId = newId(`${record.id}-${request.containerId}-${Math.random()}`);
      const defaultRoute = !record.internal && !siblings.some((e) => e.defaultRoute);
      const endpoint: EndpointRecord = {
        endpointId,
        containerId: request.containerId,
        containerName: request.containerName,
        names: [request.containerName, ...(request.aliases ?? [])],
        ifname: request.ifname ?? nextIfname(siblings.map((e) => e.ifname)),
        ipv4Address: address,
        prefixLength: parseCidr(record.subnet).prefix,
        macAddress: request.macAddress ?? macForAddress(address),
        hostVeth: vethName(this.prefix, endpointId),
        netnsPath: request.netnsPath,
        defaultRoute,
      };
      await createVeth(this.run, {
        hostName: endpoint.hostVeth,
        bridge: record.bridge,
        netnsPath: endpoint.netnsPath,
        ifname: endpoint.ifname,
        address,
        prefixLength: endpoint.prefixLength,
        mac: endpoint.macAddress,
        ...(defaultRoute ? { defaultGateway: record.gateway } : {}),
      });
      const updated = { ...record, endpoints: { ...record.endpoints, [request.containerId]: endpoint } };
      try {
        await this.store.put(record.id, updated);
      } catch (error) {
        await removeLink(this.run, endpoint.hostVeth);
        throw error;
      }
      this.records.set(record.id, updated);
      this.responders.get(record.id)?.names.register(endpointId, endpoint.names, address);
      return toEndpoint(updated, endpoint);
    });
  }

  /** Disconnects a container: its names stop resolving, the veth goes, the address is free again. */
  detach(idOrName: string, containerId: string): Promise<void> {
    return this.locked(async () => {
      const record = this.get(idOrName);
      const endpoint = record.endpoints[containerId];
      if (!endpoint) {
        throw new BerthError(
          'NotFound',
          `container ${containerId} is not attached to network ${record.name}`,
        );
      }
      this.responders.get(record.id)?.names.unregister(endpoint.endpointId);
      await removeLink(this.run, endpoint.hostVeth);
      const endpoints = { ...record.endpoints };
      delete endpoints[containerId];
      const updated = { ...record, endpoints };
      await this.store.put(record.id, updated);
      this.records.set(record.id, updated);
    });
  }

  /** The container's endpoints on every network, for inspect. */
  endpointsOf(containerId: string): Endpoint[] {
    return this.list().flatMap((record) => {
      const endpoint = record.endpoints[containerId];
      return endpoint ? [toEndpoint(record, endpoint)] : [];
    });
  }

  /** Starts relaying a published port; the listener is bound when this resolves. */
  async publish(binding: PortBinding): Promise<PublishedPort> {
    const port = await publishPort(binding, { udpIdleMs: this.options.udpIdleMs });
    const tracked: PublishedPort = {
      ...port,
      close: async () => {
        this.published.delete(tracked);
        await port.close();
      },
    };
    this.published.add(tracked);
    return tracked;
  }

  /** Stops every listener (DNS, published ports) and leaves kernel objects and records in place (engine exit). */
  async close(): Promise<void> {
    for (const port of [...this.published]) await port.close();
    for (const id of [...this.responders.keys()]) await this.stopResponder(id);
  }

  /**
   * Engine exit: stops every listener, and when no container is attached anywhere (no endpoint, no namespace of
   * ours) also removes the links and rules, so an idle engine leaves the host as it found it. Records stay, and the
   * next open() rebuilds the bridges; with containers still running everything stays for them.
   */
  async shutdown(): Promise<void> {
    await this.close();
    const attached = this.list().some((n) => Object.keys(n.endpoints).length > 0);
    if (attached || (await listPrefixedNetns(this.run, this.prefix)).length > 0) return;
    await cleanupAll(this.prefix, this.run);
  }

  /**
   * Stops every listener and removes every link, namespace and rule carrying the prefix. Records stay, so a later
   * open() rebuilds the networks (without their endpoints, whose namespaces are gone).
   */
  async cleanupAll(): Promise<void> {
    await this.close();
    await cleanupAll(this.prefix, this.run);
  }

  private async restore(): Promise<void> {
    const present = new Set((await listPrefixedLinks(this.run, this.prefix)).map((l) => l.name));
    for (const { id, record } of await this.store.list()) {
      let current = record;
      if (!present.has(record.bridge)) {
        await createBridge(this.run, record.bridge, record.gateway, record.subnet);
      }
      const live = Object.entries(record.endpoints).filter(([, e]) => present.has(e.hostVeth));
      if (live.length !== Object.keys(record.endpoints).length) {
        current = { ...record, endpoints: Object.fromEntries(live) };
        await this.store.put(id, current);
      }
      this.records.set(id, current);
    }
    await this.firewall.reset(this.list());
    if (this.list().some((n) => !n.internal)) await this.enableForwarding();
    for (const record of this.list()) {
      await this.startResponder(record);
      for (const endpoint of Object.values(record.endpoints)) {
        this.responders
          .get(record.id)
          ?.names.register(endpoint.endpointId, endpoint.names, endpoint.ipv4Address);
      }
    }
  }

  private async startResponder(record: NetworkRecord): Promise<void> {
    const responder = new DnsResponder({
      address: record.gateway,
      port: this.options.dnsPort ?? 53,
      subnet: record.subnet,
      upstreams: this.upstreams,
      forward: !record.internal,
      otherNetworks: (source) => this.otherNameTables(record.id, source),
    });
    await responder.start();
    this.responders.set(record.id, responder);
  }

  /** The name tables of the networks, other than `networkId`, of the container holding `address` on it. */
  private otherNameTables(networkId: string, address: string): NameTable[] {
    const record = this.records.get(networkId);
    const containerId = Object.values(record?.endpoints ?? {}).find(
      (e) => e.ipv4Address === address,
    )?.containerId;
    if (containerId === undefined) return [];
    return this.list()
      .filter((other) => other.id !== networkId && other.endpoints[containerId] !== undefined)
      .flatMap((other) => {
        const names = this.responders.get(other.id)?.names;
        return names === undefined ? [] : [names];
      });
  }

  private async stopResponder(id: string): Promise<void> {
    const responder = this.responders.get(id);
    this.responders.delete(id);
    await responder?.close();
  }

  private endpointsInNetns(netnsPath: string): EndpointRecord[] {
    return this.list().flatMap((r) => Object.values(r.endpoints).filter((e) => e.netnsPath === netnsPath));
  }

  private async enableForwarding(): Promise<void> {
    if (this.options.enableIpForwarding === false) return;
    if ((await readFile(IP_FORWARD, 'utf8')).trim() !== '1') await writeFile(IP_FORWARD, '1\n');
  }

  /** Runs `task` after every earlier one has settled. */
  private locked<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task, task);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

function toEndpoint(record: NetworkRecord, endpoint: EndpointRecord): Endpoint {
  return { ...endpoint, networkId: record.id, networkName: record.name, gateway: record.gateway };
}

/** eth0, eth1, ...: the first not taken by the container's other endpoints. */
export function nextIfname(taken: readonly string[]): string {
  for (let i = 0; i < 1024; i++) if (!taken.includes(`eth${i}`)) return `eth${i}`;
  throw new BerthError('Unavailable', 'too many network interfaces in one container');
}
