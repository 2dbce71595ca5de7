// `berth watch [services]`: bring the project up (unless --no-up), then keep the running containers in step with
// the files named by each service's `develop.watch` rules, and reload the project when its compose or env files
// change. `-d` runs the same watcher in the background (a process with a pid file and a log under the engine's
// run directory); `--status` and `--stop` find it there. `berth up --watch` uses startWatching() below.
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError } from '../../shared/errors.js';
import { up } from '../../compose/converge/up.js';
import type { Reporter } from '../../compose/converge/reporter.js';
import { loadProject } from '../../compose/load/index.js';
import type { Project, Service } from '../../compose/model/types.js';
import { resolveEngineConfig } from '../../engine/config.js';
import type { ProjectSource, Rebuilder, WatchEventKind, WatchReporter } from '../../watch/api.js';
import { watchEngine } from '../../watch/engine.js';
import { WatchSession } from '../../watch/session.js';
import type { GlobalOptions } from '../global-options.js';
import { loadOptionsFrom } from '../project-options.js';
import { progressReporter } from '../render/progress.js';
import { printWarnings } from '../render/warnings.js';
import { openProject, type ComposeSession } from './compose-project.js';

export interface WatchFlags {
  up?: boolean;
  prune?: boolean;
  quiet?: boolean;
  detach?: boolean;
  status?: boolean;
  stop?: boolean;
  poll?: boolean;
}

export async function run(
  raw: Record<string, unknown>,
  args: string[],
  globals: GlobalOptions,
): Promise<void> {
  const flags = raw as WatchFlags;
  const session = await openProject(globals, args);
  const files = watcherFiles(session.project.name);
  try {
    if (flags.status === true) {
      const pid = livePid(files.pid);
      process.stdout.write(
        pid === undefined ? 'not watching\n' : `watching (pid ${pid}), log: ${files.log}\n`,
      );
      if (pid === undefined) process.exitCode = 1;
      return;
    }
    if (flags.stop === true) {
      const stopped = await stopWatcher(files.pid);
      process.stdout.write(stopped ? 'watch stopped\n' : 'not watching\n');
      return;
    }
    refuseSecondWatcher(session.project.name, files);
    if (flags.up !== false) {
      const reporter = progressReporter(globals.progress);
      await up(session.project, session.engine, {}, reporter);
      reporter.finish();
    }
    if (flags.detach === true) {
      await detachWatcher(session, globals, args, flags);
      return;
    }
    writeFileSync(files.pid, `${process.pid}\n`);
    try {
      const watcher = await startWatching(session, globals, args, flags);
      const signal = await untilSignal();
      await watcher.close();
      if (signal === 'SIGINT') process.exitCode = 130;
    } finally {
      if (livePid(files.pid) === process.pid || !existsSync(files.pid)) rmSync(files.pid, { force: true });
    }
  } finally {
    session.close();
  }
}

function refuseSecondWatcher(project: string, files: WatcherFiles): void {
  const running = livePid(files.pid);
  if (running !== undefined && running !== process.pid)
    throw new BerthError('Conflict', `project ${project} is already watched (pid ${running})`, {
      hint: 'berth watch --stop',
    });
}

/**
 * Starts the background watcher of an open (and already up) project — `watch -d`, `up -d --watch` — and returns
 * once it watches (its log says so), so a file saved right after the command is not missed.
 */
export async function detachWatcher(
  session: ComposeSession,
  globals: GlobalOptions,
  services: readonly string[],
  flags: Pick<WatchFlags, 'quiet' | 'prune' | 'poll'> = {},
): Promise<void> {
  const files = watcherFiles(session.project.name);
  refuseSecondWatcher(session.project.name, files);
  const offset = existsSync(files.log) ? statSync(files.log).size : 0;
  const pid = spawnDetachedWatcher(globals, services, { ...flags, quiet: false }, files);
  writeFileSync(files.pid, `${pid}\n`);
  for (let i = 0; i < 300; i++) {
    const text = readFileSync(files.log).subarray(offset).toString('utf8');
    if (/watching \d+ rule/.test(text)) break;
    if (livePid(files.pid) !== pid)
      throw new BerthError('Internal', `the background watcher ended: ${text.trim()}`);
    await sleep(50);
  }
  process.stdout.write(`watching in the background (pid ${pid}); log: ${files.log}\n`);
}

