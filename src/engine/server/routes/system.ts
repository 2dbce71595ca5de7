// System routes: /_ping (version negotiation), /version, /info, /events. These are all the docker CLI needs
// for `docker version` and `docker info`, and what every client calls first.

import os from 'node:os';
import path from 'node:path';
import { BerthError } from '../../../shared/errors.js';
import { EVENT_FILTERS, type EventMessage } from '../../api/events.js';
import { checkFilterNames, parseFilters } from '../../api/filters.js';
import type { SystemInfo, VersionResponse } from '../../api/system.js';
import { API_VERSION, MIN_API_VERSION } from '../../api/version.js';
import { matchEvent, withLegacyFields } from '../../events/filter.js';
import { parseTimestampNano } from '../../events/timestamp.js';
import type { RequestContext } from '../context.js';
import { probeHost } from '../host-info.js';
import type { RouteModule } from '../services.js';

const PING_HEADERS = {
  'Cache-Control': 'no-cache, no-store, must-revalidate',
  Pragma: 'no-cache',
  'Docker-Experimental': 'false',
  // 1 = the classic builder (POST /build); 2 would make the docker CLI try BuildKit sessions.
  'Builder-Version': '1',
  Swarm: 'inactive',
};

export const systemRoutes: RouteModule = {
  name: 'system',
  register(router, services) {
    router.get('/_ping', (ctx) => {
      ctx.res.writeHead(200, {
        ...PING_HEADERS,
        'Content-Type': 'text/plain; charset=utf-8',
        'Content-Length': 2,
      });
      ctx.res.end('OK');
    });
    router.head('/_ping', (ctx) => {
      ctx.res.writeHead(200, {
        ...PING_HEADERS,
        'Content-Type': 'text/plain; charset=utf-8',
        'Content-Length': 0,
      });
      ctx.res.end();
    });

    router.get('/version', async (ctx) => {
      const host = await probeHost();
      const details = {
        ApiVersion: API_VERSION,
        MinAPIVersion: MIN_API_VERSION,
        GitCommit: '',
        GoVersion: `node${process.versions.node}`,
        Os: 'linux',
        Arch: host.goArch,
        KernelVersion: host.kernelVersion,
        BuildTime: '',
      };
      const body: VersionResponse = {
        Platform: { Name: 'berth engine' },
        Components: [
          { Name: 'Engine', Version: services.version, Details: { ...details, Experimental: 'false' } },
        ],
        Version: services.version,
        ...details,
        Experimental: false,
      };
      ctx.sendJson(200, body);
    });

    router.get('/info', async (ctx) => {
      const [host, inventory] = await Promise.all([probeHost(), services.inventory()]);
      const { config } = services;
      const runtimeName = path.basename(config.runtime);
      const info: SystemInfo = {
        ID: services.engineId,
        Containers: inventory.containers.total,
        ContainersRunning: inventory.containers.running,
        ContainersPaused: inventory.containers.paused,
        ContainersStopped: inventory.containers.stopped,
        Images: inventory.images,
        Driver: 'overlay2',
        DriverStatus: [],
        DockerRootDir: config.root,
        Plugins: {
          Volume: ['local'],
          Network: ['bridge', 'host', 'null'],
          Authorization: null,
          Log: ['json-file'],
        },
        MemoryLimit: true,
        SwapLimit: host.swapLimit,
        CpuCfsPeriod: true,
        CpuCfsQuota: true,
        CPUShares: true,
        CPUSet: true,
        PidsLimit: true,
        OomKillDisable: host.cgroupVersion === '1',
        IPv4Forwarding: host.ipv4Forwarding,
        BridgeNfIptables: host.bridgeNfIptables,
        BridgeNfIp6tables: host.bridgeNfIp6tables,
        Debug: config.logLevel === 'debug',
        NFd: host.openFds,
        NGoroutines: 0,
        SystemTime: new Date().toISOString(),
        LoggingDriver: 'json-file',
        CgroupDriver: 'cgroupfs',
        CgroupVersion: host.cgroupVersion,
        NEventsListener: services.events.subscriberCount,
        KernelVersion: host.kernelVersion,
        OperatingSystem: host.operatingSystem,
        OSVersion: host.osVersion,
        OSType: 'linux',
        Architecture: host.machine,
        NCPU: host.ncpu,
        MemTotal: host.memTotal,
        IndexServerAddress: 'https://index.docker.io/v1/',
        RegistryConfig: {
          InsecureRegistryCIDRs: ['127.0.0.0/8', '::1/128'],
          IndexConfigs: { 'docker.io': { Name: 'docker.io', Mirrors: [], Secure: true, Official: true } },
          Mirrors: [],
        },
        GenericResources: null,
        HttpProxy: process.env.HTTP_PROXY ?? process.env.http_proxy ?? '',
        HttpsProxy: process.env.HTTPS_PROXY ?? process.env.https_proxy ?? '',
        NoProxy: process.env.NO_PROXY ?? process.env.no_proxy ?? '',
        Name: os.hostname(),
        Labels: [],
        ExperimentalBuild: false,
        ServerVersion: services.version,
        Runtimes: { [runtimeName]: { path: config.runtime } },
        DefaultRuntime: runtimeName,
        Swarm: {
          NodeID: '',
          NodeAddr: '',
          LocalNodeState: 'inactive',
          ControlAvailable: false,
          Error: '',
          RemoteManagers: null,
        },
        LiveRestoreEnabled: true,
        Isolation: '',
        InitBinary: '',
        ContainerdCommit: { ID: '' },
        RuncCommit: { ID: '' },
        InitCommit: { ID: '' },
        SecurityOptions: [],
        DefaultAddressPools: [{ Base: config.subnetPool.base, Size: config.subnetPool.size }],
        Warnings: [],
      };
      ctx.sendJson(200, info);
    });

    router.get('/events', (ctx) => streamEvents(ctx));
  },
};

/**
 * GET /events: replays kept events when `since` or `until` is given, then streams live ones until `until`
 * (at once when it is past), the client leaves, or the engine shuts down.
 */
async function streamEvents(ctx: RequestContext): Promise<void> {
  const bus = ctx.services.events;
  const filters = parseFilters(ctx.query.get('filters'));
  checkFilterNames(filters, EVENT_FILTERS);
  const now = bus.nowNano();
  const since = optionalTimestamp(ctx.query.get('since'), now);
  const until = optionalTimestamp(ctx.query.get('until'), now);
  if (since !== undefined && until !== undefined && since > until) {
    throw new BerthError('InvalidArgument', '`since` time cannot be after `until` time');
  }

  const stream = ctx.startJsonStream();
  const send = (event: EventMessage) => {
    if (matchEvent(event, filters)) stream.write(withLegacyFields(event, ctx.apiVersion));
  };
  // Replay and subscribe in the same tick, so no event falls between the two.
  const replay = since !== undefined || until !== undefined ? bus.recent(since ?? 0, until) : [];
  for (const event of replay) send(event);
  if (until !== undefined && until <= now) {
    stream.end();
    return;
  }

  await new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
      stream.signal.removeEventListener('abort', finish);
      stream.end();
      resolve();
    };
    const unsubscribe = bus.subscribe((event) => {
      if (until !== undefined && event.timeNano > until) finish();
      else send(event);
    });
    if (until !== undefined) timer = setTimeout(finish, Math.ceil((until - now) / 1e6) + 1);
    if (stream.signal.aborted) finish();
    else stream.signal.addEventListener('abort', finish);
  });
}

function optionalTimestamp(value: string | null, nowNano: number): number | undefined {
  return value === null || value === '' ? undefined : parseTimestampNano(value, nowNano);
}
