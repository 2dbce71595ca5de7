// Archive routes (`docker cp`): HEAD stats a path, GET returns it as a tar, PUT extracts a tar into a
// directory; all three carry X-Docker-Container-Path-Stat where Docker does. Invariant: every path goes through
// container/archive.ts, which keeps reads and writes inside the container's rootfs.
import { BerthError } from '../../../shared/errors.js';
import { encodePathStat, extractInto, packPath, statPath } from '../../container/archive.js';
import type { RequestContext } from '../context.js';
import type { RouteModule } from '../services.js';

const STAT_HEADER = 'X-Docker-Container-Path-Stat';

function requiredPath(ctx: RequestContext): string {
  const path = ctx.query.get('path');
  if (path === null || path === '') throw new BerthError('InvalidArgument', 'path is required');
  return path;
}

export const archiveRoutes: RouteModule = {
  name: 'archive',
  register(router, services) {
    const containers = services.containers;

    router.head('/containers/{id}/archive', async (ctx) => {
      const path = requiredPath(ctx);
      const stat = await containers.withRootfs(ctx.params.id ?? '', (rootfs) => statPath(rootfs, path));
      ctx.res.writeHead(200, { [STAT_HEADER]: encodePathStat(stat), 'Content-Length': 0 });
      ctx.res.end();
    });

    router.get('/containers/{id}/archive', async (ctx) => {
      const path = requiredPath(ctx);
      await containers.withRootfs(ctx.params.id ?? '', async (rootfs) => {
        const stat = await statPath(rootfs, path);
        const tar = await packPath(rootfs, path);
        ctx.res.writeHead(200, { 'Content-Type': 'application/x-tar', [STAT_HEADER]: encodePathStat(stat) });
        // The rootfs must stay mounted until the last byte is read.
        await new Promise<void>((resolve, reject) => {
          tar.on('error', reject);
          ctx.res.on('close', resolve);
          tar.pipe(ctx.res);
          ctx.res.on('finish', resolve);
        }).catch(() => {
          if (!ctx.res.writableEnded) ctx.res.destroy();
        });
      });
    });

    router.put('/containers/{id}/archive', async (ctx) => {
      const path = requiredPath(ctx);
      const record = containers.resolve(ctx.params.id ?? '');
      if (record.hostConfig.ReadonlyRootfs === true)
        throw new BerthError('Conflict', 'container rootfs is marked read-only');
      await containers.withRootfs(record.id, (rootfs) =>
        extractInto(rootfs, path, ctx.bodyStream(), { keepOwnership: ctx.queryBool('copyUIDGID') }),
      );
      ctx.sendEmpty(200);
    });
  },
};
