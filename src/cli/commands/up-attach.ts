// Attached `berth up`: follows the project's containers until they have all ended, one of them ends the run
// (--abort-on-container-exit / --abort-on-container-failure), or the caller aborts (Ctrl-C). Driven by the
// engine's container events, so a container that restarts, is recreated or is scaled up later is followed too.
// Invariant: every decision reads the container's current state (inspect), never the event alone, so a replayed
// or late event cannot count an exit twice: an exit is known by the container and its FinishedAt.
import { LABEL } from '../../compose/create/labels.js';
import type { ContainerInspect } from '../../engine/api/containers.js';
import type { LinePrinter } from '../render/log-prefix.js';
import { shortName, type ComposeSession } from './compose-project.js';
import { printContainerOutput } from './container-output.js';

export type OnExit = 'ignore' | 'exit' | 'failure';

export interface FollowOptions {
  /** Services whose output is printed (--attach, --no-attach, `attach: false`). */
  printed: ReadonlySet<string>;
  /** Services whose exits count: they end the run when all have exited, and may abort it. */
  watched: ReadonlySet<string>;
  onExit: OnExit;
  /** --exit-code-from: this service's exit always ends the run. */
  exitCodeFrom?: string;
  /** Services others wait on to complete: their exit 0 is success, never a reason to abort. */
  oneShots: ReadonlySet<string>;
  /** Containers already there when following starts (their current run's output is printed from `since`). */
  initial: ReadonlyArray<{ id: string }>;
  since: string;
  printer: LinePrinter;
  /** Aborting ends the following at once (Ctrl-C). */
  signal: AbortSignal;
  /** Keep following when everything watched has ended (`up --watch`: a save may start it again). */
  untilSignal?: boolean;
}

export interface ContainerExit {
  service: string;
  id: string;
  name: string;
  code: number;
}

export interface FollowResult {
  /** The exit that aborted the run, when one did. */
  trigger?: ContainerExit;
  /** The first exit of each service, in the order they happened. */
  exits: Map<string, ContainerExit>;
}

interface Tracked {
  service: string;
  name: string;
  running: boolean;
  /** FinishedAt of the last exit already handled. */
  handledExit?: string;
}

