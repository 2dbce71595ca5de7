// WatchEngine over a Docker-API transport (berth's engine client): container listing by compose labels, start,
// restart and exec through the Docker routes, file sync and tree listing through berth's own sync routes.
import { BerthError } from '../shared/errors.js';
import type { EngineTransport } from '../compose/converge/engine.js';
import type { ContainerSummary } from '../engine/api/containers.js';
import type { SyncChange, SyncResult, TreeEntry } from '../engine/api/sync.js';
import type { ExecSpec, ServiceContainer, WatchEngine } from './api.js';

/** What the engine client offers beyond the Docker API (engine-client.ts syncFiles / containerTree). */
export interface SyncTransport extends EngineTransport {
  syncFiles(
    id: string,
    changes: Iterable<SyncChange> | AsyncIterable<SyncChange>,
    options?: { stopped?: boolean },
  ): Promise<SyncResult>;
  containerTree(id: string, path: string): Promise<TreeEntry[]>;
}

export function watchEngine(transport: SyncTransport): WatchEngine {
  const post = async (path: string, body?: unknown) => {
    const response = await transport.request({
      method: 'POST',
      path,
      ...(body === undefined ? {} : { body }),
    });
    if (response.status >= 400)
      throw new BerthError('Internal', `${path}: ${response.body.toString('utf8')}`);
    return response;
  };
  return {
    async containers(project, service) {
      const filters = JSON.stringify({
        label: [`com.docker.compose.project=${project}`, `com.docker.compose.service=${service}`],
      });
      const list = await transport.requestJson<ContainerSummary[]>({
        path: '/containers/json',
        query: { all: true, filters },
      });
      return list
        .filter((c) => c.Labels?.['com.docker.compose.oneoff'] !== 'True')
        .map((c): ServiceContainer => {
          const code = /Exited \((-?\d+)\)/.exec(c.Status ?? '')?.[1];
          return {
            id: c.Id,
            name: (c.Names?.[0] ?? c.Id).replace(/^\//, ''),
            state: c.State ?? '',
            ...(code === undefined ? {} : { exitCode: Number(code) }),
          };
        });
    },
    syncFiles: (id, changes, options) => transport.syncFiles(id, changes, options),
    containerTree: (id, path) => transport.containerTree(id, path),
    async start(id) {
      await post(`/containers/${encodeURIComponent(id)}/start`);
    },
    async restart(id) {
      await post(`/containers/${encodeURIComponent(id)}/restart`);
    },
    async exec(id: string, spec: ExecSpec) {
      const created = await transport.requestJson<{ Id: string }>({
        method: 'POST',
        path: `/containers/${encodeURIComponent(id)}/exec`,
        body: {
          Cmd: spec.command,
          AttachStdout: true,
          AttachStderr: true,
          ...(spec.user === undefined ? {} : { User: spec.user }),
          ...(spec.privileged === undefined ? {} : { Privileged: spec.privileged }),
          ...(spec.workingDir === undefined ? {} : { WorkingDir: spec.workingDir }),
          ...(spec.environment === undefined ? {} : { Env: spec.environment }),
        },
      });
      // Without an upgrade the engine streams the output as the response and ends it when the process exits.
      const output = await post(`/exec/${created.Id}/start`, { Detach: false, Tty: false });
      const inspect = await transport.requestJson<{ ExitCode: number | null }>({
        path: `/exec/${created.Id}/json`,
      });
      return { exitCode: inspect.ExitCode ?? -1, output: demux(output.body) };
    },
    events: (options) => transport.events(options),
  };
}

/** Docker's multiplexed stdout/stderr frames as text (plain text when not framed). */
function demux(body: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= body.length && (body[offset] === 1 || body[offset] === 2) && body[offset + 1] === 0) {
    const size = body.readUInt32BE(offset + 4);
    parts.push(body.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return offset === 0 ? body.toString('utf8') : Buffer.concat(parts).toString('utf8');
}
