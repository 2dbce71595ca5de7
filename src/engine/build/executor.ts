// The build executor: a parsed Dockerfile and a context directory become an image. Stages the target needs are
// built (independent ones at the same time), each instruction in order; RUN runs as a container through the
// StepRunner seam, COPY/ADD/WORKDIR change a snapshot of the stage's root directly, and every other
// instruction only changes the image config. Each step that can make a layer is looked up in the cache by a key
// of its parent, its expanded instruction, the build arguments it sees and the digest of the files it reads.
//
//   const builder = new Builder({ root, images, snapshots, runner, pull, now });
//   const { image } = await builder.build({ contextDir, dockerfile: { name, text }, tags: ['app:1'], ... }, onEvent);
//
// Invariants: nothing a build made is left mounted or running when build() returns or throws; layers and
// blobs the build uses are held against garbage collection until the image is registered.

import { randomBytes } from 'node:crypto';
import { chmod, chown, lstat, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, posix, relative } from 'node:path';
import { BerthError, isBerthError } from '../../shared/errors.js';
import { isDigest, type Digest } from '../image/digest.js';
import type { ContainerDefaults, HistoryEntry } from '../image/image-config.js';
import type { Descriptor, Image, ImageStore } from '../image/image-store.js';
import { storeManifest } from '../image/import.js';
import { MediaType } from '../image/media-types.js';
import { hostPlatform } from '../image/platform.js';
import { resolveInRoot } from '../runtime/root-path.js';
import type { OverlaySnapshotter } from '../snapshot/overlay.js';
import { BuildCache } from './cache.js';
import { canonicalJson, stepKey } from './cache-key.js';
import { commitUpper, type NewLayer } from './commit-layer.js';
import { imageConfigJson } from './image-json.js';
import { addInto, fetchUrlSource, isUrl, urlSource } from './context/add.js';
import { copyInto, parseChmod, resolveChown } from './context/copy.js';
import { hashSources } from './context/hash.js';
import { resolveSources, type ResolvedSource } from './context/sources.js';

import {
  applyMetadata,
  expandHeredoc,
  expandWord,
  parseDockerfile,
  parseInstruction,
  type CopyInstruction,
  type Dockerfile,
  type Instruction,
  type RunInstruction,
  type Stage,
  type VariableLookup,
} from './dockerfile/index.js';
import { parseRunMount, type RunMountSpec } from './run-mounts.js';
import type { StepMount, StepRunner } from './runner.js';
import { findStage, neededStages, stageDependencies, targetStage } from './stages.js';

export interface BuildOptions {
  /** The build context on disk. */
  contextDir: string;
  /** .dockerignore of the context: matching paths are not there for COPY and ADD. */
  contextIgnore?: ((rel: string) => boolean) | undefined;
  /**
   * The context is the user's own directory, not a copy: it is never written to, and what a RUN bind mounts of
   * it is a filtered copy (so ignored files stay out, and `rw` writes go nowhere).
   */
  contextInPlace?: boolean;
  dockerfile: { name: string; text: string };
  tags: readonly string[];
  /** `--build-arg`s; undefined values are declared but unset. */
  buildArgs: Readonly<Record<string, string | undefined>>;
  target?: string | undefined;
  labels: Readonly<Record<string, string>>;
  noCache: boolean;
  pull: boolean;
  /** RUN's network: `default`, `none` or `host`. */
  network: string;
  extraHosts: readonly string[];
  shmSize?: number | undefined;
  /** `additional_contexts`: name → directory, used by `COPY --from=name` and `FROM name`. */
  namedContexts: Readonly<Record<string, string>>;
  /** Build secrets: id → file on the engine's host. */
  secrets: Readonly<Record<string, string>>;
  signal: AbortSignal;
}

export type BuildEvent =
  | { type: 'step'; step: number; total: number; stage: string; text: string }
  | { type: 'cached'; step: number }
  | { type: 'output'; step: number; stream: 'stdout' | 'stderr'; data: Buffer }
  | { type: 'step-done'; step: number; id: string; ms: number }
  | { type: 'pull'; image: string; status: string }
  | { type: 'warning'; message: string };

export interface BuildResult {
  image: Image;
  /** Steps taken from the cache / run, for the summary. */
  cached: number;
  built: number;
}

export interface BuilderDeps {
  root: string;
  images: ImageStore;
  snapshots: OverlaySnapshotter;
  runner: StepRunner;
  now?: () => Date;
}

/** Pulls `reference` from its registry and returns the stored image (credentials are the request's). */
export type PullImage = (
  reference: string,
  onStatus: (status: string) => void,
  signal: AbortSignal,
) => Promise<Image>;

interface StageState {
  key: string;
  imageId: string;
  imageName: string;
  chainIds: Digest[];
  diffIds: Digest[];
  blobs: Descriptor[];
  config: ContainerDefaults;
  history: HistoryEntry[];
  platform: { os: string; architecture: string; variant?: string | undefined };
  author: string;
}

