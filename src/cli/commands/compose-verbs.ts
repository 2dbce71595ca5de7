// `berth create`, `images`, `wait`, `cp`, `events`, `pull` and `push`: the compose verbs that create without
// starting, show the project's images, wait for services to stop, copy files, follow events and move images.
import { down } from '../../compose/converge/down.js';
import { projectContainers } from '../../compose/converge/lifecycle.js';
import type { ObservedContainer } from '../../compose/converge/plan.js';
import { pullServices } from '../../compose/converge/pull.js';
import { pushServices } from '../../compose/converge/push.js';
import { encodeRegistryAuth, registryDomainOfImage } from '../../engine/api/registry.js';
import { storedAuth } from './registry.js';
import type { EventMessage } from '../../engine/api/events.js';
import { LABEL } from '../../compose/create/labels.js';
import { BerthError } from '../../shared/errors.js';
import type { GlobalOptions } from '../global-options.js';
import { humanSize, shortId } from '../render/human.js';
import { progressReporter } from '../render/progress.js';
import { formatTable } from '../render/table.js';
import { openProject } from './compose-project.js';
import { cp as containerCp, splitContainerPath } from './container.js';
import { run as upRun } from './up.js';

type Flags = Record<string, unknown>;

/** `create` is `up --no-start`: the containers are made (state created) and left stopped. */
export async function create(flags: Flags, args: string[], globals: GlobalOptions): Promise<void> {
  if (flags.forceRecreate === true && flags.recreate === false)
    throw new BerthError('Usage', '--force-recreate and --no-recreate are incompatible');
  await upRun({ ...flags, start: false, detach: true }, args, globals);
}

export async function images(flags: Flags, args: string[], globals: GlobalOptions): Promise<void> {
  const session = await openProject(globals);
  try {
    const containers = await projectContainers(session.project, session.engine, { services: args });
    const rows = await Promise.all(
      containers.map(async (container) => {
        const details = await session.engine.imageDetails(container.imageId);
        const tag = details?.RepoTags?.[0] ?? '<none>:<none>';
        const colon = tag.lastIndexOf(':');
        return {
          ContainerName: container.name,
          Repository: tag.slice(0, colon),
          Tag: tag.slice(colon + 1),
          ID: details?.Id ?? container.imageId,
          Size: details?.Size ?? 0,
        };
      }),
    );
    if (flags.quiet === true) {
      for (const id of new Set(rows.map((row) => row.ID))) process.stdout.write(`${id}\n`);
    } else if (flags.format === 'json') {
      process.stdout.write(`${JSON.stringify(rows)}\n`);
    } else {
      process.stdout.write(
        formatTable(
          ['CONTAINER', 'REPOSITORY', 'TAG', 'IMAGE ID', 'SIZE'],
          rows.map((row) => [
            row.ContainerName,
            row.Repository,
            row.Tag,
            shortId(row.ID),
            humanSize(row.Size),
          ]),
        ),
      );
    }
  } finally {
    session.close();
  }
}

/**
 * Waits for every container of the services to stop; prints each exit code and exits with the first one's. With
 * --down-project the project is taken down as soon as the first container stops.
 */
export async function wait(flags: Flags, args: string[], globals: GlobalOptions): Promise<void> {
  const session = await openProject(globals);
  try {
    const containers = await projectContainers(session.project, session.engine, { services: args });
    if (containers.length === 0) throw new BerthError('NotFound', `no containers for ${args.join(', ')}`);
    if (flags.downProject === true) {
      const code = await Promise.race(containers.map((container) => session.engine.wait(container.id)));
      process.stdout.write(`${code}\n`);
      const reporter = progressReporter(globals.progress);
      try {
        await down(session.project, session.engine, {}, reporter);
      } finally {
        reporter.finish();
      }
      process.exitCode = code;
      return;
    }
    let first: number | undefined;
    const codes = await Promise.all(
      containers.map(async (container) => {
        const code = await session.engine.wait(container.id);
        first ??= code;
        return code;
      }),
    );
    for (const code of codes) process.stdout.write(`${code}\n`);
    process.exitCode = first ?? 0;
  } finally {
    session.close();
  }
}

