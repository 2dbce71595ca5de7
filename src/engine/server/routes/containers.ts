// Container routes: create, list, inspect, start/stop/kill/restart/pause/unpause, rename, wait, delete, logs, attach,
// resize, top, stats, prune. Handlers only translate HTTP to the container subsystem and back; decisions live in
// container/. Invariant: errors that belong to the request (404, 409, 400) are thrown before a stream starts,
// so the client sees them as JSON with their status.
import type { Writable } from 'node:stream';
import { BerthError } from '../../../shared/errors.js';
import type { ContainerCreateRequest, WaitCondition } from '../../api/containers.js';
import { parseFilters } from '../../api/filters.js';
import { encodeStdFrame, StdStream } from '../../api/stdcopy.js';
import { apiVersionAtLeast } from '../../api/version.js';
import { normaliseSignal } from '../../container/manager.js';
import { readNetworks, statsDocument, systemCpuNs, type CpuSample } from '../../container/stats.js';
import { topProcesses } from '../../container/top.js';
import { parseTimestampNano } from '../../events/timestamp.js';
import type { OutputStream } from '../../runtime/attach.js';
import {
  followContainerLogs,
  readContainerLogs,
  requireReadableLog,
} from '../../container/container-logs.js';
import { formatTimestampNs, type LogEntry } from '../../runtime/log-entry.js';
import { MULTIPLEXED_STREAM, RAW_STREAM, type RequestContext } from '../context.js';
import type { RouteModule } from '../services.js';

export function streamContentType(
  tty: boolean,
  apiVersion: string,
): typeof RAW_STREAM | typeof MULTIPLEXED_STREAM {
  return !tty && apiVersionAtLeast(apiVersion, '1.42') ? MULTIPLEXED_STREAM : RAW_STREAM;
}

/** Output chunks to `out`: in stdcopy frames without a TTY (whatever the content type), raw with one. */
export function outputWriter(out: Writable, tty: boolean): (stream: OutputStream, data: Buffer) => void {
  return (stream, data) => {
    if (out.writableEnded || out.destroyed || data.length === 0) return;
    out.write(tty ? data : encodeStdFrame(stream === 'stderr' ? StdStream.stderr : StdStream.stdout, data));
  };
}

const WAIT_CONDITIONS: readonly string[] = ['not-running', 'next-exit', 'removed'];

