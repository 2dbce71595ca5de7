// `berth up`: converge the project, then (unless detached) follow its containers' output until they end or the
// user presses Ctrl-C, which stops them gracefully (a second Ctrl-C kills them). --abort-on-container-exit and
// --abort-on-container-failure stop everything when one container ends (fails); --exit-code-from stops
// everything when that service ends and passes its exit code on, never 0 for a container that was stopped or
// killed before it ended by itself.
import { LABEL } from '../../compose/create/labels.js';
import { up, type ServiceContainers } from '../../compose/converge/up.js';
import type { Reporter } from '../../compose/converge/reporter.js';
import { withoutUnusedResources } from '../../compose/model/select.js';
import type { Project, Service } from '../../compose/model/types.js';
import { BerthError, isBerthError } from '../../shared/errors.js';
import type { GlobalOptions } from '../global-options.js';
import { linePrinter, wantsColour } from '../render/log-prefix.js';
import { progressReporter } from '../render/progress.js';
import { openProject, shortName, type ComposeSession } from './compose-project.js';
import { followStack, type OnExit } from './up-attach.js';

export interface UpFlags {
  detach?: boolean;
  wait?: boolean;
  waitTimeout?: string;
  forceRecreate?: boolean;
  recreate?: boolean;
  start?: boolean;
  /** commander: `--no-deps` false. */
  deps?: boolean;
  removeOrphans?: boolean;
  scale?: string[];
  pull?: 'always' | 'missing' | 'never';
  quietPull?: boolean;
  /** commander: `--build` true, `--no-build` false. */
  build?: boolean;
  timeout?: string;
  abortOnContainerExit?: boolean;
  abortOnContainerFailure?: boolean;
  exitCodeFrom?: string;
  attach?: string[];
  noAttach?: string[];
  attachDependencies?: boolean;
  color?: boolean;
  logPrefix?: boolean;
  watch?: boolean;
}

/** Exit code of a run the user interrupted. */
const INTERRUPTED = 130;
/** What --exit-code-from reports for a container stopped by `up` itself that still ended with 0 (SIGTERM's). */
const STOPPED = 143;

export async function run(
  raw: Record<string, unknown>,
  args: string[],
  globals: GlobalOptions,
): Promise<void> {
  const flags = raw as UpFlags;
  const onExit = checkFlags(flags);
  // What the containers printed in the last minute of their current run is shown first.
  const since = String(Date.now() / 1000 - 60);
  const attached = flags.detach !== true && flags.wait !== true && flags.start !== false;
  const session = await openProject(globals, args);
  const interrupt = attached ? new Interrupt() : undefined;
  const reporter = quietPulls(progressReporter(globals.progress), flags.quietPull === true);
  const controller = new AbortController();
  interrupt?.onFirst(() => controller.abort());
  let timedOut = false;
  const timeoutMs = flags.waitTimeout === undefined ? undefined : Number(flags.waitTimeout) * 1000;
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          controller.abort();
        }, timeoutMs);
  try {
    const project =
      flags.deps === false && args.length > 0 ? withoutDependencies(session.project, args) : session.project;
    const selected = { ...session, project };
    if (flags.exitCodeFrom !== undefined && !(flags.exitCodeFrom in project.services))
      throw new BerthError('Usage', `no such service: ${flags.exitCodeFrom}`);
    const printed = attached ? printedServices(project, args, flags) : new Set<string>();
    let services: ServiceContainers[];
    try {
      services = await up(
        project,
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
      );
    } catch (error) {
      reporter.finish();
      if (interrupt?.fired === true) {
        await stopProject(selected, flags, globals, interrupt);
        process.exitCode = INTERRUPTED;
        return;
      }
      if (timedOut)
        throw new BerthError(
          'FailedPrecondition',
          `services did not become ready within ${flags.waitTimeout}s`,
          {
            cause: error,
            ...(isBerthError(error) && error.hint !== undefined ? { hint: error.hint } : {}),
          },
        );
      throw error;
    }
    reporter.finish();
    if (flags.watch === true && flags.start !== false && (flags.detach === true || flags.wait === true))
      await (await import('./watch.js')).detachWatcher(session, globals, args);
    if (!attached || interrupt === undefined) return;
    // --watch: watch events and the containers' output in one stream.
    const watcher =
      flags.watch === true
        ? await (await import('./watch.js')).startWatching(session, globals, args, {})
        : undefined;
    try {
      process.exitCode = await attach(
        selected,
        services,
        args,
        flags,
        globals,
        { onExit, printed, since },
        interrupt,
        // --watch ends before the containers are stopped, so no rebuild starts one after the stop.
        async () => watcher?.close(),
      );
    } finally {
      await watcher?.close();
    }
  } finally {
    clearTimeout(timer);
    interrupt?.close();
    session.close();
  }
}