/** Build arguments Docker lets every RUN see without an ARG instruction (and keeps out of the cache key). */
const PREDEFINED_ARGS = [
  'HTTP_PROXY',
  'http_proxy',
  'HTTPS_PROXY',
  'https_proxy',
  'FTP_PROXY',
  'ftp_proxy',
  'NO_PROXY',
  'no_proxy',
  'ALL_PROXY',
  'all_proxy',
];

const EMPTY_CONFIG: ContainerDefaults = {
  user: '',
  exposedPorts: [],
  env: [],
  entrypoint: undefined,
  cmd: undefined,
  volumes: [],
  workingDir: '',
  labels: {},
  stopSignal: undefined,
  healthcheck: undefined,
  argsEscaped: false,
  shell: undefined,
  onBuild: [],
};

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export class Builder {
  private readonly cache: BuildCache;
  private readonly now: () => Date;

  constructor(private readonly deps: BuilderDeps) {
    this.cache = new BuildCache(deps.root, deps.images);
    this.now = deps.now ?? (() => new Date());
  }

  /** Removes snapshots and scratch dirs of builds cut short by an engine crash; run at engine start. */
  async recover(): Promise<void> {
    for (const id of await this.deps.snapshots.list())
      if (id.startsWith(SNAPSHOT_PREFIX)) await this.deps.snapshots.remove(id).catch(() => undefined);
    await rm(join(this.deps.root, 'build', 'tmp'), { recursive: true, force: true });
  }

  /** `docker builder prune`: forgets every cached step and empties the cache mounts. */
  async prune(): Promise<{ CachesDeleted: string[]; SpaceReclaimed: number }> {
    const deleted = await this.cache.clear();
    const mounts = join(this.deps.root, 'build', 'mounts');
    const reclaimed = await directoryBytes(mounts);
    await rm(mounts, { recursive: true, force: true });
    return { CachesDeleted: deleted, SpaceReclaimed: reclaimed };
  }

  async build(
    options: BuildOptions,
    onEvent: (event: BuildEvent) => void,
    pull: PullImage,
  ): Promise<BuildResult> {
    const dockerfile = parseDockerfile(options.dockerfile.text, options.dockerfile.name);
    const run = new BuildRun(this.deps, this.cache, this.now, pull, dockerfile, options, onEvent);
    try {
      return await run.execute();
    } finally {
      await run.cleanup();
    }
  }
}

const SNAPSHOT_PREFIX = 'build-';

/** One build: its scope of variables, its stages' results, and everything it must clean up. */
class BuildRun {
  private readonly metaArgs = new Map<string, string | undefined>();
  private readonly consumed = new Set<string>();
  private readonly stageResults = new Map<number, Promise<StageState>>();
  private readonly releases: Array<() => void> = [];
  private readonly scratch: string[] = [];
  private readonly abort = new AbortController();
  private stepCount = 0;
  private total = 0;
  private cached = 0;
  private built = 0;

  constructor(
    private readonly deps: BuilderDeps,
    private readonly cache: BuildCache,
    private readonly now: () => Date,
    private readonly pull: PullImage,
    private readonly dockerfile: Dockerfile,
    private readonly options: BuildOptions,
    private readonly onEvent: (event: BuildEvent) => void,
  ) {
    if (options.signal.aborted) this.abort.abort();
    options.signal.addEventListener('abort', () => this.abort.abort(), { once: true });
  }