/** Starts a watch session on an open project; the caller closes it. */
export async function startWatching(
  session: ComposeSession,
  globals: GlobalOptions,
  services: readonly string[],
  flags: Pick<WatchFlags, 'quiet' | 'prune' | 'poll'>,
): Promise<WatchSession> {
  const reporter = watchPrinter(flags.quiet === true);
  const source: ProjectSource = {
    async load() {
      const loaded = await loadProject(
        loadOptionsFrom(globals, services.length > 0 ? { services: [...services] } : {}),
      );
      printWarnings(loaded.warnings);
      return loaded.project;
    },
    async converge(project) {
      await up(project, session.engine, {}, watchProgress(reporter));
    },
  };
  let current = session.project;
  const rebuildOnce = async (names: readonly string[]): Promise<void> => {
    const before = await imagesOf(session, current, names);
    // As `up --build --no-deps <services>`: only these services, the others left as they are.
    const options = { forceRecreate: true, build: true };
    await up(onlyServices(current, names), session.engine, options, watchProgress(reporter));
    if (flags.prune !== false) await pruneReplaced(session, before, await imagesOf(session, current, names));
  };
  const rebuilder: Rebuilder = { rebuild: coalescedRebuilds(() => current, rebuildOnce) };
  return WatchSession.start({
    project: session.project,
    services,
    engine: watchEngine(session.client),
    rebuilder,
    source: {
      load: source.load,
      async converge(project) {
        await source.converge(project);
        current = project;
      },
    },
    reporter,
    usePolling: flags.poll === true,
    extraReloadFiles: globals.envFile ?? [],
  });
}

/** The project narrowed to `names`, without their dependencies (listed as disabled, so they are no orphans). */
/**
 * Rebuilds asked for within a moment of each other by services that share one build (the same image and build
 * section) run as one `up`, so that image is built once; each caller waits for that one.
 */
export function coalescedRebuilds(
  project: () => Project,
  rebuild: (names: readonly string[]) => Promise<void>,
  windowMs = 50,
): (names: readonly string[]) => Promise<void> {
  const waiting = new Map<string, { names: Set<string>; done: Promise<void> }>();
  const keyOf = (names: readonly string[]) =>
    JSON.stringify(
      [
        ...new Set(
          names.map((name) => {
            const service = project().services[name];
            return JSON.stringify([service?.image ?? name, service?.build ?? null]);
          }),
        ),
      ].sort(),
    );
  return (names) => {
    const key = keyOf(names);
    const joined = waiting.get(key);
    if (joined !== undefined) {
      for (const name of names) joined.names.add(name);
      return joined.done;
    }
    const entry = { names: new Set(names), done: Promise.resolve() };
    entry.done = new Promise<void>((resolve) => setTimeout(resolve, windowMs)).then(() => {
      waiting.delete(key);
      return rebuild([...entry.names]);
    });
    waiting.set(key, entry);
    return entry.done;
  };
}

export function onlyServices(project: Project, names: readonly string[]): Project {
  const services: Record<string, Service> = {};
  const others: Record<string, Service> = { ...(project.disabledServices ?? {}) };
  for (const [name, service] of Object.entries(project.services)) {
    if (names.includes(name)) {
      const { depends_on: _ignored, ...rest } = service;
      services[name] = rest;
    } else others[name] = service;
  }
  return { ...project, services, disabledServices: others };
}