export async function followStack(session: ComposeSession, options: FollowOptions): Promise<FollowResult> {
  const { engine, project } = session;
  const done = new AbortController();
  const finish = (): void => done.abort();
  options.signal.addEventListener('abort', finish, { once: true });
  const tracked = new Map<string, Tracked>();
  const following = new Map<string, Promise<void>>();
  const result: FollowResult = { exits: new Map() };
  const out = process.stdout;

  const follow = (id: string, name: string, since: string): void => {
    if (following.has(id) || done.signal.aborted) return;
    const streaming = printContainerOutput(
      session.client,
      id,
      name,
      options.printer,
      { follow: true, since },
      done.signal,
    )
      .catch(() => undefined)
      .finally(() => following.delete(id));
    following.set(id, streaming);
  };

  const exited = (exit: ContainerExit): void => {
    out.write(`${exit.name} exited with code ${exit.code}\n`);
    if (!result.exits.has(exit.service)) result.exits.set(exit.service, exit);
    if (result.trigger !== undefined || !options.watched.has(exit.service)) return;
    if (exit.service !== options.exitCodeFrom) {
      if (options.onExit === 'ignore') return;
      if (exit.code === 0 && (options.onExit === 'failure' || options.oneShots.has(exit.service))) return;
    }
    result.trigger = exit;
    finish();
  };

  /** Brings what is known of one container up to date with its state now. */
  const observe = async (id: string, since?: string, diedAt?: number): Promise<void> => {
    let state: ContainerInspect | undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        state = await engine.inspect(id);
      } catch {
        tracked.delete(id);
        return;
      }
      // The die event may come before the state says so: a run that started before the death is that one.
      const stale =
        diedAt !== undefined &&
        state.State?.Status === 'running' &&
        Date.parse(state.State.StartedAt) < diedAt;
      if (!stale || attempt === 20) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const labels = state.Config?.Labels ?? {};
    const service = labels[LABEL.service] ?? '';
    if (labels[LABEL.oneoff] === 'True' || labels[LABEL.hook] !== undefined) return;
    if (!options.watched.has(service) && !options.printed.has(service)) return;
    const status = state.State?.Status;
    // Going away (a recreate, down): no exit of a run of the service.
    if (status === 'removing') {
      tracked.delete(id);
      return;
    }
    const name = shortName(project, state.Name.replace(/^\//, ''));
    const entry = tracked.get(id) ?? { service, name, running: false };
    entry.name = name;
    tracked.set(id, entry);
    if (status === 'running' || status === 'restarting' || status === 'paused') {
      entry.running = true;
      if (options.printed.has(service)) {
        const run = runSince(state);
        follow(id, name, since === undefined || Number(since) < Number(run) ? run : since);
      }
      return;
    }
    entry.running = false;
    if (status !== 'exited' && status !== 'dead') return; // created: not started yet
    const finishedAt = state.State?.FinishedAt ?? '';
    if (entry.handledExit === finishedAt) return;
    entry.handledExit = finishedAt;
    // Its last lines may still be on their way.
    const streaming = following.get(id);
    if (streaming !== undefined)
      await Promise.race([streaming, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    exited({ service, id, name, code: state.State?.ExitCode ?? -1 });
  };

  /** Whether nothing watched runs any more, nor is about to (a recreated container is created, then started). */
  const allEnded = async (): Promise<boolean> => {
    for (let attempt = 0; attempt < 10; attempt++) {
      if ([...tracked.values()].some((entry) => entry.running && options.watched.has(entry.service)))
        return false;
      const containers = await engine.containers(project.name).catch(() => []);
      const pending = containers.filter(
        (c) =>
          c.Labels?.[LABEL.oneoff] !== 'True' &&
          c.Labels?.[LABEL.hook] === undefined &&
          options.watched.has(c.Labels?.[LABEL.service] ?? ''),
      );
      const live = pending.filter((c) => c.State === 'running' || c.State === 'restarting');
      for (const container of live) await observe(container.Id);
      if (live.length > 0) return false;
      if (!pending.some((c) => c.State === 'created')) return true;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      if (done.signal.aborted) return true;
    }
    return true;
  };

  const events = engine.events({
    filters: { type: ['container'], label: [`${LABEL.project}=${project.name}`] },
    since: String((Date.now() - 500) / 1000),
    signal: done.signal,
  });
  const iterator = events[Symbol.asyncIterator]();
  // Asking for the first event opens the stream; what happens from `since` on is replayed, so the initial look
  // below misses nothing.
  let next = iterator.next();
  for (const container of options.initial) await observe(container.id, options.since);
  if (options.untilSignal !== true && (options.watched.size === 0 || (await allEnded()))) finish();
  try {
    while (!done.signal.aborted) {
      const item = await next;
      if (item.done === true) break;
      next = iterator.next();
      const event = item.value;
      const id = event.Actor.ID;
      if (event.Action === 'start') await observe(id);
      else if (event.Action === 'die') {
        const before = tracked.get(id);
        await observe(id, undefined, event.timeNano / 1e6);
        const after = tracked.get(id);
        if (before !== undefined && after?.running === true)
          out.write(
            `${after.name} exited with code ${event.Actor.Attributes.exitCode ?? '?'} (restarting)\n`,
          );
      } else if (event.Action === 'destroy') tracked.delete(id);
      else continue;
      if (event.Action !== 'start' && options.untilSignal !== true && (await allEnded())) finish();
    }
  } catch (error) {
    if (!done.signal.aborted) throw error;
  } finally {
    finish();
    options.signal.removeEventListener('abort', finish);
    next.catch(() => undefined);
    await Promise.all(following.values());
    options.printer.flush();
  }
  return result;
}

/**
 * Where the output of a container's current run begins: after its previous exit, or from its creation (its own
 * StartedAt can be later than its first line).
 */
function runSince(state: ContainerInspect): string {
  const finished = Date.parse(state.State?.FinishedAt ?? '');
  const created = Date.parse(state.Created);
  if (Number.isFinite(finished) && finished > created) return String(finished / 1000);
  return Number.isFinite(created) ? String(created / 1000 - 1) : '0';
}
