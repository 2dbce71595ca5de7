// The engine's network subsystem: bridge networks with IPAM, outbound NAT and isolation, a DNS responder per
// network, container endpoints (veth into a named network namespace) and published ports (userland proxy).
// Invariant: everything it makes on the host carries the engine's bridge prefix (links, namespaces, iptables
// chains), so cleanupAll(prefix) removes exactly that and nothing else.
//
// The container lifecycle uses it like this (all paths and names come from the engine config):
//
//   const networks = await NetworkManager.open({ root: config.root, bridgePrefix: config.bridgePrefix,
//                                                subnetPool: config.subnetPool });
//   const net = await networks.createNetwork({ name: 'app_default', labels: { 'com.docker.compose.project': 'app' } });
//   //   → { id, name, bridge: 'berth1a2b3c4d5e6f', subnet: '10.213.0.0/24', gateway: '10.213.0.1', ... }
//
//   // container start: make its namespace, put it in the OCI spec, attach it, publish its ports, then run it
//   const netnsPath = await networks.createNetns(containerId);          // /run/netns/berth-<id12>
//   spec.linux.namespaces.push({ type: 'network', path: netnsPath });
//   const ep = await networks.attach(net.id, { containerId, containerName: 'app-web-1', netnsPath,
//                                              aliases: ['web', containerId.slice(0, 12)] });
//   //   → { ifname: 'eth0', ipv4Address: '10.213.0.2', prefixLength: 24, gateway: '10.213.0.1',
//   //       macAddress: '02:42:0a:d5:00:02', ... }; the container's resolv.conf gets `nameserver ${ep.gateway}`
//   const port = await networks.publish({ protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 0,
//                                         containerIp: ep.ipv4Address, containerPort: 80 });
//   //   → port.hostPort is the bound port (inspect shows it); a busy port rejects with a Conflict naming it
//
//   // container stop: unpublish, detach (names stop resolving), drop the namespace
//   await port.close();
//   await networks.detach(net.id, containerId);
//   await networks.removeNetns(containerId);
//
//   await networks.removeNetwork(net.id);   // Conflict while endpoints remain
//   await networks.close();                 // engine exit: listeners stop, kernel state and records stay
//   await cleanupAll(config.bridgePrefix);  // or networks.cleanupAll(): every link, netns, rule (and listener) gone
//
// Why named namespaces (`ip netns add`) rather than a bind mount of /proc/<pid>/ns/net: the namespace exists before
// the container's process, so the network (address, routes, DNS name, published ports) is ready when the process
// starts, and a restart gets a fresh namespace as Podman does; it survives an engine restart without a process to
// hold it; its path is what runc joins; and `ip netns list`/`ip netns exec` show and enter it for debugging and
// tests. attach() also accepts any other namespace path (entered with nsenter).

export { NetworkManager, nextIfname } from './manager.js';
export type { AttachOptions, CreateNetworkOptions, Endpoint, NetworkManagerOptions } from './manager.js';
export type { EndpointRecord, NetworkRecord } from './records.js';
export { cleanupAll } from './cleanup.js';
export { publishPort } from './port-proxy.js';
export type { PortBinding, PublishedPort, Protocol } from './port-proxy.js';
export { findPortHolder } from './port-holder.js';
export { execaRunner } from './command.js';
export type { CommandRunner, CommandResult } from './command.js';
export type { ResolverAddress } from './host-facts.js';
export type { PoolSpec, AddressingRequest } from './addressing.js';
export { bridgeName, netnsName, chainNames } from './names.js';
export { NETNS_DIR } from './links.js';
