// The seam between a container's lifecycle and the network subsystem: which networks a container asks for
// (checked at create), its namespace, endpoints and published ports at each start (set up before its process
// runs, torn down after it ends), live connect/disconnect, and how all that shows in inspect and list.
//
//   const networking = bridgeNetworking(networks);                 // or loopbackNetworking without a subsystem
//   record.network = networking.validate(request, resolve);        // create: 404 "network x not found"
//   const setup = await networking.setUp(record, resolve);         // start: netns, veths, DNS names, ports
//   spec.linux.namespaces ← setup.namespace; resolv.conf ← setup.nameservers; /etc/hosts ← setup.addresses
//   await networking.tearDown(record);                             // exit or failed start
//
// Invariants: a failed setUp leaves nothing behind (it tears down what it made); tearDown is idempotent; the
// record's `network` field holds only what the user asked for plus the host ports last bound (so an engine
// restart re-arms the same ports for containers it adopts).

import { BerthError, messageOf } from '../../shared/errors.js';
import type {
  ContainerCreateRequest,
  EndpointSettings,
  HostConfig,
  PortMap,
  SummaryPort,
} from '../api/containers.js';
import type { Endpoint, NetworkManager, Protocol, PublishedPort } from '../network/index.js';
import { networkNamespace, parseNetworkMode } from './host-config.js';
import type { ContainerRecord } from './record.js';

/** The network every container joins unless told otherwise (Docker's name). */
export const DEFAULT_NETWORK = 'bridge';

/** What a container asked for on one network (Docker's EndpointSettings, the parts berth uses). */
export interface NetworkAttachment {
  aliases: string[];
  ipv4Address?: string;
  macAddress?: string;
}

/** A host port bound for the container, as inspect shows it and as a restarted engine binds it again. */
export interface BoundPort {
  /** `80/tcp` */
  key: string;
  hostIp: string;
  hostPort: number;
}

/** The network part of a container record. */
export interface ContainerNetworkState {
  /** By network name, in the order they are attached (the first carries the default route). */
  networks: Record<string, NetworkAttachment>;
  /** Host ports bound by the current (or last) run. */
  ports: BoundPort[];
}

/** What one start needs from the network: the namespace for the spec and the facts for /etc files. */
export interface NetworkSetup {
  namespace: 'none' | 'host' | { path: string };
  /** Name servers for resolv.conf; undefined keeps the host's (loopback-only and host containers). */
  nameservers?: string[];
  /** What `host-gateway` in ExtraHosts stands for. */
  hostGateway?: string;
  /** The container's own addresses, for its /etc/hosts. */
  addresses: string[];
}

/** Inspect's NetworkSettings parts that come from the network. */
export interface NetworkView {
  networks: Record<string, EndpointSettings>;
  ports: PortMap;
  summaryPorts: SummaryPort[];
  sandboxKey: string;
  /** Top-level IPAddress, Gateway, MacAddress, IPPrefixLen: the default bridge's endpoint, as Docker shows. */
  primary: { IPAddress: string; IPPrefixLen: number; Gateway: string; MacAddress: string };
}

/** Resolves a container by id, name or prefix (the manager's lookup); throws NotFound. */
export type ContainerLookup = (idOrName: string) => ContainerRecord;

export interface ContainerNetworking {
  /** At create: the mode and every named network must make sense now. */
  validate(request: ContainerCreateRequest, lookup: ContainerLookup): ContainerNetworkState;
  /** Before the process starts; on failure nothing is left behind. */
  setUp(record: ContainerRecord, lookup: ContainerLookup): Promise<NetworkSetup>;
  /** After the run ends, after a failed start, and at remove; harmless when nothing is set up. */
  tearDown(record: ContainerRecord): Promise<void>;
  /** A running container adopted at engine start: bind its published ports again. */
  readopt(record: ContainerRecord): Promise<void>;
  /** Joins a network (live when `running`); updates record.network. */
  connect(
    record: ContainerRecord,
    network: string,
    attachment: NetworkAttachment,
    running: boolean,
  ): Promise<void>;
  /** Leaves a network (live when `running`); updates record.network. */
  disconnect(record: ContainerRecord, network: string, running: boolean): Promise<void>;
  view(record: ContainerRecord, running: boolean): NetworkView;
}

const EMPTY_PRIMARY = { IPAddress: '', IPPrefixLen: 0, Gateway: '', MacAddress: '' };