  async execute(): Promise<BuildResult> {
    const { dockerfile, options } = this;
    const metaLookup: VariableLookup = (name) => this.metaArgs.get(name);
    for (const arg of dockerfile.metaArgs) {
      for (const { name, defaultValue } of arg.args) {
        const given = Object.hasOwn(options.buildArgs, name);
        if (given) this.consumed.add(name);
        this.metaArgs.set(
          name,
          given
            ? options.buildArgs[name]
            : defaultValue === undefined
              ? undefined
              : expandWord(defaultValue, metaLookup, dockerfile.escape),
        );
      }
    }
    const target = targetStage(dockerfile, options.target);
    const fromOf = (stage: Stage) => expandWord(stage.from.image, metaLookup, dockerfile.escape);
    const needed = neededStages(target, (stage) =>
      stageDependencies(dockerfile, stage, fromOf(stage), (word) =>
        expandWord(word, metaLookup, dockerfile.escape),
      ),
    );
    this.total = needed.reduce((sum, stage) => sum + 1 + stage.instructions.length, 0);
    // Every needed stage starts at once; a stage waits only for the stages it reads from.
    for (const stage of needed) {
      const result = this.buildStage(stage);
      result.catch(() => this.abort.abort());
      this.stageResults.set(stage.index, result);
    }
    const results = await Promise.allSettled([...this.stageResults.values()]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw firstRealError(results) ?? failed.reason;
    const final = await this.stageResult(target.index);

    const unused = Object.keys(options.buildArgs).filter(
      (name) => !this.consumed.has(name) && !PREDEFINED_ARGS.includes(name),
    );
    if (unused.length > 0)
      this.onEvent({
        type: 'warning',
        message: `One or more build-args [${unused.sort().join(' ')}] were not consumed`,
      });
    const image = await this.writeImage(final);
    return { image, cached: this.cached, built: this.built };
  }

  async cleanup(): Promise<void> {
    for (const release of this.releases) release();
    for (const dir of this.scratch) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }

  // -------------------------------------------------------------------------------------------- stages

  private stageResult(index: number): Promise<StageState> {
    const result = this.stageResults.get(index);
    if (result === undefined) throw new BerthError('Internal', `stage ${index} was not scheduled`);
    return result;
  }

  private stageLabel(stage: Stage): string {
    return stage.name ?? String(stage.index);
  }

  private async buildStage(stage: Stage): Promise<StageState> {
    const { dockerfile } = this;
    const imageRef = expandWord(stage.from.image, (n) => this.metaArgs.get(n), dockerfile.escape);
    const step = this.beginStep(stage, stage.from.original);
    let state: StageState;
    const earlier = findStage(dockerfile, imageRef, stage.index);
    if (earlier !== undefined) {
      state = cloneState(await this.stageResult(earlier.index));
      this.onEvent({ type: 'step-done', step, id: shortId(state.key), ms: 0 });
    } else {
      try {
        state = await this.baseState(imageRef, stage.from.platform, step);
      } catch (error) {
        throw locate(error, stage.from, step, this.total);
      }
    }
    const scope = new StageScope(this.options.buildArgs, (name) => this.consumed.add(name));
    // ONBUILD triggers of the base image run first, then are not inherited further.
    const triggers = state.config.onBuild;
    if (triggers.length > 0) {
      state.config = { ...state.config, onBuild: [] };
      for (const trigger of triggers) {
        const instruction = parseInstruction(trigger, stage.from.location, dockerfile.escape);
        scope.env = state.config.env;
        state = await this.step(stage, state, scope, instruction, `ONBUILD ${trigger}`);
      }
    }
    for (const instruction of stage.instructions) {
      this.checkAborted();
      scope.env = state.config.env;
      state = await this.step(stage, state, scope, instruction);
    }
    return state;
  }

  private async baseState(
    reference: string,
    platform: string | undefined,
    step: number,
  ): Promise<StageState> {
    const started = Date.now();
    if (reference === 'scratch') {
      const state: StageState = {
        key: stepKey('scratch'),
        imageId: '',
        imageName: 'scratch',
        chainIds: [],
        diffIds: [],
        blobs: [],
        config: { ...EMPTY_CONFIG },
        history: [],
        platform: hostPlatform(),
        author: '',
      };
      this.onEvent({ type: 'step-done', step, id: shortId(state.key), ms: 0 });
      return state;
    }
    if (platform !== undefined && platform !== '') {
      const wanted = expandWord(platform, (n) => this.metaArgs.get(n), this.dockerfile.escape);
      const host = hostPlatform();
      if (!wanted.startsWith(`${host.os}/${host.architecture}`) && !wanted.startsWith('$'))
        throw new BerthError(
          'InvalidArgument',
          `FROM --platform=${wanted}: berth builds for the host platform (${host.os}/${host.architecture}) only`,
        );
    }
    const named = this.options.namedContexts[reference];
    if (named !== undefined)
      throw new BerthError(
        'InvalidArgument',
        `FROM ${reference}: a named build context can be used with COPY --from, not as a base image`,
      );
    const image = await this.baseImage(reference);
    const config = await this.deps.images.config(image);
    const manifest = await this.deps.images.readManifest(image.manifestDigest);
    this.hold([...image.chainIds, ...manifest.layers.map((l) => l.digest)]);
    const state: StageState = {
      key: stepKey('image', image.id),
      imageId: image.id,
      imageName: reference,
      chainIds: [...image.chainIds],
      diffIds: [...config.diffIds],
      blobs: manifest.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
      config: { ...config.config },
      history: [...config.history],
      platform: {
        os: config.os || 'linux',
        architecture: config.architecture || hostPlatform().architecture,
        variant: config.variant,
      },
      author: config.author,
    };
    this.onEvent({ type: 'step-done', step, id: shortId(image.id.slice(7)), ms: Date.now() - started });
    return state;
  }

  private async baseImage(reference: string): Promise<Image> {
    const pull = () =>
      this.pull(
        reference,
        (status) => this.onEvent({ type: 'pull', image: reference, status }),
        this.abort.signal,
      );
    if (this.options.pull) return pull();
    try {
      return await this.deps.images.resolve(reference);
    } catch (error) {
      if (!isBerthError(error, 'NotFound')) throw error;
    }
    try {
      return await pull();
    } catch (error) {
      throw new BerthError(
        'NotFound',
        `base image ${reference} is not here and could not be pulled: ${messageOfError(error)}`,
        {
          cause: error,
          hint: isBerthError(error) ? error.hint : undefined,
        },
      );
    }
  }

  // -------------------------------------------------------------------------------------------- steps

  private beginStep(stage: Stage, text: string): number {
    const step = ++this.stepCount;
    this.onEvent({ type: 'step', step, total: this.total, stage: this.stageLabel(stage), text });
    return step;
  }

  private async step(
    stage: Stage,
    state: StageState,
    scope: StageScope,
    instruction: Instruction,
    text = instruction.original,
  ): Promise<StageState> {
    const step = this.beginStep(stage, text);
    const started = Date.now();
    let next: StageState;
    try {
      next = await this.apply(step, state, scope, instruction);
    } catch (error) {
      throw locate(error, instruction, step, this.total);
    }
    this.onEvent({ type: 'step-done', step, id: shortId(next.key), ms: Date.now() - started });
    return next;
  }

  private async apply(
    step: number,
    state: StageState,
    scope: StageScope,
    instruction: Instruction,
  ): Promise<StageState> {
    const escape = this.dockerfile.escape;
    switch (instruction.kind) {
      case 'ARG': {
        for (const { name, defaultValue } of instruction.args) {
          const meta = this.metaArgs.has(name) ? this.metaArgs.get(name) : undefined;
          scope.declare(
            name,
            defaultValue === undefined ? meta : expandWord(defaultValue, scope.lookup, escape),
          );
        }
        return state;
      }
      case 'FROM':
        throw new BerthError('Internal', 'FROM inside a stage');
      case 'RUN':
        return this.run(step, state, scope, instruction);
      case 'COPY':
      case 'ADD':
        return this.copy(step, state, scope, instruction);
      case 'WORKDIR': {
        const config = applyMetadata(state.config, instruction, {
          lookup: scope.lookup,
          escape,
          cmdSetInStage: scope.cmdSet,
        });
        return this.ensureWorkdir(step, state, config, instruction.original);
      }
      case 'MAINTAINER': {
        const next = this.withConfig(state, state.config, instruction.original);
        next.author = expandWord(instruction.value, scope.lookup, escape);
        return next;
      }
      default: {
        const config = applyMetadata(state.config, instruction, {
          lookup: scope.lookup,
          escape,
          cmdSetInStage: scope.cmdSet,
        });
        if (instruction.kind === 'CMD') scope.cmdSet = true;
        return this.withConfig(state, config, instruction.original);
      }
    }
  }

  /** Steps that make a layer: taken from the cache when the key is known, else `make` and recorded. */
  private async layerStep(
    step: number,
    state: StageState,
    key: string,
    createdBy: string,
    make: () => Promise<NewLayer | undefined>,
    config: ContainerDefaults = state.config,
  ): Promise<StageState> {
    const hit = this.options.noCache ? undefined : await this.cache.get(key);
    let layer: NewLayer | undefined;
    if (hit !== undefined) {
      this.cached++;
      this.onEvent({ type: 'cached', step });
      layer = hit.layer ?? undefined;
    } else {
      this.built++;
      layer = await make();
      await this.cache.put({ key, layer: layer ?? null });
    }
    const next = cloneState(state);
    next.key = key;
    next.config = config;
    if (layer !== undefined) {
      this.hold([layer.chainId, layer.blob.digest]);
      next.chainIds.push(layer.chainId);
      next.diffIds.push(layer.diffId);
      next.blobs.push(layer.blob);
    }
    next.history.push(historyEntry(this.now(), createdBy, layer === undefined));
    return next;
  }

  /** WORKDIR changes the config and makes the directory when the image lacks it (a layer only then). */
  private async ensureWorkdir(
    step: number,
    state: StageState,
    config: ContainerDefaults,
    createdBy: string,
  ): Promise<StageState> {
    const workdir = config.workingDir;
    const key = stepKey(state.key, 'WORKDIR', canonicalJson(config));
    return this.layerStep(
      step,
      state,
      key,
      createdBy,
      () =>
        this.mutate(state.chainIds, async (rootfs) => {
          if (workdir !== '' && workdir !== '/')
            await mkdir(await resolveInRoot(rootfs, workdir), { recursive: true, mode: 0o755 });
        }),
      config,
    );
  }

  private withConfig(state: StageState, config: ContainerDefaults, createdBy: string): StageState {
    const next = cloneState(state);
    next.config = config;
    next.key = stepKey(state.key, 'config', canonicalJson(config));
    next.history.push(historyEntry(this.now(), createdBy, true));
    return next;
  }

  // ---------------------------------------------------------------------------------------------- RUN

  private async run(
    step: number,
    state: StageState,
    scope: StageScope,
    instruction: RunInstruction,
  ): Promise<StageState> {
    const escape = this.dockerfile.escape;
    const config = state.config;
    const script = heredocScript(instruction);
    const scriptMount: StepMount[] = [];
    let args: string[];
    if (script?.interpreter === true) {
      // A heredoc with a shebang line is a program of its own: run it as a file.
      const dir = await this.scratchDir();
      await writeFile(join(dir, 'script'), script.content, { mode: 0o755 });
      const target = `/dev/pipes/${script.name}`;
      scriptMount.push({ type: 'bind', source: join(dir, 'script'), target, readonly: true });
      args = [target];
    } else {
      args = commandArgs(instruction, config.shell);
    }
    const argEnv = scope.argEnv();
    const env = [
      ...withDefaultPath(config.env),
      ...argEnv.filter(([name]) => !hasEnv(config.env, name)).map(([n, v]) => `${n}=${v}`),
    ];
    const workdir = config.workingDir === '' ? '/' : config.workingDir;
    const mountSpecs = instruction.mounts.map((m) =>
      parseRunMount(expandWord(m, scope.lookup, escape), workdir),
    );
    if (instruction.security === 'insecure')
      throw new BerthError(
        'InvalidArgument',
        "RUN --security=insecure is not allowed: berth's builder does not grant the security.insecure entitlement",
      );
    const network = instruction.network ?? this.options.network;
    if (!['default', 'none', 'host', 'bridge'].includes(network))
      throw new BerthError('InvalidArgument', `RUN --network=${network}: expected default, none or host`);
    const prepared = await this.prepareMounts(mountSpecs);
    try {
      const key = stepKey(
        state.key,
        'RUN',
        args,
        argEnv.filter(([name]) => !PREDEFINED_ARGS.includes(name)),
        script?.interpreter === true ? script.content : '',
        prepared.keyParts,
        network,
      );
      const createdBy = `RUN ${args.join(' ')}`;
      return await this.layerStep(step, state, key, createdBy, async () => {
        const output = new OutputTail();
        const result = await this.deps.runner.run({
          imageId: state.imageId,
          imageName: state.imageName,
          layers: state.chainIds,
          args,
          env,
          user: config.user,
          workingDir: workdir,
          mounts: [...prepared.mounts, ...scriptMount],
          network: network === 'bridge' ? 'default' : network,
          extraHosts: this.options.extraHosts,
          shmSize: this.options.shmSize,
          onOutput: (stream, data) => {
            output.push(data);
            this.onEvent({ type: 'output', step, stream, data });
          },
          signal: this.abort.signal,
        });
        if (result.exitCode !== 0) {
          throw new BerthError(
            'FailedPrecondition',
            `The command '${args.join(' ')}' returned a non-zero code: ${result.exitCode}`,
            { hint: output.text() === '' ? undefined : `its last output:\n${output.text()}` },
          );
        }
        return result.layer;
      });
    } finally {
      await prepared.release();
    }
  }

  private async prepareMounts(specs: readonly RunMountSpec[]): Promise<{
    mounts: StepMount[];
    keyParts: unknown[];
    release: () => Promise<void>;
  }> {
    const mounts: StepMount[] = [];
    const keyParts: unknown[] = [];
    const releases: Array<() => Promise<void>> = [];
    try {
      for (const spec of specs) {
        switch (spec.type) {
          case 'tmpfs':
            mounts.push({
              type: 'tmpfs',
              target: spec.target,
              ...(spec.size === undefined ? {} : { size: spec.size }),
            });
            keyParts.push(spec);
            break;
          case 'cache': {
            // Cache mounts outlive builds on purpose; their content is not part of any key.
            const dir = join(this.deps.root, 'build', 'mounts', stepKey('cache', spec.id).slice(0, 32));
            const fresh = await mkdir(dir, { recursive: true, mode: spec.mode ?? 0o755 });
            if (fresh !== undefined && (spec.uid !== undefined || spec.gid !== undefined))
              await chown(dir, spec.uid ?? 0, spec.gid ?? 0);
            if (fresh !== undefined && spec.mode !== undefined) await chmod(dir, spec.mode);
            mounts.push({ type: 'bind', source: dir, target: spec.target, readonly: spec.readonly });
            keyParts.push({ type: 'cache', target: spec.target, id: spec.id });
            break;
          }
          case 'secret': {
            const file = this.options.secrets[spec.id];
            if (file === undefined) {
              if (spec.required)
                throw new BerthError(
                  'InvalidArgument',
                  `secret ${spec.id} is required but was not given to the build`,
                );
              break;
            }
            // A private copy with the asked owner and mode, so the build cannot change the source.
            const dir = await this.scratchDir();
            const copy = join(dir, 'secret');
            await writeFile(copy, await readFile(file), { mode: spec.mode });
            await chown(copy, spec.uid, spec.gid);
            await chmod(copy, spec.mode);
            mounts.push({ type: 'bind', source: copy, target: spec.target, readonly: true });
            keyParts.push({ type: 'secret', id: spec.id, target: spec.target });
            break;
          }
          case 'bind': {
            const source = await this.sourceRoot(spec.from);
            releases.push(source.release);
            let path = await resolveInRoot(source.dir, spec.source);
            const fromContext = spec.from === undefined || spec.from === '';
            const resolved = await resolveSources(path, ['.'], {
              ...(fromContext && this.options.contextIgnore !== undefined
                ? { ignore: relativeIgnore(this.options.contextIgnore, source.dir, path) }
                : {}),
            });
            if (fromContext && this.options.contextInPlace === true) {
              const copy = await this.scratchDir();
              await copyInto(copy, resolved, '/', { workdir: '/', keepOwners: true });
              path = copy;
            }
            keyParts.push({
              type: 'bind',
              target: spec.target,
              from: source.key,
              source: spec.source,
              rw: spec.readwrite,
              content: await hashSources(path, resolved),
            });
            mounts.push({ type: 'bind', source: path, target: spec.target, readonly: !spec.readwrite });
            break;
          }
        }
      }
    } catch (error) {
      for (const release of releases) await release().catch(() => undefined);
      throw error;
    }
    return {
      mounts,
      keyParts,
      release: async () => {
        for (const release of releases) await release().catch(() => undefined);
      },
    };
  }

  // ----------------------------------------------------------------------------------------- COPY/ADD

  private async copy(
    step: number,
    state: StageState,
    scope: StageScope,
    instruction: CopyInstruction,
  ): Promise<StageState> {
    const escape = this.dockerfile.escape;
    const expand = (word: string) => expandWord(word, scope.lookup, escape);
    const dest = expand(instruction.dest);
    const chownSpec = instruction.chown === undefined ? undefined : expand(instruction.chown);
    const chmodSpec = instruction.chmod === undefined ? undefined : expand(instruction.chmod);
    const chmodMode = chmodSpec === undefined ? undefined : parseChmod(chmodSpec);
    const exclude = instruction.exclude.map(expand);
    const from = instruction.from === undefined ? undefined : expand(instruction.from);
    const checksum = instruction.checksum === undefined ? undefined : expand(instruction.checksum);
    const workdir = state.config.workingDir === '' ? '/' : state.config.workingDir;
    const isAdd = instruction.kind === 'ADD';

    const source = await this.sourceRoot(from);
    try {
      let root = source.dir;
      let resolved: ResolvedSource[];
      let patterns: string[];
      if (instruction.heredocs.length > 0) {
        // COPY <<EOF /dest: each heredoc is a file of its own, named after its delimiter.
        root = await this.scratchDir();
        const names = new Set(instruction.heredocs.map((doc) => doc.name));
        for (const doc of instruction.heredocs) {
          const content = doc.expand ? expandHeredoc(doc.content, scope.lookup) : doc.content;
          await writeFile(join(root, doc.name), content, { mode: 0o644 });
        }
        patterns = instruction.sources.filter((name) => names.has(name));
        resolved = await resolveSources(root, patterns, { exclude });
      } else {
        patterns = instruction.sources.map(expand);
        const urls = isAdd ? patterns.filter(isUrl) : [];
        if (urls.length > 0) {
          if (urls.length !== patterns.length)
            throw new BerthError(
              'InvalidArgument',
              'ADD of URLs and local files at once: use one ADD for each',
            );
          if (urls.length > 1 && checksum !== undefined)
            throw new BerthError('InvalidArgument', 'ADD --checksum works with a single URL');
          const downloads = await this.scratchDir();
          resolved = [];
          for (const url of urls)
            resolved.push(await urlSource(url, await fetchUrlSource(url, downloads, checksum)));
        } else {
          if (checksum !== undefined)
            throw new BerthError('InvalidArgument', 'ADD --checksum is only for URL sources');
          const ignore = from === undefined ? this.options.contextIgnore : undefined;
          resolved = await resolveSources(root, patterns, {
            exclude,
            ...(ignore === undefined ? {} : { ignore }),
          });
        }
      }
      const contentHash = await hashSources(root, resolved);
      const key = stepKey(
        state.key,
        instruction.kind,
        canonicalJson({
          dest,
          chown: chownSpec,
          chmod: chmodSpec,
          link: instruction.link,
          parents: instruction.parents,
          patterns,
          exclude,
          workdir,
        }),
        contentHash,
      );
      const createdBy = `${instruction.kind} ${instruction.sources.join(' ')} ${dest}`;
      return await this.layerStep(step, state, key, createdBy, () =>
        this.mutate(state.chainIds, async (rootfs) => {
          const owner = chownSpec === undefined ? undefined : await resolveChown(rootfs, chownSpec);
          const options = {
            workdir,
            ...(owner === undefined ? {} : { chown: owner }),
            ...(chmodMode === undefined ? {} : { chmod: chmodMode }),
          };
          const tmpDir = isAdd ? await this.scratchDir() : '';
          // --parents keeps each source's directories (relative to the context) under the destination.
          const groups = instruction.parents ? groupByParent(resolved, dest) : [{ dest, sources: resolved }];
          for (const group of groups) {
            if (isAdd) await addInto(rootfs, group.sources, group.dest, { ...options, tmpDir });
            else await copyInto(rootfs, group.sources, group.dest, options);
          }
        }),
      );
    } finally {
      await source.release();
    }
  }

  /**
   * The directory a COPY or RUN bind reads from: the context, a named context, an earlier stage's root or an
   * image's root (both mounted for the step).
   */
  private async sourceRoot(
    from: string | undefined,
  ): Promise<{ dir: string; key: string; release: () => Promise<void> }> {
    const none = async () => undefined;
    if (from === undefined || from === '')
      return { dir: this.options.contextDir, key: 'context', release: none };
    const named = this.options.namedContexts[from];
    if (named !== undefined) return { dir: named, key: `context:${from}`, release: none };
    const current = this.dockerfile.stages.length;
    const stage = findStage(this.dockerfile, from, current);
    let chainIds: Digest[];
    let key: string;
    if (stage !== undefined) {
      const state = await this.stageResult(stage.index);
      chainIds = state.chainIds;
      key = state.key;
    } else {
      const image = await this.baseImage(from);
      this.hold(image.chainIds);
      chainIds = [...image.chainIds];
      key = image.id;
    }
    const id = `${SNAPSHOT_PREFIX}${randomBytes(8).toString('hex')}`;
    await this.deps.snapshots.prepare(id, chainIds);
    try {
      const { mountpoint } = await this.deps.snapshots.mount(id);
      return { dir: mountpoint, key, release: () => this.deps.snapshots.remove(id) };
    } catch (error) {
      await this.deps.snapshots.remove(id).catch(() => undefined);
      throw error;
    }
  }

  /** Runs `change` on a fresh snapshot over `parents` and commits what it changed as a layer. */
  private async mutate(
    parents: readonly Digest[],
    change: (rootfs: string) => Promise<void>,
  ): Promise<NewLayer | undefined> {
    const id = `${SNAPSHOT_PREFIX}${randomBytes(8).toString('hex')}`;
    const snapshot = await this.deps.snapshots.prepare(id, parents);
    try {
      await this.deps.snapshots.mount(id);
      try {
        await change(snapshot.mountpoint);
      } finally {
        await this.deps.snapshots.unmount(id);
      }
      return await commitUpper(this.deps.images, snapshot.upper, parents);
    } finally {
      await this.deps.snapshots.remove(id);
    }
  }

  // ------------------------------------------------------------------------------------------- output

  /**
   * Writes the image config and manifest and registers the image. When every step came from the cache and an
   * image of the same steps and labels exists, that image is used again, so a no-change rebuild gives the same
   * image ID (and `up` recreates nothing).
   */
  private async writeImage(state: StageState): Promise<Image> {
    const images = this.deps.images;
    const labels = { ...state.config.labels, ...this.options.labels };
    const imageKey = stepKey(
      state.key,
      'image',
      canonicalJson(labels),
      state.author,
      canonicalJson(state.platform),
    );
    let manifestDigest = this.options.noCache ? undefined : await this.cache.getImage(imageKey);
    if (manifestDigest === undefined || !isDigest(manifestDigest)) {
      const json = imageConfigJson({
        platform: state.platform,
        created: this.now().toISOString(),
        author: state.author,
        config: { ...state.config, labels },
        diffIds: state.diffIds,
        history: state.history,
      });
      manifestDigest = await storeManifest(
        images.blobs,
        json,
        state.blobs.map((blob) => ({ ...blob, mediaType: blob.mediaType || MediaType.ociLayerGzip })),
      );
      await this.cache.putImage(imageKey, manifestDigest);
    }
    let image = await images.register(manifestDigest as Digest);
    for (const tag of this.options.tags) await images.tag(image.id, tag);
    if (this.options.tags.length > 0) image = (await images.get(image.id)) ?? image;
    return image;
  }

  private hold(digests: readonly string[]): void {
    this.releases.push(this.deps.images.hold(digests));
  }

  private async scratchDir(): Promise<string> {
    const dir = join(this.deps.root, 'build', 'tmp', randomBytes(8).toString('hex'));
    await mkdir(dir, { recursive: true, mode: 0o700 });
    this.scratch.push(dir);
    return dir;
  }

  private checkAborted(): void {
    if (this.abort.signal.aborted) throw new BerthError('Cancelled', 'build cancelled');
  }
}

/** ARG values and ENV of one stage, for variable expansion. ENV wins over an ARG of the same name. */
class StageScope {
  private readonly args = new Map<string, string | undefined>();
  /** The stage's ENV as of the current step. */
  env: readonly string[] = [];
  /** Whether this stage set CMD (ENTRYPOINT then keeps it). */
  cmdSet = false;

