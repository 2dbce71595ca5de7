// A running `berth watch`: one chokidar watcher over every rule's path and the project's files, events batched
// per service (short quiet window, capped wait), one batch in flight per service, and each batch turned into the
// rule's action — sync straight into the containers, rebuild, restart, exec. Engine events keep it honest:
// changes made while a container was stopped are applied when it starts, a crashed container is started again
// on the next save, and initial_sync rules bring every newly started container up to date by content.
// Invariant: the session never stops the stack; a failed action or an invalid project edit is reported and
// watching goes on with what runs.
import { watch, type FSWatcher } from 'chokidar';
import { statfs } from 'node:fs/promises';
import path from 'node:path';
import { messageOf } from '../shared/errors.js';
import type { Project } from '../compose/model/types.js';
import type { SyncChange } from '../engine/api/sync.js';
import type { ProjectSource, Rebuilder, ServiceContainer, WatchEngine, WatchReporter } from './api.js';
import { Batcher, SerialQueue, type ChangeKind } from './batcher.js';
import { changesFor, initialSyncChanges } from './changes.js';
import { systemClock, type Clock } from './clock.js';
import { relativeInside } from './ignore-model.js';
import { reloadFiles, resolveRules, restartDependents, type ActiveRule } from './rules.js';

export interface WatchSessionOptions {
  project: Project;
  /** Only these services' rules (empty: all). */
  services?: readonly string[];
  engine: WatchEngine;
  rebuilder: Rebuilder;
  /** Reloads and converges the project when its files change; absent: no reload. */
  source?: ProjectSource;
  reporter: WatchReporter;
  clock?: Clock;
  quietMs?: number;
  maxWaitMs?: number;
  /** Poll instead of native events (filesystems without inotify). */
  usePolling?: boolean;
  /** More files whose edit reloads the project (--env-file). */
  extraReloadFiles?: readonly string[];
}

type Work = { paths: Map<string, ChangeKind>; initial: Set<string> };

const LABEL_PROJECT = 'com.docker.compose.project';
const LABEL_SERVICE = 'com.docker.compose.service';
const LABEL_ONEOFF = 'com.docker.compose.oneoff';

export class WatchSession {
  private project: Project;
  private rules: ActiveRule[] = [];
  private reloadSet = new Set<string>();
  private watcher: FSWatcher | undefined;
  private readonly batchers = new Map<string, Batcher>();
  private readonly queue: SerialQueue<Work>;
  /** Paths a stopped service has not received yet, applied when its container starts. */
  private readonly pending = new Map<string, Map<string, ChangeKind>>();
  /** Containers stopped or killed on purpose since their last start (a die after that is no crash). */
  private readonly stoppedOnPurpose = new Set<string>();
  /** Per service: the signature of each file last sent, so a save reported twice is sent once. */
  private readonly sent = new Map<string, Map<string, string>>();
  private readonly reloadBatcher: Batcher;
  private readonly stopEvents = new AbortController();
  private closed = false;

  private constructor(private readonly options: WatchSessionOptions) {
    this.project = options.project;
    this.queue = new SerialQueue<Work>(
      (a, b) => ({
        paths: new Map([...a.paths, ...b.paths]),
        initial: new Set([...a.initial, ...b.initial]),
      }),
      (service, work) => this.runBatch(service, work),
    );
    this.reloadBatcher = new Batcher({
      clock: this.clock,
      quietMs: 50,
      maxWaitMs: 500,
      onBatch: () => void this.reload(),
    });
  }

  private get clock(): Clock {
    return this.options.clock ?? systemClock;
  }

  /** Resolves the rules, brings initial_sync rules up to date, and starts watching. */
  static async start(options: WatchSessionOptions): Promise<WatchSession> {
    const session = new WatchSession(options);
    await session.applyRules(options.project);
    if (session.rules.length === 0)
      options.reporter.event('warn', undefined, 'no develop.watch rules in the selected services');
    session.followEvents();
    await session.openWatcher();
    for (const service of session.initialSyncServices()) session.queue.submit(service, emptyWork(['*']));
    await session.queue.idle();
    options.reporter.event('info', undefined, `watching ${session.rules.length} rule(s)`);
    return session;
  }