/** Without a network subsystem: host, or loopback only (none, default, bridge), as the engine had before. */
export const loopbackNetworking: ContainerNetworking = {
  validate(request) {
    networkNamespace(request.HostConfig?.NetworkMode);
    return { networks: {}, ports: [] };
  },
  setUp(record) {
    return Promise.resolve({ namespace: networkNamespace(record.hostConfig.NetworkMode), addresses: [] });
  },
  tearDown: () => Promise.resolve(),
  readopt: () => Promise.resolve(),
  connect() {
    return Promise.reject(new BerthError('FailedPrecondition', 'this engine runs without bridge networks'));
  },
  disconnect() {
    return Promise.reject(new BerthError('FailedPrecondition', 'this engine runs without bridge networks'));
  },
  view(record) {
    const mode = parseNetworkMode(record.hostConfig.NetworkMode);
    const networks: Record<string, EndpointSettings> =
      mode.kind === 'host' ? { host: pseudoEndpoint('host') } : {};
    return {
      networks,
      ports: exposedPorts(record),
      summaryPorts: summaryPorts(record, []),
      sandboxKey: '',
      primary: EMPTY_PRIMARY,
    };
  },
};

interface Active {
  ports: PublishedPort[];
  setup: NetworkSetup;
}

/** Containers on bridge networks through the engine's NetworkManager. */
export function bridgeNetworking(
  networks: NetworkManager,
  log?: { warn(m: string, f?: object): void },
): ContainerNetworking {
  const active = new Map<string, Active>();

  const endpointsOf = (id: string): Endpoint[] => networks.endpointsOf(id);

  const attachOne = (
    record: ContainerRecord,
    name: string,
    attachment: NetworkAttachment,
    netnsPath: string,
  ) =>
    networks.attach(name, {
      containerId: record.id,
      containerName: record.name,
      netnsPath,
      aliases: [...attachment.aliases, record.id.slice(0, 12)],
      ...(attachment.ipv4Address ? { ipv4Address: attachment.ipv4Address } : {}),
      ...(attachment.macAddress ? { macAddress: attachment.macAddress } : {}),
    });

  const hostGateway = (): string | undefined => {
    try {
      return networks.get(DEFAULT_NETWORK).gateway;
    } catch {
      return undefined;
    }
  };

  const self: ContainerNetworking = {
    validate(request, lookup) {
      const mode = parseNetworkMode(request.HostConfig?.NetworkMode);
      const requested = request.NetworkingConfig?.EndpointsConfig ?? {};
      if (mode.kind !== 'network') {
        const others = Object.keys(requested).filter(
          (n) => n !== mode.kind && n !== request.HostConfig?.NetworkMode,
        );
        if (others.length > 0) {
          throw new BerthError(
            'InvalidArgument',
            `container sharing network namespace with another container or host cannot be connected to any other network (${others.join(', ')})`,
          );
        }
        if (mode.kind === 'container') lookup(mode.target);
        return { networks: {}, ports: [] };
      }
      const state: ContainerNetworkState = { networks: {}, ports: [] };
      const legacyMac = (request as { MacAddress?: string }).MacAddress;
      // the mode's network may be keyed as given (`default`, an id) or by its name
      const raw = request.HostConfig?.NetworkMode ?? '';
      const primaryKeys = new Set([mode.name, raw, ...(mode.name === DEFAULT_NETWORK ? ['default'] : [])]);
      const primary = networks.get(mode.name);
      const primarySettings = [...primaryKeys].map((k) => requested[k]).find((v) => v !== undefined);
      state.networks[primary.name] = attachmentOf(primarySettings ?? requested[primary.name], legacyMac);
      for (const [asked, settings] of Object.entries(requested)) {
        if (primaryKeys.has(asked)) continue;
        const network = networks.get(asked);
        if (state.networks[network.name] !== undefined) continue;
        state.networks[network.name] = attachmentOf(settings, undefined);
      }
      portRequests(request.HostConfig ?? {}, request.ExposedPorts ?? {}); // bad specs fail the create
      return state;
    },

    async setUp(record, lookup) {
      const mode = parseNetworkMode(record.hostConfig.NetworkMode);
      if (mode.kind === 'host') return { namespace: 'host', addresses: [] };
      if (mode.kind === 'none') return { namespace: 'none', addresses: [], ...gatewayOf(hostGateway()) };
      if (mode.kind === 'container') {
        const target = lookup(mode.target);
        const joined = active.get(target.id);
        if (joined === undefined) {
          throw new BerthError('Conflict', `cannot join network of a non running container: ${target.id}`);
        }
        return joined.setup;
      }
      const attachments = Object.entries(state(record).networks);
      await self.tearDown(record); // a crash may have left a namespace or endpoints of an earlier run
      const netnsPath = await networks.createNetns(record.id);
      try {
        const endpoints: Endpoint[] = [];
        for (const [name, attachment] of attachments) {
          endpoints.push(await attachOne(record, name, attachment, netnsPath));
        }
        const first = endpoints[0];
        const ports =
          first === undefined
            ? []
            : await publishAll(
                networks,
                portRequests(record.hostConfig, record.config.ExposedPorts ?? {}),
                first.ipv4Address,
              );
        const setup: NetworkSetup = {
          namespace: { path: netnsPath },
          addresses: endpoints.map((e) => e.ipv4Address),
          ...(first === undefined ? {} : { nameservers: [first.gateway] }),
          ...gatewayOf(hostGateway()),
        };
        active.set(record.id, { ports, setup });
        record.network = {
          networks: state(record).networks,
          ports: ports.map((p) => ({
            key: `${p.containerPort}/${p.protocol}`,
            hostIp: p.hostIp,
            hostPort: p.hostPort,
          })),
        };
        return setup;
      } catch (error) {
        await self.tearDown(record).catch(() => undefined);
        throw error;
      }
    },

    async tearDown(record) {
      const current = active.get(record.id);
      active.delete(record.id);
      for (const port of current?.ports ?? []) await port.close().catch(() => undefined);
      const mode = parseNetworkMode(record.hostConfig.NetworkMode);
      if (mode.kind !== 'network') return;
      for (const endpoint of endpointsOf(record.id)) {
        await networks.detach(endpoint.networkId, record.id);
      }
      await networks.removeNetns(record.id);
    },

    async readopt(record) {
      const mode = parseNetworkMode(record.hostConfig.NetworkMode);
      if (mode.kind !== 'network') return;
      const endpoints = endpointsOf(record.id);
      const first = endpoints[0];
      const ports: PublishedPort[] = [];
      if (first !== undefined) {
        for (const bound of state(record).ports) {
          const [port = '0', protocol = 'tcp'] = bound.key.split('/');
          try {
            ports.push(
              await networks.publish({
                protocol: protocol as Protocol,
                hostIp: bound.hostIp,
                hostPort: bound.hostPort,
                containerIp: first.ipv4Address,
                containerPort: Number(port),
              }),
            );
          } catch (error) {
            log?.warn('re-publishing a port of an adopted container failed', {
              id: record.id,
              error: messageOf(error),
            });
          }
        }
      }
      active.set(record.id, {
        ports,
        setup: {
          namespace: { path: networks.netnsPath(record.id) },
          addresses: endpoints.map((e) => e.ipv4Address),
          ...(first === undefined ? {} : { nameservers: [first.gateway] }),
          ...gatewayOf(hostGateway()),
        },
      });
    },

    async connect(record, network, attachment, running) {
      const mode = parseNetworkMode(record.hostConfig.NetworkMode);
      if (mode.kind !== 'network') {
        throw new BerthError(
          'InvalidArgument',
          mode.kind === 'host'
            ? 'container cannot be disconnected from host network or connected to host network'
            : 'container sharing network namespace with another container or host cannot be connected to any other network',
        );
      }
      const target = networks.get(network);
      const current = state(record);
      if (current.networks[target.name] !== undefined) {
        throw new BerthError(
          'Conflict',
          `endpoint with name ${record.name} already exists in network ${target.name}`,
        );
      }
      if (running) {
        const endpoint = await attachOne(record, target.name, attachment, networks.netnsPath(record.id));
        const live = active.get(record.id);
        if (live !== undefined) live.setup.addresses.push(endpoint.ipv4Address);
      }
      record.network = { ...current, networks: { ...current.networks, [target.name]: attachment } };
    },

    async disconnect(record, network, running) {
      const current = state(record);
      let name = network;
      try {
        name = networks.get(network).name;
      } catch (error) {
        if (current.networks[network] === undefined) throw error;
      }
      if (current.networks[name] === undefined) {
        throw new BerthError('Conflict', `container ${record.id} is not connected to network ${name}`);
      }
      if (running && endpointsOf(record.id).some((e) => e.networkName === name)) {
        await networks.detach(name, record.id);
      }
      const rest = { ...current.networks };
      delete rest[name];
      record.network = { ...current, networks: rest };
    },

    view(record, running) {
      const mode = parseNetworkMode(record.hostConfig.NetworkMode);
      const bound = running ? (active.get(record.id)?.ports ?? []) : [];
      const ports = exposedPorts(record);
      for (const port of bound) {
        const key = `${port.containerPort}/${port.protocol}`;
        ports[key] = [...(ports[key] ?? []), { HostIp: port.hostIp, HostPort: String(port.hostPort) }];
      }
      const base = { ports, summaryPorts: summaryPorts(record, bound), primary: EMPTY_PRIMARY };
      if (mode.kind === 'host' || mode.kind === 'none') {
        return { ...base, networks: { [mode.kind]: pseudoEndpoint(mode.kind) }, sandboxKey: '' };
      }
      if (mode.kind === 'container') return { ...base, networks: {}, sandboxKey: '' };
      const live = running ? endpointsOf(record.id) : [];
      const out: Record<string, EndpointSettings> = {};
      let primary = EMPTY_PRIMARY;
      for (const [name, attachment] of Object.entries(state(record).networks)) {
        const endpoint = live.find((e) => e.networkName === name);
        let networkId = endpoint?.networkId ?? '';
        if (networkId === '') {
          try {
            networkId = networks.get(name).id;
          } catch {
            // removed since: inspect still shows what the container asked for
          }
        }
        out[name] = endpointSettings(record, attachment, networkId, endpoint);
        if (name === DEFAULT_NETWORK && endpoint !== undefined) {
          primary = {
            IPAddress: endpoint.ipv4Address,
            IPPrefixLen: endpoint.prefixLength,
            Gateway: endpoint.gateway,
            MacAddress: endpoint.macAddress,
          };
        }
      }
      return {
        ...base,
        networks: out,
        primary,
        sandboxKey: running && live.length > 0 ? networks.netnsPath(record.id) : '',
      };
    },
  };
  return self;
}

