// The /networks routes: list (with Docker's filters), inspect, create, remove, connect, disconnect and prune,
// over the engine's NetworkManager, with `network` events on the bus. Besides the bridge networks the list shows
// Docker's predefined `host` and `none`, which stand for the container network modes of the same names.
// Invariant: the predefined networks can be neither created nor removed, and a network with containers attached
// is never removed.

import { createHash } from 'node:crypto';
import { BerthError, isBerthError } from '../../../shared/errors.js';
import { NotImplementedError } from '../../api/errors.js';
import { checkFilterNames, matchLabels, parseFilters, type Filters } from '../../api/filters.js';
import type {
  NetworkConnectRequest,
  NetworkCreateRequest,
  NetworkDisconnectRequest,
  NetworkIpamConfig,
  NetworkResource,
} from '../../api/networks.js';
import { DEFAULT_NETWORK } from '../../container/networking.js';
import { parseTimestampNano } from '../../events/timestamp.js';
import type { CreateNetworkOptions, NetworkRecord } from '../../network/index.js';
import type { RequestContext } from '../context.js';
import type { EngineServices, RouteModule } from '../services.js';

const LIST_FILTERS = ['name', 'id', 'label', 'driver', 'type', 'dangling', 'scope'];
const PRUNE_FILTERS = ['label', 'label!', 'until'];
const PSEUDO_NETWORKS = ['host', 'none'] as const;
/** Drivers Docker has and berth does not provide (a clear 501 rather than "not found"). */
const KNOWN_DRIVERS = ['overlay', 'macvlan', 'ipvlan', 'host', 'null'];

/** A bridge network on the wire. */
export function networkResource(record: NetworkRecord): NetworkResource {
  const config: NetworkIpamConfig = { Subnet: record.subnet, Gateway: record.gateway };
  if (record.ipRange !== record.subnet) config.IPRange = record.ipRange;
  return {
    Name: record.name,
    Id: record.id,
    Created: record.created,
    Scope: 'local',
    Driver: 'bridge',
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: null, Config: [config] },
    Internal: record.internal,
    Attachable: record.attachable === true,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: Object.fromEntries(
      Object.values(record.endpoints).map((e) => [
        e.containerId,
        {
          Name: e.containerName,
          EndpointID: e.endpointId,
          MacAddress: e.macAddress,
          IPv4Address: `${e.ipv4Address}/${e.prefixLength}`,
          IPv6Address: '',
        },
      ]),
    ),
    Options: { ...record.options },
    Labels: { ...record.labels },
  };
}

/** Docker's predefined `host` and `none` networks (no bridge, no addresses); stable ids per engine. */
export function pseudoNetwork(name: 'host' | 'none', engineId: string, created: string): NetworkResource {
  return {
    Name: name,
    Id: createHash('sha256').update(`${engineId}/${name}`).digest('hex'),
    Created: created,
    Scope: 'local',
    Driver: name === 'host' ? 'host' : 'null',
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: null, Config: [] },
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: {},
    Options: {},
    Labels: {},
  };
}

/** Is the network predefined (made by the engine itself, never removable)? */
export function isPredefined(name: string): boolean {
  return name === DEFAULT_NETWORK || (PSEUDO_NETWORKS as readonly string[]).includes(name);
}

/** Docker's list filters: name and id match a part, driver and scope exactly, type custom|builtin, dangling. */
export function matchNetwork(network: NetworkResource, filters: Filters): boolean {
  const some = (name: string, test: (value: string) => boolean): boolean => {
    const values = filters.get(name);
    return values === undefined || values.length === 0 || values.some(test);
  };
  return (
    some('name', (v) => network.Name.includes(v)) &&
    some('id', (v) => network.Id.startsWith(v) || network.Id.includes(v)) &&
    some('driver', (v) => network.Driver === v) &&
    some('scope', (v) => v === 'local') &&
    some('type', (v) => {
      if (v !== 'custom' && v !== 'builtin')
        throw new BerthError('InvalidArgument', `invalid filter: 'type'='${v}'`);
      return (v === 'builtin') === isPredefined(network.Name);
    }) &&
    some('dangling', (v) => {
      const wanted = v === 'true' || v === '1';
      if (!wanted && v !== 'false' && v !== '0') {
        throw new BerthError('InvalidArgument', `invalid filter 'dangling=${v}'`);
      }
      const dangling = !isPredefined(network.Name) && Object.keys(network.Containers).length === 0;
      return dangling === wanted;
    }) &&
    matchLabels(network.Labels, filters.get('label'))
  );
}