  /** Resolves once every batch submitted so far is applied. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopEvents.abort();
    for (const batcher of this.batchers.values()) batcher.dispose();
    this.reloadBatcher.dispose();
    await this.watcher?.close();
    await this.queue.idle();
  }

  // ------------------------------------------------------------------------------------------ rules, watcher

  private async applyRules(project: Project): Promise<void> {
    const resolved = await resolveRules(project, this.options.services ?? []);
    for (const warning of resolved.warnings)
      this.options.reporter.event('warn', warning.service, warning.text);
    this.project = project;
    this.rules = resolved.rules;
    this.reloadSet = new Set(this.options.source ? reloadFiles(project, this.options.extraReloadFiles) : []);
  }

  private watchedPaths(): string[] {
    return [...new Set([...this.rules.map((rule) => rule.root), ...this.reloadSet])];
  }

  private async openWatcher(): Promise<void> {
    const watcher = watch(this.watchedPaths(), {
      ignoreInitial: true,
      // No atomic-write detection: it holds deletes back 100 ms; batches read the current state anyway.
      atomic: false,
      persistent: true,
      usePolling:
        this.options.usePolling === true || (await needsPolling(this.rules.map((rule) => rule.root))),
      ignored: (file, stats) => this.ignoredEverywhere(file, stats?.isDirectory()),
    });
    watcher.on('all', (event, file) => this.onEvent(event as ChangeKind, file));
    watcher.on('error', (error) => {
      const code = (error as NodeJS.ErrnoException).code;
      const hint =
        code === 'ENOSPC' || code === 'EMFILE'
          ? ' (the inotify limits are reached: raise fs.inotify.max_user_watches / max_user_instances, or use --poll)'
          : '';
      this.options.reporter.event('error', undefined, `watcher: ${messageOf(error)}${hint}`);
    });
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    // chokidar 4 says `ready` a moment before its last native watches are armed: a file written in that same
    // tick is missed. A short pause at start-up closes the gap.
    await new Promise<void>((resolve) => this.clock.setTimeout(resolve, 20));
    this.watcher = watcher;
  }

  /** A path no rule wants and that is no project file is not even watched (big ignored trees cost nothing). */
  private ignoredEverywhere(file: string, isDir?: boolean): boolean {
    if (this.reloadSet.has(file)) return false;
    let underSomeRule = false;
    for (const rule of this.rules) {
      if (relativeInside(rule.root, file) === undefined) continue;
      underSomeRule = true;
      if (!rule.ignore.isIgnored(file, isDir)) return false;
    }
    // Directories above a watched path must stay walkable.
    return underSomeRule;
  }

  private onEvent(kind: ChangeKind, file: string): void {
    if (this.closed) return;
    if (this.reloadSet.has(file)) {
      this.reloadBatcher.add(file, kind);
      return;
    }
    const isDir = kind === 'addDir' || kind === 'unlinkDir';
    const services = new Set<string>();
    for (const rule of this.rules) {
      if (relativeInside(rule.root, file) === undefined) continue;
      if (rule.ignore.isIgnoreFile(file)) void this.reloadIgnore(rule, file);
      if (rule.ignore.isIgnored(file, isDir)) continue;
      services.add(rule.service);
    }
    for (const service of services) this.batcherOf(service).add(file, kind);
  }

  private async reloadIgnore(rule: ActiveRule, file: string): Promise<void> {
    if (path.basename(file) === '.gitignore') await rule.ignore.reloadGitignore(file);
    else await rule.ignore.reloadDockerignore();
  }

  private batcherOf(service: string): Batcher {
    let batcher = this.batchers.get(service);
    if (batcher === undefined) {
      batcher = new Batcher({
        clock: this.clock,
        ...(this.options.quietMs === undefined ? {} : { quietMs: this.options.quietMs }),
        ...(this.options.maxWaitMs === undefined ? {} : { maxWaitMs: this.options.maxWaitMs }),
        onBatch: (paths) => this.queue.submit(service, { paths: new Map(paths), initial: new Set() }),
      });
      this.batchers.set(service, batcher);
    }
    return batcher;
  }

  private sentTo(service: string): Map<string, string> {
    let sent = this.sent.get(service);
    if (sent === undefined) this.sent.set(service, (sent = new Map()));
    return sent;
  }

  private initialSyncServices(): string[] {
    return [
      ...new Set(this.rules.filter((r) => r.rule.initial_sync === true && r.mapping).map((r) => r.service)),
    ];
  }

  // ------------------------------------------------------------------------------------------------ batches

  private async runBatch(service: string, work: Work): Promise<void> {
    try {
      await this.applyBatch(service, work);
    } catch (error) {
      this.sent.delete(service); // what failed to arrive must be sent again next time
      this.options.reporter.event('error', service, messageOf(error));
    }
  }