/** The record's network state; containers made before networks existed join the default network. */
function state(record: ContainerRecord): ContainerNetworkState {
  if (record.network !== undefined) return record.network;
  const mode = parseNetworkMode(record.hostConfig.NetworkMode);
  return { networks: mode.kind === 'network' ? { [mode.name]: { aliases: [] } } : {}, ports: [] };
}

function gatewayOf(address: string | undefined): { hostGateway?: string } {
  return address === undefined ? {} : { hostGateway: address };
}

function attachmentOf(
  settings: EndpointSettings | undefined,
  legacyMac: string | undefined,
): NetworkAttachment {
  const mac = settings?.MacAddress || legacyMac;
  const ip = settings?.IPAMConfig?.IPv4Address;
  return {
    aliases: [...(settings?.Aliases ?? [])],
    ...(ip ? { ipv4Address: ip } : {}),
    ...(mac ? { macAddress: mac } : {}),
  };
}

/** An attachment from a connect request's EndpointConfig. */
export function attachmentFromSettings(settings: EndpointSettings | undefined): NetworkAttachment {
  return attachmentOf(settings, undefined);
}

function endpointSettings(
  record: ContainerRecord,
  attachment: NetworkAttachment,
  networkId: string,
  endpoint: Endpoint | undefined,
): EndpointSettings {
  const shortId = record.id.slice(0, 12);
  return {
    IPAMConfig: attachment.ipv4Address ? { IPv4Address: attachment.ipv4Address } : null,
    Links: null,
    // API 1.44 lists the short id among the aliases (compose v1 checks for it before start)
    Aliases: [...attachment.aliases, shortId],
    MacAddress: endpoint?.macAddress ?? '',
    NetworkID: networkId,
    EndpointID: endpoint?.endpointId ?? '',
    Gateway: endpoint?.gateway ?? '',
    IPAddress: endpoint?.ipv4Address ?? '',
    IPPrefixLen: endpoint?.prefixLength ?? 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    DriverOpts: null,
    DNSNames: endpoint === undefined ? null : [...endpoint.names],
  };
}