export const containerRoutes: RouteModule = {
  name: 'containers',
  register(router, services) {
    const containers = services.containers;

    router.get('/containers/json', async (ctx) => {
      const list = await containers.list({
        all: ctx.queryBool('all'),
        filters: parseFilters(ctx.query.get('filters')),
        size: ctx.queryBool('size'),
        ...(ctx.queryInt('limit') === undefined ? {} : { limit: ctx.queryInt('limit') as number }),
      });
      ctx.sendJson(200, list);
    });

    router.post('/containers/create', async (ctx) => {
      const body = await ctx.readJson<ContainerCreateRequest>();
      if (body === undefined)
        throw new BerthError('InvalidArgument', 'config cannot be empty in order to create a container');
      const created = await containers.create(body, ctx.query.get('name') ?? undefined);
      ctx.sendJson(201, { Id: created.id, Warnings: created.warnings });
    });

    router.post('/containers/prune', async (ctx) => {
      const deleted: string[] = [];
      for (const record of containers.all()) {
        if (
          record.state.status !== 'exited' &&
          record.state.status !== 'created' &&
          record.state.status !== 'dead'
        )
          continue;
        await containers.remove(record.id).then(
          () => deleted.push(record.id),
          () => undefined,
        );
      }
      ctx.sendJson(200, { ContainersDeleted: deleted, SpaceReclaimed: 0 });
    });

    router.get('/containers/{id}/json', (ctx) => {
      const record = containers.resolve(ctx.params.id ?? '');
      ctx.sendJson(200, containers.inspect(record.id, services.execs.idsOf(record.id)));
    });

    router.post('/containers/{id}/start', async (ctx) => {
      ctx.sendEmpty((await containers.start(ctx.params.id ?? '')) ? 204 : 304);
    });

    router.post('/containers/{id}/stop', async (ctx) => {
      const stopped = await containers.stop(ctx.params.id ?? '', stopOptions(ctx));
      ctx.sendEmpty(stopped ? 204 : 304);
    });

    router.post('/containers/{id}/restart', async (ctx) => {
      await containers.restart(ctx.params.id ?? '', stopOptions(ctx));
      ctx.sendEmpty(204);
    });

    router.post('/containers/{id}/kill', async (ctx) => {
      await containers.kill(ctx.params.id ?? '', ctx.query.get('signal') || 'SIGKILL');
      ctx.sendEmpty(204);
    });

    router.post('/containers/{id}/pause', async (ctx) => {
      await containers.pause(ctx.params.id ?? '');
      ctx.sendEmpty(204);
    });

    router.post('/containers/{id}/unpause', async (ctx) => {
      await containers.unpause(ctx.params.id ?? '');
      ctx.sendEmpty(204);
    });

    router.post('/containers/{id}/rename', async (ctx) => {
      await containers.rename(ctx.params.id ?? '', ctx.query.get('name') ?? '');
      ctx.sendEmpty(204);
    });

    router.post('/containers/{id}/wait', async (ctx) => {
      const condition = ctx.query.get('condition') || 'not-running';
      if (!WAIT_CONDITIONS.includes(condition))
        throw new BerthError('InvalidArgument', `invalid condition: "${condition}"`);
      // Registered before the headers go out: the docker CLI starts the container once it sees them.
      const waiting = containers.waitFor(ctx.params.id ?? '', condition as WaitCondition, ctx.signal);
      waiting.catch(() => undefined);
      ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
      ctx.res.flushHeaders();
      try {
        ctx.res.end(`${JSON.stringify(await waiting)}\n`);
      } catch {
        if (!ctx.res.writableEnded) ctx.res.end();
      }
    });

    router.delete('/containers/{id}', async (ctx) => {
      await containers.remove(ctx.params.id ?? '', {
        force: ctx.queryBool('force'),
        volumes: ctx.queryBool('v'),
      });
      ctx.sendEmpty(204);
    });

    router.post('/containers/{id}/resize', async (ctx) => {
      await containers.resize(ctx.params.id ?? '', ctx.queryInt('h') ?? 0, ctx.queryInt('w') ?? 0);
      ctx.sendEmpty(200);
    });

    router.get('/containers/{id}/logs', (ctx) => streamLogs(ctx));

    router.post('/containers/{id}/attach', async (ctx) => {
      const record = containers.resolve(ctx.params.id ?? '');
      const tty = record.config.Tty === true;
      const stream = ctx.hijack(streamContentType(tty, ctx.apiVersion));
      const write = outputWriter(stream.output, tty);
      try {
        await containers.attach(record.id, {
          stream: ctx.queryBool('stream'),
          logs: ctx.queryBool('logs'),
          stdin: ctx.queryBool('stdin'),
          stdout: ctx.queryBool('stdout'),
          stderr: ctx.queryBool('stderr'),
          input: stream.input,
          onOutput: write,
          signal: ctx.signal,
        });
      } finally {
        stream.end();
      }
    });

    router.get('/containers/{id}/top', async (ctx) => {
      const record = containers.resolve(ctx.params.id ?? '');
      if (!containers.isRunning(record.id))
        throw new BerthError('Conflict', `Container ${record.id} is not running`);
      const pids = await containers.runc.ps(record.id);
      ctx.sendJson(200, await topProcesses(pids, ctx.query.get('ps_args') ?? ''));
    });

    router.get('/containers/{id}/stats', async (ctx) => {
      const record = containers.resolve(ctx.params.id ?? '');
      const stream = ctx.queryBool('stream', true);
      const oneShot = ctx.queryBool('one-shot');
      const sample = async (): Promise<CpuSample | undefined> => {
        if (!containers.isRunning(record.id)) return undefined;
        const stats = await containers.runc.stats(record.id).catch(() => undefined);
        if (stats === undefined) return undefined;
        const networks = await readNetworks(containers.resolve(record.id).state.pid);
        return { stats, systemNs: await systemCpuNs(), read: new Date(), networks };
      };
      const empty: CpuSample = { stats: {}, systemNs: 0, read: new Date(0) };
      if (!stream) {
        const first = oneShot ? undefined : await sample();
        if (!oneShot) await delay(500);
        const current = (await sample()) ?? empty;
        ctx.sendJson(200, statsDocument(record, current, first));
        return;
      }
      const out = ctx.startJsonStream();
      let previous: CpuSample | undefined;
      while (!out.signal.aborted && containers.all().some((r) => r.id === record.id)) {
        const current = (await sample()) ?? empty;
        out.write(statsDocument(record, current, previous));
        previous = current;
        await delay(1000, out.signal);
      }
      out.end();
    });
  },
};

