// `berth up`: converge the project, then (unless detached) follow its containers' output until they end or the
// user presses Ctrl-C, which stops them. --abort-on-container-exit stops everything when one container ends.
import { BerthError } from '../../shared/errors.js';
import { LABEL } from '../../compose/create/labels.js';
import { up, type ServiceContainers } from '../../compose/converge/up.js';
import type { GlobalOptions } from '../global-options.js';
import { linePrinter, wantsColour } from '../render/log-prefix.js';
import { progressReporter } from '../render/progress.js';
import { openProject, shortName, type ComposeSession } from './compose-project.js';
import { printContainerOutput } from './container-output.js';

interface UpFlags {
  detach?: boolean;
  wait?: boolean;
  waitTimeout?: string;
  forceRecreate?: boolean;
  recreate?: boolean;
  start?: boolean;
  removeOrphans?: boolean;
  scale?: string[];
  pull?: 'always' | 'missing' | 'never';
  /** commander: `--build` true, `--no-build` false. */
  build?: boolean;
  timeout?: string;
  abortOnContainerExit?: boolean;
  exitCodeFrom?: string;
  color?: boolean;
  logPrefix?: boolean;
  watch?: boolean;
}

export async function run(
  raw: Record<string, unknown>,
  args: string[],
  globals: GlobalOptions,
): Promise<void> {
  const flags = raw as UpFlags;
  if (flags.exitCodeFrom !== undefined) flags.abortOnContainerExit = true;
  if (flags.detach === true && flags.abortOnContainerExit === true)
    throw new BerthError('Usage', '--abort-on-container-exit and --detach are incompatible');
  const session = await openProject(globals, args);
  const startedMs = Date.now();
  const reporter = progressReporter(globals.progress);
  const controller = new AbortController();
  const timeoutMs = flags.waitTimeout === undefined ? undefined : Number(flags.waitTimeout) * 1000;
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => controller.abort(), timeoutMs);
  try {
    if (flags.exitCodeFrom !== undefined && !(flags.exitCodeFrom in session.project.services))
      throw new BerthError('Usage', `no such service: ${flags.exitCodeFrom}`);
    const services = await up(
      session.project,
      session.engine,
      {
        forceRecreate: flags.forceRecreate === true,
        noRecreate: flags.recreate === false,
        noStart: flags.start === false,
        removeOrphans: flags.removeOrphans === true,
        scale: parseScale(flags.scale ?? []),
        ...(flags.pull === undefined ? {} : { pull: flags.pull }),
        build: flags.build === true,
        noBuild: flags.build === false,
        ...(flags.timeout === undefined ? {} : { stopTimeout: Number(flags.timeout) }),
        wait: flags.wait === true,
        signal: controller.signal,
      },
      reporter,
    ).catch((error: unknown) => {
      if (controller.signal.aborted)
        throw new BerthError(
          'FailedPrecondition',
          `services did not become ready within ${flags.waitTimeout}s`,
        );
      throw error;
    });
    reporter.finish();
    if (flags.watch === true && flags.start !== false && (flags.detach === true || flags.wait === true))
      await (await import('./watch.js')).detachWatcher(session, globals, args);
    if (flags.detach === true || flags.wait === true || flags.start === false) return;
    // --watch: watch events and the containers' output in one stream.
    const watcher =
      flags.watch === true
        ? await (await import('./watch.js')).startWatching(session, globals, args, {})
        : undefined;
    try {
      process.exitCode = await attach(session, services, flags, globals, startedMs, async () =>
        watcher?.close(),
      );
    } finally {
      await watcher?.close();
    }
  } finally {
    clearTimeout(timer);
    session.close();
  }
}

function parseScale(entries: readonly string[]): Record<string, number> {
  const scale: Record<string, number> = {};
  for (const entry of entries) {
    const [service = '', count = ''] = entry.split('=');
    if (service === '' || !/^\d+$/.test(count))
      throw new BerthError('Usage', `invalid --scale "${entry}": use SERVICE=NUMBER`);
    scale[service] = Number(count);
  }
  return scale;
}

/**
 * Follows every container's output with a prefix; returns the exit code `up` ends with: Ctrl-C → 130 after
 * stopping the containers; with --abort-on-container-exit, the code of the container that ended (or of the
 * --exit-code-from service's).
 */