  private async applyBatch(service: string, work: Work): Promise<void> {
    const reporter = this.options.reporter;
    const rules = this.rules.filter((rule) => rule.service === service);
    const hit = (rule: ActiveRule) =>
      [...work.paths.keys()].filter((file) => relativeInside(rule.root, file) !== undefined);
    const fired = rules.filter((rule) => hit(rule).length > 0);
    const initial =
      work.initial.size > 0 ? rules.filter((r) => r.rule.initial_sync === true && r.mapping) : [];
    if (fired.length === 0 && initial.length === 0) return;

    if (fired.some((rule) => rule.rule.action === 'rebuild')) {
      // A rebuild replaces the container with one from a new image: the syncs of this batch are moot.
      const started = this.clock.now();
      reporter.event('rebuild', service, `rebuilding (${work.paths.size} change(s))`);
      try {
        await this.options.rebuilder.rebuild([service]);
        this.sent.delete(service);
        // Dependants that ask for it (`depends_on: {<service>: {restart: true}}`) restart with the new container.
        for (const dependent of restartDependents(this.project, service)) {
          const others = await this.options.engine.containers(this.project.name, dependent);
          await Promise.all(
            others.filter((c) => c.state === 'running').map((c) => this.options.engine.restart(c.id)),
          );
        }
        reporter.event('rebuild', service, `rebuilt in ${ms(this.clock.now() - started)}`);
      } catch (error) {
        reporter.event(
          'error',
          service,
          `rebuild failed, the old container keeps running: ${messageOf(error)}`,
        );
      }
      return;
    }

    const containers = await this.options.engine.containers(this.project.name, service);
    const running = containers.filter((c) => c.state === 'running');
    if (running.length === 0) {
      await this.deferUntilStart(service, work, containers, rules);
      return;
    }
    const changes: SyncChange[] = [];
    for (const rule of fired) {
      if (rule.mapping) changes.push(...(await changesFor(rule.mapping, hit(rule), this.sentTo(service))));
    }
    if (changes.length > 0) await this.syncTo(service, running, changes);
    for (const rule of initial) await this.initialSync(service, rule, running);

    const restart = fired.some((r) => r.rule.action === 'restart' || r.rule.action === 'sync+restart');
    if (restart) await this.restartService(service, running);
    for (const rule of fired.filter((r) => r.rule.action === 'sync+exec' && r.rule.exec)) {
      const hook = rule.rule.exec;
      if (hook === undefined) continue;
      await Promise.all(
        running.map(async (container) => {
          const result = await this.options.engine.exec(container.id, {
            command: hook.command,
            ...(hook.user === undefined ? {} : { user: hook.user }),
            ...(hook.privileged === undefined ? {} : { privileged: hook.privileged }),
            ...(hook.working_dir === undefined ? {} : { workingDir: hook.working_dir }),
            environment: Object.entries(hook.environment ?? {}).map(([k, v]) =>
              v === null ? k : `${k}=${v}`,
            ),
          });
          const text = `${container.name}: ${hook.command.join(' ')} exited with ${result.exitCode}`;
          reporter.event(result.exitCode === 0 ? 'exec' : 'error', service, text);
        }),
      );
    }
  }

  private async syncTo(
    service: string,
    containers: readonly ServiceContainer[],
    changes: SyncChange[],
  ): Promise<void> {
    const started = this.clock.now();
    await Promise.all(
      containers.map(async (container) => {
        const result = await this.options.engine.syncFiles(container.id, changes);
        for (const error of result.errors) this.sent.get(service)?.delete(error.path);
        for (const error of result.errors.slice(0, 5))
          this.options.reporter.event('error', service, `${container.name}: ${error.path}: ${error.message}`);
      }),
    );
    const summary = changes.length === 1 ? (changes[0]?.path ?? '') : `${changes.length} changes`;
    this.options.reporter.event('sync', service, `synced ${summary} in ${ms(this.clock.now() - started)}`);
  }

  private async initialSync(
    service: string,
    rule: ActiveRule,
    containers: readonly ServiceContainer[],
  ): Promise<void> {
    const mapping = rule.mapping;
    if (mapping === undefined) return;
    for (const container of containers) {
      const tree = await this.options.engine.containerTree(container.id, mapping.target);
      const changes = await initialSyncChanges(mapping, tree);
      if (changes.length === 0) continue;
      await this.syncTo(service, [container], changes);
    }
  }