function stopOptions(ctx: RequestContext): { timeoutSeconds?: number; signal?: string } {
  const timeout = ctx.queryInt('t') ?? ctx.queryInt('timeout');
  const signal = ctx.query.get('signal');
  return {
    ...(timeout === undefined ? {} : { timeoutSeconds: timeout }),
    ...(signal ? { signal: normaliseSignal(signal) } : {}),
  };
}

/** Unix seconds (fractional allowed) or an RFC 3339 time → nanoseconds; 0 and absent mean "no bound". */
function timeBound(value: string | null, nowNano: number): bigint | undefined {
  if (value === null || value === '' || value === '0') return undefined;
  return BigInt(Math.round(parseTimestampNano(value, nowNano)));
}

async function streamLogs(ctx: RequestContext): Promise<void> {
  const containers = ctx.services.containers;
  const record = containers.resolve(ctx.params.id ?? '');
  const stdout = ctx.queryBool('stdout');
  const stderr = ctx.queryBool('stderr');
  if (!stdout && !stderr) throw new BerthError('InvalidArgument', 'You must choose at least one stream');
  const nowNano = ctx.services.events.nowNano();
  const sinceNs = timeBound(ctx.query.get('since'), nowNano);
  const untilNs = timeBound(ctx.query.get('until'), nowNano);
  const tailText = ctx.query.get('tail');
  const tail = tailText === null || tailText === '' || tailText === 'all' ? undefined : Number(tailText);
  if (tail !== undefined && !Number.isInteger(tail))
    throw new BerthError('InvalidArgument', `invalid value for tail: ${tailText}`);
  const timestamps = ctx.queryBool('timestamps');
  const tty = record.config.Tty === true;
  const filter = {
    stdout,
    stderr,
    ...(sinceNs === undefined ? {} : { sinceNs }),
    ...(untilNs === undefined ? {} : { untilNs }),
    ...(tail === undefined || tail < 0 ? {} : { tail }),
  };
  const paths = containers.paths(record.id);
  // A container without a readable log fails before the stream starts, with a status the client shows.
  requireReadableLog(record);
  ctx.res.writeHead(200, { 'Content-Type': streamContentType(tty, ctx.apiVersion) });
  ctx.res.flushHeaders();
  const write = outputWriter(ctx.res, tty);
  const emit = (entry: LogEntry): void => {
    const text = timestamps ? `${formatTimestampNs(entry.timeNs)} ${entry.message}` : entry.message;
    write(entry.stream, Buffer.from(text));
  };
  if (ctx.queryBool('follow') && (untilNs === undefined || untilNs > BigInt(nowNano))) {
    await followContainerLogs(record, paths, emit, {
      ...filter,
      signal: ctx.signal,
      until: containers.runEnded(record.id),
    });
  } else {
    for (const entry of await readContainerLogs(record, paths, filter)) emit(entry);
  }
  if (!ctx.res.writableEnded) ctx.res.end();
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