function pseudoEndpoint(name: 'host' | 'none'): EndpointSettings {
  return {
    IPAMConfig: null,
    Links: null,
    Aliases: null,
    MacAddress: '',
    NetworkID: name,
    EndpointID: '',
    Gateway: '',
    IPAddress: '',
    IPPrefixLen: 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    DriverOpts: null,
    DNSNames: null,
  };
}

function exposedPorts(record: ContainerRecord): PortMap {
  const ports: PortMap = {};
  for (const port of Object.keys(record.config.ExposedPorts ?? {})) ports[port] = null;
  return ports;
}

function summaryPorts(record: ContainerRecord, bound: readonly PublishedPort[]): SummaryPort[] {
  const out: SummaryPort[] = bound.map((p) => ({
    IP: p.hostIp,
    PrivatePort: p.containerPort,
    PublicPort: p.hostPort,
    Type: p.protocol,
  }));
  for (const key of Object.keys(record.config.ExposedPorts ?? {})) {
    const [port = '0', type = 'tcp'] = key.split('/');
    if (!bound.some((p) => p.containerPort === Number(port) && p.protocol === type)) {
      out.push({ PrivatePort: Number(port), Type: type as SummaryPort['Type'] });
    }
  }
  return out;
}

/** One host binding to make: a port or a range to pick the first free one from (0 = any). */
export interface PortRequest {
  protocol: Protocol;
  containerPort: number;
  hostIp: string;
  hostPorts: { first: number; last: number };
}