/** The flags' conflicts (usage errors) and what ends an attached run. */
export function checkFlags(flags: UpFlags): OnExit {
  if (flags.abortOnContainerExit === true && flags.abortOnContainerFailure === true)
    throw new BerthError(
      'Usage',
      '--abort-on-container-failure and --abort-on-container-exit are incompatible',
    );
  // --exit-code-from alone ends the run when that service exits (a one-shot job ending first does not).
  const onExit: OnExit =
    flags.abortOnContainerFailure === true
      ? 'failure'
      : flags.abortOnContainerExit === true
        ? 'exit'
        : 'ignore';
  const attachFlags = (flags.attach ?? []).length > 0 || flags.attachDependencies === true;
  const aborting = onExit !== 'ignore' || flags.exitCodeFrom !== undefined;
  if ((flags.detach === true || flags.wait === true) && (aborting || attachFlags)) {
    const which = flags.wait === true ? '--wait' : '--detach';
    throw new BerthError(
      'Usage',
      `${which} cannot be combined with --abort-on-container-exit, --abort-on-container-failure, --exit-code-from, --attach or --attach-dependencies`,
    );
  }
  if ((flags.attach ?? []).length > 0 && flags.attachDependencies === true)
    throw new BerthError('Usage', '--attach and --attach-dependencies are incompatible');
  return onExit;
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
 * `--no-deps`: only the named services; their dependencies are listed as disabled, so they are neither created
 * nor waited for, and their containers are no orphans.
 */
export function withoutDependencies(project: Project, names: readonly string[]): Project {
  const services: Record<string, Service> = {};
  const others: Record<string, Service> = { ...(project.disabledServices ?? {}) };
  for (const [name, service] of Object.entries(project.services))
    if (names.includes(name)) services[name] = service;
    else others[name] = service;
  return withoutUnusedResources({ ...project, services, disabledServices: others });
}

/**
 * Whose output an attached `up` prints: the --attach services; else the services named (all when none are,
 * with their dependencies under --attach-dependencies) except those with `attach: false`; never --no-attach ones.
 */
export function printedServices(project: Project, args: readonly string[], flags: UpFlags): Set<string> {
  const known = Object.keys(project.services);
  const unknown = [...(flags.attach ?? []), ...(flags.noAttach ?? [])].filter(
    (name) => !known.includes(name),
  );
  if (unknown.length > 0)
    throw new BerthError('Usage', `cannot attach to services not included in up: ${unknown.join(', ')}`);
  let printed: Set<string>;
  if ((flags.attach ?? []).length > 0) printed = new Set(flags.attach);
  else {
    const candidates = args.length === 0 || flags.attachDependencies === true ? known : args;
    printed = new Set(candidates.filter((name) => project.services[name]?.attach !== false));
  }
  for (const name of flags.noAttach ?? []) printed.delete(name);
  return printed;
}

/** `--quiet-pull`: the image pulls are not reported (their failures still are, as errors). */
function quietPulls<R extends Reporter>(reporter: R, quiet: boolean): R {
  if (!quiet) return reporter;
  const event = reporter.event.bind(reporter);
  reporter.event = (kind, name, status) => {
    if (kind === 'Image' && (status === 'Pulling' || status === 'Pulled')) return;
    event(kind, name, status);
  };
  return reporter;
}

/**
 * Ctrl-C (and SIGTERM) of an attached `up`: the first one stops the stack gracefully, a second one kills it. The
 * entry point's "exit at once" handler is set aside while this one is in place.
 */
class Interrupt {
  fired = false;
  private count = 0;
  private readonly first: Array<() => void> = [];
  private second: (() => void) | undefined;
  private readonly handler = (): void => {
    this.count++;
    if (this.count === 1) {
      this.fired = true;
      process.stderr.write('Gracefully stopping... (press Ctrl+C again to force)\n');
      for (const callback of this.first) callback();
    } else if (this.second !== undefined) this.second();
    else process.exit(INTERRUPTED);
  };
  private readonly saved = process.listeners('SIGINT');

  constructor() {
    process.removeAllListeners('SIGINT');
    process.on('SIGINT', this.handler);
    process.on('SIGTERM', this.handler);
  }

  onFirst(callback: () => void): void {
    if (this.fired) callback();
    else this.first.push(callback);
  }

  /** What a second signal does from now on. */
  onSecond(callback: () => void): void {
    this.second = callback;
  }

  close(): void {
    process.off('SIGINT', this.handler);
    process.off('SIGTERM', this.handler);
    for (const listener of this.saved) process.on('SIGINT', listener as () => void);
  }
}

/**
 * Follows the containers; returns the exit code `up` ends with: Ctrl-C → 130 after stopping them; with
 * --abort-on-container-exit/-failure, the code of the container that ended the run, or --exit-code-from's.
 */
async function attach(
  session: ComposeSession,
  services: readonly ServiceContainers[],
  args: readonly string[],
  flags: UpFlags,
  globals: GlobalOptions,
  follow: { onExit: OnExit; printed: ReadonlySet<string>; since: string },
  interrupt: Interrupt,
  beforeStop: () => Promise<void> = async () => undefined,
): Promise<number> {
  const { project } = session;
  const { onExit, printed } = follow;
  const containers = services.flatMap((entry) => entry.containers);
  const names = services
    .filter((entry) => printed.has(entry.service))
    .flatMap((entry) => entry.containers.map((c) => shortName(project, c.name)));
  const printer = linePrinter(names, {
    colour: wantsColour(flags.color, globals.ansi),
    prefix: flags.logPrefix !== false,
  });
  // The run ends when these have all exited: the services named, else those printed, else all.
  const watched = new Set(
    args.length > 0 ? args : printed.size > 0 ? [...printed] : Object.keys(project.services),
  );
  if (flags.exitCodeFrom !== undefined) watched.add(flags.exitCodeFrom);
  const oneShots = new Set(
    Object.values(project.services).flatMap((service) =>
      Object.entries(service.depends_on ?? {})
        .filter(([, spec]) => spec.condition === 'service_completed_successfully')
        .map(([name]) => name),
    ),
  );
  const stop = new AbortController();
  interrupt.onFirst(() => stop.abort());
  const result = await followStack(session, {
    printed,
    watched,
    onExit,
    ...(flags.exitCodeFrom === undefined ? {} : { exitCodeFrom: flags.exitCodeFrom }),
    oneShots,
    initial: containers,
    since: follow.since,
    printer,
    signal: stop.signal,
    untilSignal: flags.watch === true,
  });
  if (result.trigger !== undefined) process.stderr.write('Aborting on container exit...\n');
  if (interrupt.fired || result.trigger !== undefined) {
    await beforeStop();
    await stopProject(session, flags, globals, interrupt);
  }
  if (interrupt.fired) return INTERRUPTED;
  if (flags.exitCodeFrom !== undefined) return exitCodeFrom(session, flags.exitCodeFrom, result.exits);
  return result.trigger?.code ?? 0;
}

/**
 * --exit-code-from: the code of the service's first exit when it ended by itself; when `up` stopped it, its
 * code if not 0, else 143 — a container that was stopped never reports success.
 */
async function exitCodeFrom(
  session: ComposeSession,
  service: string,
  exits: ReadonlyMap<string, { code: number }>,
): Promise<number> {
  const own = exits.get(service);
  if (own !== undefined) return own.code;
  const containers = await session.engine.containers(session.project.name).catch(() => []);
  const target = containers.find(
    (c) => c.Labels?.[LABEL.service] === service && c.Labels?.[LABEL.oneoff] !== 'True',
  );
  if (target === undefined) return 1;
  const code = (await session.engine.inspect(target.Id)).State?.ExitCode ?? 1;
  return code === 0 ? STOPPED : code;
}

/** Stops the running containers of the services `up` worked on; a second Ctrl-C meanwhile kills them. */
async function stopProject(
  session: ComposeSession,
  flags: UpFlags,
  globals: GlobalOptions,
  interrupt: Interrupt,
): Promise<void> {
  const reporter = progressReporter(globals.progress);
  const wanted = new Set(Object.keys(session.project.services));
  const containers = (await session.engine.containers(session.project.name, false)).filter(
    (c) => wanted.has(c.Labels?.[LABEL.service] ?? '') && c.Labels?.[LABEL.oneoff] !== 'True',
  );
  let killed = false;
  interrupt.onSecond(() => {
    if (killed) return;
    killed = true;
    for (const container of containers) void session.engine.kill(container.Id).catch(() => undefined);
  });
  const timeout = flags.timeout === undefined ? undefined : Number(flags.timeout);
  await Promise.all(
    containers.map(async (container) => {
      const name = (container.Names?.[0] ?? container.Id).replace(/^\//, '');
      reporter.event('Container', name, 'Stopping');
      await session.engine.stop(container.Id, timeout).catch(() => undefined);
      reporter.event('Container', name, killed ? 'Killed' : 'Stopped');
    }),
  );
  reporter.finish();
}
