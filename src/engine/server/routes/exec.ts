// Exec routes: create in a running container, start (hijacked, with or without a TTY, or detached), resize,
// inspect. Invariant: a start's stream ends only after the process exited and its output was written, so
// the client's following GET /exec/{id}/json sees the exit code.
import { BerthError } from '../../../shared/errors.js';
import type { ExecCreateRequest, ExecStartRequest } from '../../api/exec.js';
import type { RouteModule } from '../services.js';
import { outputWriter, streamContentType } from './containers.js';

export const execRoutes: RouteModule = {
  name: 'exec',
  register(router, services) {
    const execs = services.execs;

    router.post('/containers/{id}/exec', async (ctx) => {
      const body = await ctx.readJson<ExecCreateRequest>();
      if (body === undefined) throw new BerthError('InvalidArgument', 'No exec command specified');
      ctx.sendJson(201, { Id: execs.create(ctx.params.id ?? '', body) });
    });

    router.post('/exec/{id}/start', async (ctx) => {
      const id = ctx.params.id ?? '';
      const body = (await ctx.readJson<ExecStartRequest>()) ?? {};
      const session = execs.get(id);
      const tty = body.Tty ?? session.request.Tty === true;
      if (body.Tty !== undefined) session.request.Tty = body.Tty;
      const inspect = execs.inspect(id);
      if (inspect.Running || inspect.ExitCode !== null)
        throw new BerthError('Conflict', `Exec command ${id} is already running`);
      if (body.Detach === true) {
        void execs
          .start(id, { onOutput: () => undefined }, body.ConsoleSize)
          .catch((error: unknown) => services.log.warn('detached exec failed', { id, error }));
        ctx.sendEmpty(200);
        return;
      }
      const stream = ctx.hijack(streamContentType(tty, ctx.apiVersion));
      try {
        await execs.start(
          id,
          { onOutput: outputWriter(stream.output, tty), input: stream.input, signal: ctx.signal },
          body.ConsoleSize,
        );
      } catch (error) {
        // Too late for a status: tell the client on the stream, as Docker does.
        const write = outputWriter(stream.output, tty);
        write('stderr', Buffer.from(`${(error as Error).message}\n`));
      } finally {
        stream.end();
      }
    });

    router.post('/exec/{id}/resize', async (ctx) => {
      await execs.resize(ctx.params.id ?? '', ctx.queryInt('h') ?? 0, ctx.queryInt('w') ?? 0);
      ctx.sendEmpty(200);
    });

    router.get('/exec/{id}/json', (ctx) => {
      ctx.sendJson(200, execs.inspect(ctx.params.id ?? ''));
    });
  },
};
