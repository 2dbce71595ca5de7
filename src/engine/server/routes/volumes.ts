// Volume routes: list, create, inspect, remove, prune. Handlers translate HTTP to the volume store and back;
// the store decides (names, options, in use) and tells the event bus what it created and destroyed.
// Invariant: the store's own bookkeeping (copy-up done) never goes out on the wire.

import { BerthError } from '../../../shared/errors.js';
import { checkFilterNames, parseFilters, type Filters } from '../../api/filters.js';
import { apiVersionAtLeast } from '../../api/version.js';
import {
  VOLUME_LIST_FILTERS,
  VOLUME_PRUNE_FILTERS,
  type Volume,
  type VolumeCreateRequest,
  type VolumeListResponse,
} from '../../api/volumes.js';
import type { VolumeRecord } from '../../volume/index.js';
import type { RouteModule } from '../services.js';

export function volumeView(record: VolumeRecord): Volume {
  return {
    Name: record.Name,
    Driver: record.Driver,
    Mountpoint: record.Mountpoint,
    CreatedAt: record.CreatedAt,
    Labels: { ...record.Labels },
    Scope: record.Scope,
    Options: { ...record.Options },
  };
}

export const volumeRoutes: RouteModule = {
  name: 'volumes',
  register(router, services) {
    const volumes = services.volumes;

    router.get('/volumes', async (ctx) => {
      const filters = parseFilters(ctx.query.get('filters'));
      checkFilterNames(filters, VOLUME_LIST_FILTERS);
      const dangling = booleanFilter(filters, 'dangling');
      const list = await volumes.list({
        name: [...(filters.get('name') ?? [])],
        label: [...(filters.get('label') ?? [])],
        driver: [...(filters.get('driver') ?? [])],
        ...(dangling === undefined ? {} : { dangling }),
      });
      const body: VolumeListResponse = { Volumes: list.map(volumeView), Warnings: [] };
      ctx.sendJson(200, body);
    });

    router.post('/volumes/create', async (ctx) => {
      const body = (await ctx.readJson<VolumeCreateRequest>()) ?? {};
      const created = await volumes.create({
        ...(body.Name === undefined ? {} : { name: body.Name }),
        ...(body.Driver === undefined ? {} : { driver: body.Driver }),
        labels: body.Labels ?? {},
        options: body.DriverOpts ?? {},
      });
      ctx.sendJson(201, volumeView(created));
    });

    router.post('/volumes/prune', async (ctx) => {
      const filters = parseFilters(ctx.query.get('filters'));
      checkFilterNames(filters, VOLUME_PRUNE_FILTERS);
      // Before API 1.42 prune took every unused volume; from 1.42 only anonymous ones unless `all`.
      const all = booleanFilter(filters, 'all') ?? !apiVersionAtLeast(ctx.apiVersion, '1.42');
      const result = await volumes.prune({
        all,
        label: [...(filters.get('label') ?? [])],
        labelNot: [...(filters.get('label!') ?? [])],
      });
      ctx.sendJson(200, result);
    });

    router.get('/volumes/{name}', async (ctx) => {
      ctx.sendJson(200, volumeView(await volumes.inspect(ctx.params.name ?? '')));
    });

    router.delete('/volumes/{name}', async (ctx) => {
      await volumes.remove(ctx.params.name ?? '', { force: ctx.queryBool('force') });
      ctx.sendEmpty(204);
    });
  },
};

/** A true/false filter (`1`/`0` too); undefined when absent; InvalidArgument for anything else. */
function booleanFilter(filters: Filters, name: string): boolean | undefined {
  const values = filters.get(name);
  if (values === undefined || values.length === 0) return undefined;
  const parsed = values.map((value) => {
    const text = value.toLowerCase();
    if (text === 'true' || text === '1') return true;
    if (text === 'false' || text === '0') return false;
    throw new BerthError('InvalidArgument', `invalid filter '${name}=${value}'`);
  });
  if (parsed.some((value) => value !== parsed[0])) {
    throw new BerthError('InvalidArgument', `conflicting values for filter '${name}'`);
  }
  return parsed[0];
}