  /**
   * No container runs: keep the paths for its next start. A crashed container (exited with an error, not stopped
   * on purpose) gets the changes written into its stopped root filesystem first — the fix for the crash is
   * likely among them — and is started again; the start applies the kept paths once more, volumes included.
   */
  private async deferUntilStart(
    service: string,
    work: Work,
    containers: readonly ServiceContainer[],
    rules: readonly ActiveRule[],
  ): Promise<void> {
    const pending = this.pending.get(service) ?? new Map<string, ChangeKind>();
    for (const [file, kind] of work.paths) pending.set(file, kind);
    this.pending.set(service, pending);
    const crashed = containers.filter(
      (c) => c.state === 'exited' && c.exitCode !== 0 && !this.stoppedOnPurpose.has(c.id),
    );
    const reporter = this.options.reporter;
    if (crashed.length === 0) {
      reporter.event('info', service, `not running: ${pending.size} change(s) kept until it starts`);
      return;
    }
    const changes: SyncChange[] = [];
    for (const rule of rules) {
      const under = [...pending.keys()].filter((file) => relativeInside(rule.root, file) !== undefined);
      if (rule.mapping && under.length > 0) changes.push(...(await changesFor(rule.mapping, under)));
    }
    for (const container of crashed) {
      try {
        if (changes.length > 0) await this.options.engine.syncFiles(container.id, changes, { stopped: true });
        reporter.event(
          'restart',
          service,
          `${container.name} had exited (${container.exitCode}); starting it`,
        );
        await this.options.engine.start(container.id);
      } catch (error) {
        reporter.event('error', service, `${container.name}: ${messageOf(error)}`);
      }
    }
  }

  private async restartService(service: string, containers: readonly ServiceContainer[]): Promise<void> {
    const started = this.clock.now();
    await Promise.all(containers.map((c) => this.options.engine.restart(c.id)));
    for (const dependent of restartDependents(this.project, service)) {
      const others = await this.options.engine.containers(this.project.name, dependent);
      await Promise.all(
        others.filter((c) => c.state === 'running').map((c) => this.options.engine.restart(c.id)),
      );
    }
    this.options.reporter.event('restart', service, `restarted in ${ms(this.clock.now() - started)}`);
  }

  // ------------------------------------------------------------------------------------------ engine events

  private followEvents(): void {
    const signal = this.stopEvents.signal;
    const run = async (): Promise<void> => {
      const events = this.options.engine.events({
        filters: { type: ['container'], label: [`${LABEL_PROJECT}=${this.project.name}`] },
        signal,
      });
      for await (const event of events) {
        const attributes = event.Actor.Attributes;
        const service = attributes[LABEL_SERVICE];
        if (service === undefined || attributes[LABEL_ONEOFF] === 'True') continue;
        const id = event.Actor.ID;
        if (event.Action === 'kill' || event.Action === 'stop') this.stoppedOnPurpose.add(id);
        if (event.Action !== 'start') continue;
        this.stoppedOnPurpose.delete(id);
        this.sent.delete(service); // a new or restarted container may differ from what was last sent
        const pending = this.pending.get(service);
        this.pending.delete(service);
        const initial = this.initialSyncServices().includes(service);
        if ((pending !== undefined && pending.size > 0) || initial)
          this.queue.submit(service, { paths: pending ?? new Map(), initial: new Set(initial ? ['*'] : []) });
      }
    };
    void run().catch((error: unknown) => {
      if (!signal.aborted)
        this.options.reporter.event('warn', undefined, `engine events ended: ${messageOf(error)}`);
    });
  }

  // ------------------------------------------------------------------------------------------------- reload

  private async reload(): Promise<void> {
    const source = this.options.source;
    if (source === undefined || this.closed) return;
    const reporter = this.options.reporter;
    let project: Project;
    try {
      project = await source.load();
    } catch (error) {
      reporter.event(
        'error',
        undefined,
        `project not reloaded, the stack keeps running: ${messageOf(error)}`,
      );
      return;
    }
    reporter.event('reload', undefined, 'project files changed: converging');
    try {
      await source.converge(project);
    } catch (error) {
      reporter.event('error', undefined, `converge failed: ${messageOf(error)}`);
      return;
    }
    const before = new Set(this.watchedPaths());
    await this.applyRules(project);
    const after = this.watchedPaths();
    const added = after.filter((p) => !before.has(p));
    const removed = [...before].filter((p) => !after.includes(p));
    if (added.length > 0) this.watcher?.add(added);
    if (removed.length > 0) this.watcher?.unwatch(removed);
    reporter.event('reload', undefined, 'project reloaded');
  }
}

/** Network and FUSE filesystems deliver no inotify events for changes made elsewhere: those are polled. */
const NO_EVENTS = new Set([
  0x6969 /* nfs */, 0xff534d42 /* cifs */, 0xfe534d42 /* smb2 */, 0x01021997 /* 9p */, 0x65735546 /* fuse */,
]);

async function needsPolling(roots: readonly string[]): Promise<boolean> {
  for (const root of roots) {
    const info = await statfs(root).catch(() => undefined);
    if (info !== undefined && NO_EVENTS.has(Number(info.type) >>> 0)) return true;
  }
  return false;
}

function emptyWork(initial: string[]): Work {
  return { paths: new Map(), initial: new Set(initial) };
}

function ms(value: number): string {
  return `${Math.round(value)} ms`;
}