async function attach(
  session: ComposeSession,
  services: readonly ServiceContainers[],
  flags: UpFlags,
  globals: GlobalOptions,
  /** When this `up` began (ms since the epoch). */
  startedMs: number,
  /** Runs before the containers are stopped: ends --watch, so no rebuild starts a container after the stop. */
  beforeStop?: () => Promise<void>,
): Promise<number> {
  const containers = services.flatMap((entry) =>
    entry.containers.map((c) => ({ ...c, service: entry.service })),
  );
  const names = containers.map((c) => shortName(session.project, c.name));
  const colour = wantsColour(flags.color, globals.ansi);
  const printer = linePrinter(names, { colour, prefix: flags.logPrefix !== false });
  const stop = new AbortController();
  let firstExit: { service: string; id: string } | undefined;
  let interrupted = false;
  const onInterrupt = (): void => {
    interrupted = true;
    process.stderr.write('Gracefully stopping... (press Ctrl+C again to force)\n');
    stop.abort();
  };
  // Replaces the entry point's leave-at-once listener: Ctrl-C here stops the containers first.
  process.removeAllListeners('SIGINT');
  process.once('SIGINT', onInterrupt);
  const followed = new Set(containers.map((container) => container.id));
  const follow = async (id: string, name: string, service: string): Promise<void> => {
    await printContainerOutput(
      session.client,
      id,
      name,
      printer,
      { follow: true, since: await outputSince(session, id, startedMs) },
      stop.signal,
    );
    if (stop.signal.aborted) return;
    // The container ended.
    const state = await session.engine.inspect(id).catch(() => undefined);
    process.stdout.write(`${name} exited with code ${state?.State?.ExitCode ?? '?'}\n`);
    // With --watch it may start again (sync+restart): its next start is followed then.
    followed.delete(id);
    if (flags.abortOnContainerExit === true && firstExit === undefined) {
      firstExit = { service, id };
      stop.abort();
    }
  };
  try {
    await Promise.all([
      ...containers.map((container, index) =>
        follow(container.id, names[index] ?? container.name, container.service),
      ),
      // --watch recreates containers (rebuild): their replacements are followed too, until Ctrl-C.
      ...(flags.watch === true
        ? [followNewContainers(session, services, followed, follow, stop.signal)]
        : []),
    ]);
  } finally {
    process.off('SIGINT', onInterrupt);
    printer.flush();
  }
  if (interrupted || firstExit !== undefined) {
    if (firstExit !== undefined) process.stderr.write('Aborting on container exit...\n');
    await beforeStop?.();
    const reporter = progressReporter(globals.progress);
    await stopAll(session, services, reporter);
    reporter.finish();
  }
  if (interrupted) return 130;
  if (flags.exitCodeFrom !== undefined) {
    const target = services.find((entry) => entry.service === flags.exitCodeFrom)?.containers[0];
    if (target === undefined) return 1;
    return (await session.engine.inspect(target.id)).State?.ExitCode ?? 1;
  }
  if (firstExit !== undefined) return (await session.engine.inspect(firstExit.id)).State?.ExitCode ?? 1;
  return 0;
}

/** Follows each container of `services` that starts from now on and is not followed yet; ends with `signal`. */
async function followNewContainers(
  session: ComposeSession,
  services: readonly ServiceContainers[],
  followed: Set<string>,
  follow: (id: string, name: string, service: string) => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  const wanted = new Set(services.map((entry) => entry.service));
  const following: Promise<void>[] = [];
  try {
    const events = session.engine.events({
      filters: { type: ['container'], label: [`${LABEL.project}=${session.project.name}`] },
      signal,
    });
    for await (const event of events) {
      const attributes = event.Actor.Attributes;
      const service = attributes[LABEL.service] ?? '';
      if (event.Action !== 'start' || followed.has(event.Actor.ID) || !wanted.has(service)) continue;
      if (attributes[LABEL.oneoff] === 'True' || attributes[LABEL.hook] !== undefined) continue;
      followed.add(event.Actor.ID);
      const name = shortName(session.project, attributes.name ?? event.Actor.ID);
      following.push(follow(event.Actor.ID, name, service));
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  }
  await Promise.all(following);
}

/**
 * Where a container's shown output begins: the last minute before this `up`, but never before its previous run
 * ended (`FinishedAt` keeps that time while it runs again), so a container started again does not replay the lines
 * of its previous run.
 */
async function outputSince(session: ComposeSession, id: string, startedMs: number): Promise<string> {
  const state = await session.engine.inspect(id).catch(() => undefined);
  const previousEnd = Date.parse(state?.State?.FinishedAt ?? '');
  const from = Math.max(startedMs - 60_000, Number.isNaN(previousEnd) ? 0 : previousEnd);
  return (from / 1000).toFixed(3);
}

/** Stops the services' containers as they are now: --watch may have replaced some since `up` made them. */
async function stopAll(
  session: ComposeSession,
  services: readonly ServiceContainers[],
  reporter: ReturnType<typeof progressReporter>,
): Promise<void> {
  const wanted = new Set(services.map((entry) => entry.service));
  const running = await session.engine.containers(session.project.name, false);
  await Promise.all(
    running
      .filter(
        (container) =>
          wanted.has(container.Labels?.['com.docker.compose.service'] ?? '') &&
          container.Labels?.['com.docker.compose.oneoff'] !== 'True',
      )
      .map(async (container) => {
        const name = (container.Names?.[0] ?? container.Id).replace(/^\//, '');
        reporter.event('Container', name, 'Stopping');
        await session.engine.stop(container.Id).catch(() => undefined);
        reporter.event('Container', name, 'Stopped');
      }),
  );
}