/**
 * Docker's PortBindings (and PublishAllPorts over ExposedPorts) as bindings to make, in a stable order.
 *
 *   portRequests({ PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080-8081' }] } }, {})
 *     → [{ protocol: 'tcp', containerPort: 80, hostIp: '127.0.0.1', hostPorts: { first: 8080, last: 8081 } }]
 */
export function portRequests(host: HostConfig, exposed: Record<string, unknown>): PortRequest[] {
  const out: PortRequest[] = [];
  const bindings = host.PortBindings ?? {};
  for (const [key, list] of Object.entries(bindings)) {
    const { port, protocol } = parsePortKey(key);
    for (const binding of list ?? [{ HostIp: '', HostPort: '' }]) {
      out.push({
        protocol,
        containerPort: port,
        hostIp: binding.HostIp ?? '',
        hostPorts: parseHostPorts(binding.HostPort ?? ''),
      });
    }
  }
  if (host.PublishAllPorts === true) {
    const published = new Set(Object.keys(bindings).map((k) => normaliseKey(k)));
    for (const key of Object.keys(exposed)) {
      if (published.has(normaliseKey(key))) continue;
      const { port, protocol } = parsePortKey(key);
      out.push({ protocol, containerPort: port, hostIp: '', hostPorts: { first: 0, last: 0 } });
    }
  }
  return out;
}

function normaliseKey(key: string): string {
  const { port, protocol } = parsePortKey(key);
  return `${port}/${protocol}`;
}

function parsePortKey(key: string): { port: number; protocol: Protocol } {
  const [portText = '', protocol = 'tcp'] = key.split('/');
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
    throw new BerthError('InvalidArgument', `invalid port specification: "${key}"`);
  }
  if (protocol !== 'tcp' && protocol !== 'udp') {
    throw new BerthError(
      'InvalidArgument',
      `invalid proto "${protocol}" in port ${key}: berth publishes tcp and udp`,
    );
  }
  return { port, protocol };
}

function parseHostPorts(text: string): { first: number; last: number } {
  if (text === '') return { first: 0, last: 0 };
  const match = /^(\d+)(?:-(\d+))?$/.exec(text);
  const first = Number(match?.[1]);
  const last = match?.[2] === undefined ? first : Number(match[2]);
  if (!match || first > 65535 || last > 65535 || last < first) {
    throw new BerthError('InvalidArgument', `invalid host port: "${text}"`);
  }
  return { first, last };
}

/** Binds every request (a range takes its first free port); on any failure closes what it bound. */
async function publishAll(
  networks: NetworkManager,
  requests: readonly PortRequest[],
  containerIp: string,
): Promise<PublishedPort[]> {
  const bound: PublishedPort[] = [];
  try {
    for (const request of requests) bound.push(await publishOne(networks, request, containerIp));
    return bound;
  } catch (error) {
    for (const port of bound) await port.close().catch(() => undefined);
    throw error;
  }
}

async function publishOne(
  networks: NetworkManager,
  request: PortRequest,
  containerIp: string,
): Promise<PublishedPort> {
  const { first, last } = request.hostPorts;
  for (let hostPort = first; ; hostPort++) {
    try {
      return await networks.publish({
        protocol: request.protocol,
        hostIp: request.hostIp,
        hostPort,
        containerIp,
        containerPort: request.containerPort,
      });
    } catch (error) {
      // a busy port in a range: try the next one; the last one's error names the port
      if (hostPort >= last || !(error instanceof BerthError && error.code === 'Conflict')) throw error;
    }
  }
}