  constructor(
    private readonly buildArgs: Readonly<Record<string, string | undefined>>,
    private readonly consume: (name: string) => void,
  ) {}

  readonly lookup: VariableLookup = (name) => envValue(this.env, name) ?? this.args.get(name);

  declare(name: string, defaultValue: string | undefined): void {
    const given = Object.hasOwn(this.buildArgs, name);
    if (given) this.consume(name);
    this.args.set(name, given ? this.buildArgs[name] : defaultValue);
  }

  /** The ARGs a RUN sees as environment, sorted by name: declared ones with a value, and predefined ones. */
  argEnv(): Array<[string, string]> {
    const out = new Map<string, string>();
    for (const [name, value] of this.args) if (value !== undefined) out.set(name, value);
    for (const name of PREDEFINED_ARGS) {
      const value = this.buildArgs[name];
      if (value !== undefined && !out.has(name)) out.set(name, value);
    }
    return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

/** The last lines of a step's output, for the error when it fails. */
class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;

  push(data: Buffer): void {
    this.chunks.push(data);
    this.size += data.length;
    while (this.size > 8192 && this.chunks.length > 1) this.size -= this.chunks.shift()?.length ?? 0;
  }

  text(lines = 10): string {
    return Buffer.concat(this.chunks).toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
  }
}

/** `RUN <<EOF` with nothing else on the line: the heredoc is the whole script. */
function heredocScript(
  instruction: RunInstruction,
): { name: string; content: string; interpreter: boolean } | undefined {
  const only = instruction.heredocs[0];
  if (instruction.command.form !== 'shell' || instruction.heredocs.length !== 1 || only === undefined)
    return undefined;
  if (!/^<<-?\s*["']?[A-Za-z_][\w-]*["']?\s*$/.test(instruction.command.text.trim())) return undefined;
  return { name: only.name, content: only.content, interpreter: only.content.startsWith('#!') };
}

function commandArgs(instruction: RunInstruction, shell: string[] | undefined): string[] {
  const sh = shell ?? ['/bin/sh', '-c'];
  const command = instruction.command;
  if (command.form === 'exec') return [...command.args];
  const script = heredocScript(instruction);
  if (script !== undefined) return [...sh, script.content];
  if (instruction.heredocs.length === 0) return [...sh, command.text];
  // Heredocs in a longer command: the shell reads them itself, so hand it the text with the bodies.
  const bodies = instruction.heredocs.map((doc) => `${doc.content}${doc.name}\n`).join('');
  return [...sh, `${command.text}\n${bodies}`];
}

function cloneState(state: StageState): StageState {
  return {
    ...state,
    chainIds: [...state.chainIds],
    diffIds: [...state.diffIds],
    blobs: [...state.blobs],
    config: { ...state.config },
    history: [...state.history],
  };
}

function historyEntry(now: Date, createdBy: string, empty: boolean): HistoryEntry {
  return {
    created: now.toISOString(),
    createdBy,
    author: '',
    comment: 'buildkit.dockerfile.v0',
    emptyLayer: empty,
  };
}

function envValue(env: readonly string[], name: string): string | undefined {
  for (let i = env.length - 1; i >= 0; i--) {
    const entry = env[i] ?? '';
    const eq = entry.indexOf('=');
    if ((eq === -1 ? entry : entry.slice(0, eq)) === name) return eq === -1 ? '' : entry.slice(eq + 1);
  }
  return undefined;
}

function hasEnv(env: readonly string[], name: string): boolean {
  return envValue(env, name) !== undefined;
}

function withDefaultPath(env: readonly string[]): string[] {
  return hasEnv(env, 'PATH') ? [...env] : [DEFAULT_PATH, ...env];
}

/** `COPY --parents`: sources grouped by their parent directory, each group copied under dest/<parent>/. */
function groupByParent(
  resolved: readonly ResolvedSource[],
  dest: string,
): Array<{ dest: string; sources: ResolvedSource[] }> {
  const groups = new Map<string, ResolvedSource[]>();
  for (const source of resolved) {
    const parent = source.kind === 'dir' ? source.rel : posix.dirname(source.rel);
    const key = parent === '.' ? '' : parent;
    groups.set(key, [...(groups.get(key) ?? []), source]);
  }
  const base = dest.endsWith('/') ? dest : `${dest}/`;
  return [...groups.entries()].map(([parent, sources]) => ({
    dest: parent === '' ? base : `${base}${parent}/`,
    sources,
  }));
}

/** The context's ignore matcher for paths relative to `dir`, a directory inside the context root. */
function relativeIgnore(
  ignore: (rel: string) => boolean,
  root: string,
  dir: string,
): (rel: string) => boolean {
  const prefix = relative(root, dir);
  return (rel) => ignore(prefix === '' ? rel : `${prefix}/${rel}`);
}

async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await directoryBytes(path);
    else total += (await lstat(path).catch(() => undefined))?.size ?? 0;
  }
  return total;
}

function shortId(hex: string): string {
  return hex.replace(/^sha256:/, '').slice(0, 12);
}

/** Adds the step and the Dockerfile line to an error, keeping its code and hint. */
function locate(error: unknown, instruction: Instruction, step: number, total: number): unknown {
  if (!isBerthError(error) || error.code === 'Cancelled') return error;
  if (error.message.startsWith(`${instruction.location.file}:`)) return error;
  const where = `${instruction.location.file}:${instruction.location.line}`;
  return new BerthError(
    error.code,
    `step ${step}/${total} (${where}) ${instruction.original}: ${error.message}`,
    {
      cause: error,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
    },
  );
}

/** When stages fail because another one did, the first failure that is not a cancellation is the real one. */
function firstRealError(results: PromiseSettledResult<unknown>[]): unknown {
  for (const result of results)
    if (result.status === 'rejected' && !isBerthError(result.reason, 'Cancelled')) return result.reason;
  return undefined;
}

function messageOfError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