async function imagesOf(
  session: ComposeSession,
  project: Project,
  names: readonly string[],
): Promise<Set<string>> {
  const images = new Set<string>();
  const containers = await session.engine.containers(project.name);
  for (const container of containers) {
    const service = container.Labels?.['com.docker.compose.service'];
    if (service !== undefined && names.includes(service) && container.ImageID) images.add(container.ImageID);
  }
  return images;
}

/** Removes images a rebuild replaced when nothing uses them any more (a tagged or used image stays). */
async function pruneReplaced(
  session: ComposeSession,
  before: Set<string>,
  after: Set<string>,
): Promise<void> {
  for (const image of before) {
    if (after.has(image)) continue;
    await session.engine.removeImage(image).catch(() => undefined);
  }
}

/** Watch events as lines on stderr: `watch web  synced /app/a.js in 3 ms`. */
function watchPrinter(quiet: boolean): WatchReporter {
  return {
    event(kind: WatchEventKind, service: string | undefined, text: string) {
      if (quiet && kind !== 'error' && kind !== 'warn') return;
      const level = kind === 'error' ? 'ERROR ' : kind === 'warn' ? 'WARN ' : '';
      process.stderr.write(`watch ${service === undefined ? '' : `${service}  `}${level}${text}\n`);
    },
  };
}

/** The compose layer's progress during a reload or rebuild, as watch lines. */
function watchProgress(reporter: WatchReporter): Reporter {
  return {
    event(kind, name, status) {
      if (status === 'Running') return;
      reporter.event('info', undefined, `${kind} ${name}  ${status}`);
    },
    warn(message) {
      reporter.event('warn', undefined, message);
    },
  };
}

// ---------------------------------------------------------------------------------------------- background

interface WatcherFiles {
  pid: string;
  log: string;
}

export function watcherFiles(project: string): WatcherFiles {
  const dir = path.join(resolveEngineConfig().runDir, 'watch');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return { pid: path.join(dir, `${project}.pid`), log: path.join(dir, `${project}.log`) };
}

/** The pid in the file when that process is alive. */
function livePid(file: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(file, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

async function stopWatcher(pidFile: string): Promise<boolean> {
  const pid = livePid(pidFile);
  if (pid === undefined) {
    rmSync(pidFile, { force: true });
    return false;
  }
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && livePid(pidFile) === pid; i++) await sleep(50);
  rmSync(pidFile, { force: true });
  return true;
}

/** The same CLI, `watch --no-up`, as a detached process writing its own pid file and log. */
export function spawnDetachedWatcher(
  globals: GlobalOptions,
  services: readonly string[],
  flags: Pick<WatchFlags, 'quiet' | 'prune' | 'poll'>,
  files: WatcherFiles,
): number {
  const argv = [
    ...globalArgs(globals),
    'watch',
    '--no-up',
    ...(flags.quiet === true ? ['--quiet'] : []),
    ...(flags.prune === false ? ['--no-prune'] : []),
    ...(flags.poll === true ? ['--poll'] : []),
    ...services,
  ];
  const log = openSync(files.log, 'a');
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1] ?? '', ...argv], {
    detached: true,
    stdio: ['ignore', log, log],
    cwd: process.cwd(),
    env: process.env,
  });
  closeSync(log);
  child.unref();
  if (child.pid === undefined) throw new BerthError('Internal', 'could not start the background watcher');
  return child.pid;
}

function globalArgs(globals: GlobalOptions): string[] {
  const args: string[] = [];
  for (const file of globals.file ?? []) args.push('-f', path.resolve(file));
  if (globals.projectName !== undefined) args.push('-p', globals.projectName);
  if (globals.projectDirectory !== undefined)
    args.push('--project-directory', path.resolve(globals.projectDirectory));
  for (const profile of globals.profile ?? []) args.push('--profile', profile);
  for (const envFile of globals.envFile ?? []) args.push('--env-file', path.resolve(envFile));
  if (globals.allResources === true) args.push('--all-resources');
  args.push('--progress', 'plain', '--ansi', 'never');
  return args;
}

function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const done = (signal: NodeJS.Signals) => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve(signal);
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}