/** `SERVICE:PATH` on one side: the service's container (--index, default 1) replaces the service name. */
export async function cp(flags: Flags, args: string[], globals: GlobalOptions): Promise<void> {
  const [source, destination] = args;
  if (source === undefined || destination === undefined)
    throw new BerthError('Usage', 'usage: berth cp SERVICE:SRC DEST | SRC SERVICE:DEST');
  const from = splitContainerPath(source);
  const to = splitContainerPath(destination);
  const side = from ?? to;
  if (side === undefined || (from !== undefined && to !== undefined))
    throw new BerthError('Usage', 'copying needs exactly one side to be SERVICE:PATH');
  const index = flags.index === undefined ? 1 : Number(flags.index);
  const session = await openProject(globals);
  let container: ObservedContainer | undefined;
  try {
    const containers = await projectContainers(session.project, session.engine, {
      services: [side.container],
    });
    container = containers.find((c) => c.number === index);
  } finally {
    session.close();
  }
  if (container === undefined)
    throw new BerthError('NotFound', `service "${side.container}" has no container number ${index}`);
  const named = `${container.name}:${side.path}`;
  await containerCp({}, from !== undefined ? [named, destination] : [source, named]);
}

/** The project's container events as Docker Compose prints them, until Ctrl-C. */
export async function events(flags: Flags, args: string[], globals: GlobalOptions): Promise<void> {
  const session = await openProject(globals);
  const controller = new AbortController();
  const onInterrupt = (): void => controller.abort();
  process.once('SIGINT', onInterrupt);
  process.once('SIGTERM', onInterrupt);
  try {
    for (const service of args)
      if (!(service in session.project.services))
        throw new BerthError('NotFound', `no such service: ${service}`);
    const stream = session.engine.events({
      filters: { type: ['container'], label: [`${LABEL.project}=${session.project.name}`] },
      signal: controller.signal,
    });
    for await (const event of stream) {
      const service = event.Actor.Attributes[LABEL.service] ?? '';
      if (args.length > 0 && !args.includes(service)) continue;
      process.stdout.write(`${flags.json === true ? eventJson(event, service) : eventText(event)}\n`);
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
    session.close();
  }
}

/** `exec_start: sh -c …` → `exec_start`, as Compose reports actions. */
const actionOf = (event: EventMessage): string => event.Action.split(':')[0] ?? event.Action;

/** Compose leaves its own labels out of the attributes it prints. */
function attributesOf(event: EventMessage): Record<string, string> {
  return Object.fromEntries(
    Object.entries(event.Actor.Attributes).filter(([key]) => !key.startsWith('com.docker.compose.')),
  );
}

function eventTime(event: EventMessage): Date {
  return new Date(Math.floor(event.timeNano / 1e6));
}

function eventText(event: EventMessage): string {
  const time = eventTime(event);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const micros = Math.floor((event.timeNano % 1e9) / 1e3);
  const stamp =
    `${time.getFullYear()}-${pad(time.getMonth() + 1)}-${pad(time.getDate())} ` +
    `${pad(time.getHours())}:${pad(time.getMinutes())}:${pad(time.getSeconds())}.${pad(micros, 6)}`;
  const attributes = Object.entries(attributesOf(event))
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
  return `${stamp} container ${actionOf(event)} ${event.Actor.ID} (${attributes})`;
}

function eventJson(event: EventMessage, service: string): string {
  return JSON.stringify({
    time: eventTime(event).toISOString(),
    type: 'container',
    service,
    id: event.Actor.ID,
    action: actionOf(event),
    attributes: attributesOf(event),
  });
}

export async function pull(flags: Flags, args: string[], globals: GlobalOptions): Promise<void> {
  const session = await openProject(globals);
  const reporter = progressReporter(flags.quiet === true ? 'quiet' : globals.progress);
  try {
    await pullServices(
      session.project,
      session.engine,
      {
        services: args,
        ignoreFailures: flags.ignorePullFailures === true,
        ignoreBuildable: flags.ignoreBuildable === true,
      },
      reporter,
    );
  } finally {
    reporter.finish();
    session.close();
  }
}

export async function push(flags: Flags, args: string[], globals: GlobalOptions): Promise<void> {
  const session = await openProject(globals);
  const reporter = progressReporter(flags.quiet === true ? 'quiet' : globals.progress);
  try {
    await pushServices(
      session.project,
      session.engine,
      {
        services: args,
        ignoreFailures: flags.ignorePushFailures === true,
        includeDeps: flags.includeDeps === true,
        auth: async (image) => {
          const auth = await storedAuth(registryDomainOfImage(image));
          return auth === undefined ? undefined : encodeRegistryAuth(auth);
        },
      },
      reporter,
    );
  } finally {
    reporter.finish();
    session.close();
  }
}
