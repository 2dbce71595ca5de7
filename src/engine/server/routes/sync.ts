// berth's own file-sync routes (not part of Docker's API), used by `berth watch`: POST /containers/{id}/berth/sync
// applies a frame stream of changes (api/sync.ts) to a running container's filesystem as its processes see it,
// and GET /containers/{id}/berth/tree?path= lists a directory tree with content hashes for initial syncs.
// Invariant: only running containers are written to unless the client asks for `stopped=1`, so volumes and binds
// under the target are the ones the container uses; files are owned by the container's configured user, resolved from its own /etc/passwd.
import { BerthError } from '../../../shared/errors.js';
import { decodeChanges } from '../../api/sync.js';
import { applySync, listTree } from '../../container/sync.js';
import { resolveUser } from '../../runtime/user.js';
import type { RequestContext } from '../context.js';
import type { EngineServices, RouteModule } from '../services.js';

function runningId(services: EngineServices, ctx: RequestContext, allowStopped = false): string {
  const record = services.containers.resolve(ctx.params.id ?? '');
  if (!allowStopped && !services.containers.isRunning(record.id))
    throw new BerthError('Conflict', `container ${record.name} is not running`);
  return record.id;
}

export const syncRoutes: RouteModule = {
  name: 'sync',
  register(router, services) {
    const containers = services.containers;

    router.post('/containers/{id}/berth/sync', async (ctx) => {
      // ?stopped=1: a stopped container is written through its own rootfs (volumes are not mounted then).
      const id = runningId(services, ctx, ctx.queryBool('stopped'));
      const record = containers.resolve(id);
      if (record.hostConfig.ReadonlyRootfs === true)
        throw new BerthError('Conflict', 'container rootfs is marked read-only');
      const result = await containers.withRootfs(id, async (root) => {
        const owner = await resolveUser(root, record.config.User ?? '');
        return applySync(root, decodeChanges(ctx.bodyStream()), owner);
      });
      ctx.sendJson(200, result);
    });

    router.get('/containers/{id}/berth/tree', async (ctx) => {
      const path = ctx.query.get('path');
      if (path === null || !path.startsWith('/'))
        throw new BerthError('InvalidArgument', 'path must be an absolute container path');
      const id = runningId(services, ctx);
      ctx.sendJson(200, await containers.withRootfs(id, (root) => listTree(root, path)));
    });
  },
};