/** A create request as NetworkManager options; refuses what berth cannot provide with a clear status. */
export function createOptions(body: NetworkCreateRequest): CreateNetworkOptions {
  const name = body.Name?.trim() ?? '';
  if (name === '') throw new BerthError('InvalidArgument', 'network name is required');
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) {
    throw new BerthError(
      'InvalidArgument',
      `invalid network name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
    );
  }
  if (isPredefined(name)) throw new BerthError('AlreadyExists', `network with name ${name} already exists`);
  const driver = body.Driver ?? '';
  if (driver !== '' && driver !== 'bridge') {
    if (KNOWN_DRIVERS.includes(driver))
      throw new NotImplementedError(`the ${driver} network driver (berth provides bridge)`);
    throw new BerthError(
      'InvalidArgument',
      `network driver "${driver}" is not available: berth provides bridge`,
    );
  }
  if (body.EnableIPv6 === true) throw new NotImplementedError('IPv6 networks (EnableIPv6)');
  if (
    body.Ingress === true ||
    body.ConfigOnly === true ||
    ((body.Scope ?? '') !== '' && body.Scope !== 'local')
  ) {
    throw new NotImplementedError('swarm-scoped, ingress and config-only networks');
  }
  const ipamDriver = body.IPAM?.Driver ?? 'default';
  if (ipamDriver !== 'default' && ipamDriver !== '')
    throw new NotImplementedError(`the ${ipamDriver} IPAM driver`);
  const configs = body.IPAM?.Config ?? [];
  if (configs.some((c) => c.Subnet?.includes(':'))) throw new NotImplementedError('IPv6 subnets');
  if (configs.length > 1) throw new NotImplementedError('more than one IPAM config on a network');
  const ipam = configs[0] ?? {};
  return {
    name,
    ...(ipam.Subnet ? { subnet: ipam.Subnet } : {}),
    ...(ipam.Gateway ? { gateway: ipam.Gateway } : {}),
    ...(ipam.IPRange ? { ipRange: ipam.IPRange } : {}),
    internal: body.Internal === true,
    attachable: body.Attachable === true,
    labels: { ...body.Labels },
    options: { ...body.Options },
  };
}

export const networkRoutes: RouteModule = {
  name: 'networks',
  register(router, services) {
    const { networks, containers } = services;
    const created = services.startedAt.toISOString();

    const all = (): NetworkResource[] => [
      ...networks.list().map(networkResource),
      ...PSEUDO_NETWORKS.map((name) => pseudoNetwork(name, services.engineId, created)),
    ];
    /** By exact name, exact id, or unique id prefix, across bridge and predefined networks. */
    const find = (idOrName: string): NetworkResource => {
      const list = all();
      const exact = list.find((n) => n.Name === idOrName || n.Id === idOrName);
      if (exact) return exact;
      const byPrefix = idOrName === '' ? [] : list.filter((n) => n.Id.startsWith(idOrName));
      if (byPrefix.length === 1) return byPrefix[0]!;
      if (byPrefix.length > 1)
        throw new BerthError(
          'InvalidArgument',
          `network ${idOrName} is ambiguous (${byPrefix.length} matches found based on ID prefix)`,
        );
      throw new BerthError('NotFound', `network ${idOrName} not found`);
    };
    const publish = (
      network: { Id: string; Name: string },
      action: string,
      extra: Record<string, string> = {},
    ) =>
      services.events.publish({
        type: 'network',
        action,
        actor: { id: network.Id, attributes: { name: network.Name, type: 'bridge', ...extra } },
      });

    router.get('/networks', (ctx) => {
      const filters = parseFilters(ctx.query.get('filters'));
      checkFilterNames(filters, LIST_FILTERS);
      ctx.sendJson(
        200,
        all().filter((n) => matchNetwork(n, filters)),
      );
    });

    router.get('/networks/{id}', (ctx) => {
      ctx.sendJson(200, find(ctx.params.id ?? ''));
    });

    router.post('/networks/create', async (ctx) => {
      const body = await ctx.readJson<NetworkCreateRequest>();
      if (body === undefined) throw new BerthError('InvalidArgument', 'network name is required');
      const record = await networks.createNetwork(createOptions(body));
      publish({ Id: record.id, Name: record.name }, 'create');
      ctx.sendJson(201, { Id: record.id, Warning: '' });
    });

    router.delete('/networks/{id}', async (ctx) => {
      const network = find(ctx.params.id ?? '');
      if (isPredefined(network.Name)) {
        return forbidden(ctx, `${network.Name} is a pre-defined network and cannot be removed`);
      }
      if (Object.keys(network.Containers).length > 0) {
        return forbidden(
          ctx,
          `error while removing network: network ${network.Name} id ${network.Id} has active endpoints`,
        );
      }
      await networks.removeNetwork(network.Id);
      publish(network, 'destroy');
      ctx.sendEmpty(204);
    });

    router.post('/networks/{id}/connect', async (ctx) => {
      const network = find(ctx.params.id ?? '');
      const body = await ctx.readJson<NetworkConnectRequest>();
      if (!body?.Container) throw new BerthError('InvalidArgument', 'a container is required');
      if (!isBridge(network)) {
        return forbidden(
          ctx,
          `container cannot be disconnected from host network or connected to host network`,
        );
      }
      const record = await containers.connectNetwork(body.Container, network.Id, body.EndpointConfig);
      publish(network, 'connect', { container: record.id });
      ctx.sendEmpty(200);
    });

    router.post('/networks/{id}/disconnect', async (ctx) => {
      const network = find(ctx.params.id ?? '');
      const body = await ctx.readJson<NetworkDisconnectRequest>();
      if (!body?.Container) throw new BerthError('InvalidArgument', 'a container is required');
      if (!isBridge(network)) {
        return forbidden(
          ctx,
          `container cannot be disconnected from host network or connected to host network`,
        );
      }
      const containerId = await disconnect(services, network, body.Container, body.Force === true);
      publish(network, 'disconnect', { container: containerId });
      ctx.sendEmpty(200);
    });

    router.post('/networks/prune', async (ctx) => {
      const filters = parseFilters(ctx.query.get('filters'));
      checkFilterNames(filters, PRUNE_FILTERS);
      const untilValues = filters.get('until');
      const until = untilValues?.length
        ? parseTimestampNano(untilValues[untilValues.length - 1]!, Date.now() * 1e6) / 1e6
        : undefined;
      const deleted: string[] = [];
      for (const record of networks.list()) {
        if (isPredefined(record.name) || Object.keys(record.endpoints).length > 0) continue;
        if (until !== undefined && Date.parse(record.created) >= until) continue;
        if (!matchLabels(record.labels, filters.get('label'))) continue;
        if (filters.get('label!')?.some((entry) => matchLabels(record.labels, [entry]))) continue;
        try {
          await networks.removeNetwork(record.id);
        } catch (error) {
          if (isBerthError(error, 'Conflict') || isBerthError(error, 'NotFound')) continue; // attached meanwhile
          throw error;
        }
        publish({ Id: record.id, Name: record.name }, 'destroy');
        deleted.push(record.name);
      }
      ctx.sendJson(200, { NetworksDeleted: deleted });
    });
  },
};

function isBridge(network: NetworkResource): boolean {
  return network.Driver === 'bridge';
}

/** Docker answers 403 Forbidden for these; berth's error codes have none, so the status is written here. */
function forbidden(ctx: RequestContext, message: string): void {
  ctx.sendJson(403, { message });
}

/**
 * Disconnects a container; with `force`, an endpoint whose container is gone (or named by its old name) is
 * removed from the network directly, as Docker's force does. Returns the container id.
 */
async function disconnect(
  services: EngineServices,
  network: NetworkResource,
  container: string,
  force: boolean,
): Promise<string> {
  try {
    return (await services.containers.disconnectNetwork(container, network.Id)).id;
  } catch (error) {
    if (!force || !isBerthError(error, 'NotFound')) throw error;
    const endpoint = Object.entries(network.Containers).find(
      ([id, e]) => id === container || id.startsWith(container) || e.Name === container,
    );
    if (endpoint === undefined) throw error;
    await services.networks.detach(network.Id, endpoint[0]);
    return endpoint[0];
  }
}
