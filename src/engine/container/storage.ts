// A container's storage: the seam between the container lifecycle and the volume subsystem. At create it
// translates every mount form once (Binds, Mounts, Tmpfs, VolumesFrom, and the image's and config's anonymous
// Volumes), creates the volumes they need and returns what the record keeps; at start it mounts the volumes,
// copies image content into a fresh one, and returns the mounts of the runtime spec; when the run ends it
// releases them; `rm -v` removes the container's anonymous volumes.
//
//   const storage = new ContainerStorage({ volumes, events });
//   record.mounts = await storage.provision(storage.plan({ hostConfig, volumes: ['/data'] }, lookup));
//   const mounts = await storage.mountAll(record, rootfs);   // → buildRuntimeSpec({ mounts })
//   await storage.release(record.id);                        // when the run ends
//
// Invariant: every volume mount() taken for a run is released exactly once (release forgets what it released),
// and a container's volumes are named in its record from create on, so "in use" holds while the record exists.

import { BerthError, messageOf } from '../../shared/errors.js';
import type { HostConfig } from '../api/containers.js';
import type { EventBus } from '../events/bus.js';
import { resolveInRoot } from '../runtime/root-path.js';
import type { MountInput } from '../runtime/spec.js';
import {
  ANONYMOUS_LABEL,
  prepareBindSources,
  translateMounts,
  type MountSpec,
  type VolumeStore,
} from '../volume/index.js';
import type { ContainerRecord, MountRecord } from './record.js';

export interface MountRequest {
  hostConfig: HostConfig;
  /** Anonymous volume targets: the container's Config.Volumes and the image's VOLUMEs. */
  volumes: readonly string[];
}

export interface ContainerStorageOptions {
  volumes: VolumeStore;
  /** Where `volume` mount/unmount events go. */
  events?: EventBus;
  log?: { warn(message: string, fields?: Record<string, unknown>): void };
}

/** Ids of the containers whose records name the volume (running or not: Docker's notion of "in use"). */
export function volumeUsers(records: Iterable<ContainerRecord>, name: string): string[] {
  const users: string[] = [];
  for (const record of records) {
    if ((record.mounts ?? []).some((m) => m.kind === 'volume' && m.source === name)) users.push(record.id);
  }
  return users;
}

export class ContainerStorage {
  /** Volume names mounted for each container's current run (released when the run ends). */
  private readonly held = new Map<string, string[]>();

  constructor(private readonly options: ContainerStorageOptions) {}

  get volumes(): VolumeStore {
    return this.options.volumes;
  }

  /**
   * Every mount of a create request, checked (InvalidArgument with Docker's wording) before anything is made.
   * Precedence as Docker's: Binds and Mounts, then VolumesFrom for targets still free, then anonymous volumes.
   * Anonymous volumes still have source '' here; provision() names them.
   */
  plan(request: MountRequest, lookup: (reference: string) => ContainerRecord): MountRecord[] {
    const host = request.hostConfig;
    const explicit = translateMounts({ binds: host.Binds, mounts: host.Mounts, tmpfs: host.Tmpfs });
    const planned: MountRecord[] = explicit.map((spec) => ({
      ...spec,
      anonymous: spec.kind === 'volume' && spec.source === '',
      hostPath: '',
    }));
    const taken = new Set(planned.map((m) => m.target));
    for (const entry of host.VolumesFrom ?? []) {
      for (const mount of volumesFrom(entry, lookup)) {
        if (taken.has(mount.target)) continue;
        taken.add(mount.target);
        planned.push(mount);
      }
    }
    const anonymous = translateMounts({
      volumes: Object.fromEntries(request.volumes.map((target) => [target, {}])),
    });
    for (const spec of anonymous) {
      if (taken.has(spec.target)) continue;
      taken.add(spec.target);
      planned.push({ ...spec, anonymous: true, hostPath: '' });
    }
    return planned;
  }

  /**
   * Creates the volumes a plan needs (anonymous ones, and named ones that do not exist yet, with the labels
   * of their VolumeOptions) and checks long-syntax bind sources. On failure the anonymous volumes it made are
   * removed again.
   */
  async provision(plan: readonly MountRecord[]): Promise<MountRecord[]> {
    const volumes = this.options.volumes;
    const created: string[] = [];
    try {
      // Long syntax: a missing source is the request's fault, reported at create as Docker does.
      await prepareBindSources(plan.filter((m) => m.kind === 'bind' && !m.createHostPath));
      const mounts: MountRecord[] = [];
      for (const mount of plan) {
        if (mount.kind !== 'volume') {
          mounts.push({ ...mount });
          continue;
        }
        if (mount.source === '') {
          const volume = await volumes.create(mount.labels === undefined ? {} : { labels: mount.labels });
          created.push(volume.Name);
          mounts.push({ ...mount, source: volume.Name, hostPath: volume.Mountpoint });
          continue;
        }
        const volume = (await volumes.exists(mount.source))
          ? await volumes.inspect(mount.source)
          : await volumes.create({ name: mount.source, ...(mount.labels ? { labels: mount.labels } : {}) });
        mounts.push({ ...mount, hostPath: volume.Mountpoint });
      }
      return mounts;
    } catch (error) {
      for (const name of created) await volumes.remove(name).catch(() => undefined);
      throw error;
    }
  }

  /**
   * At start, with the container's rootfs mounted: makes bind sources (short syntax), mounts each volume,
   * fills a fresh one from the image once, resolves subpaths, and returns the runtime's mounts in order.
   */
  async mountAll(record: ContainerRecord, rootfs: string): Promise<MountInput[]> {
    const mounts = record.mounts ?? [];
    await prepareBindSources(mounts);
    await this.release(record.id); // a run that was never released (a failed start) gives its references back
    const held: string[] = [];
    this.held.set(record.id, held);
    const inputs: MountInput[] = [];
    try {
      for (const mount of mounts) {
        if (mount.kind === 'bind') inputs.push(bindInput(mount));
        else if (mount.kind === 'tmpfs') inputs.push(tmpfsInput(mount));
        else inputs.push(await this.mountVolume(record, mount, rootfs, held));
      }
    } catch (error) {
      await this.release(record.id);
      throw error;
    }
    return inputs;
  }

  /** Gives back the volume references of a container's run; a second call does nothing. */
  async release(id: string): Promise<void> {
    const names = this.held.get(id);
    if (names === undefined) return;
    this.held.delete(id);
    for (const name of names) {
      await this.options.volumes
        .release(name)
        .catch((error: unknown) =>
          this.options.log?.warn('releasing a volume failed', { id, volume: name, error: messageOf(error) }),
        );
      this.publish('unmount', name, { container: id, driver: 'local' });
    }
  }

  /**
   * After an engine restart: the containers still running take their volume references again, and mounts of
   * volumes no running container holds (their containers exited meanwhile) are undone.
   */
  async adopt(running: readonly ContainerRecord[]): Promise<void> {
    const volumes = this.options.volumes;
    for (const record of running) {
      const held: string[] = [];
      this.held.set(record.id, held);
      for (const mount of record.mounts ?? []) {
        if (mount.kind !== 'volume') continue;
        try {
          await volumes.mount(mount.source);
          held.push(mount.source);
        } catch (error) {
          this.options.log?.warn('re-taking a volume of a running container failed', {
            id: record.id,
            volume: mount.source,
            error: messageOf(error),
          });
        }
      }
    }
    await volumes.unmountUnused();
  }

  /**
   * `rm -v`: removes the anonymous volumes of a removed container. One another container still uses (through
   * VolumesFrom) stays, as with Docker.
   */
  async removeAnonymous(record: ContainerRecord): Promise<void> {
    for (const mount of record.mounts ?? []) {
      if (mount.kind !== 'volume' || !mount.anonymous) continue;
      await this.options.volumes.remove(mount.source).catch((error: unknown) => {
        this.options.log?.warn('removing an anonymous volume failed', {
          id: record.id,
          volume: mount.source,
          error: messageOf(error),
        });
      });
    }
  }

  private async mountVolume(
    record: ContainerRecord,
    mount: MountRecord,
    rootfs: string,
    held: string[],
  ): Promise<MountInput> {
    const volumes = this.options.volumes;
    if (!(await volumes.exists(mount.source))) {
      // Its record was lost (a volume is never removed while a container names it): start with a new, empty one.
      const labels = { ...(mount.labels ?? {}), ...(mount.anonymous ? { [ANONYMOUS_LABEL]: '' } : {}) };
      await volumes.create({ name: mount.source, labels });
    }
    const hostPath = await volumes.mount(mount.source);
    held.push(mount.source);
    this.publish('mount', mount.source, {
      container: record.id,
      destination: mount.target,
      driver: 'local',
      propagation: '',
      'read/write': String(!mount.readOnly),
    });
    if (!mount.noCopy && mount.subpath === undefined) {
      // Symlinks on the way are resolved inside the rootfs, so copy-up never reads the host's files.
      await volumes.populateFromImage(mount.source, await resolveInRoot(rootfs, mount.target));
    }
    const source =
      mount.subpath === undefined ? hostPath : await volumes.resolveSubpath(mount.source, mount.subpath);
    return { type: 'bind', source, destination: mount.target, readonly: mount.readOnly };
  }

  private publish(action: string, name: string, attributes: Record<string, string>): void {
    this.options.events?.publish({ type: 'volume', action, actor: { id: name, attributes } });
  }
}

/** `container[:ro|:rw]`: the other container's mounts, read-only or read-write as asked, else as they are. */
function volumesFrom(entry: string, lookup: (reference: string) => ContainerRecord): MountRecord[] {
  const colon = entry.lastIndexOf(':');
  let reference = entry;
  let readOnly: boolean | undefined;
  if (colon > 0) {
    const mode = entry.slice(colon + 1);
    if (mode !== 'ro' && mode !== 'rw') {
      throw new BerthError('InvalidArgument', `invalid mode for volumes-from: ${mode}`);
    }
    reference = entry.slice(0, colon);
    readOnly = mode === 'ro';
  }
  const source = lookup(reference);
  // Tmpfs mounts belong to their container alone; binds and volumes are shared.
  return (source.mounts ?? [])
    .filter((mount) => mount.kind !== 'tmpfs')
    .map((mount) => ({
      ...mount,
      ...(readOnly === undefined ? {} : { readOnly, mode: readOnly ? 'ro' : 'rw' }),
    }));
}

function bindInput(mount: MountSpec): MountInput {
  return {
    type: 'bind',
    source: mount.source,
    destination: mount.target,
    readonly: mount.readOnly,
    ...(mount.nonRecursive ? { recursive: false } : {}),
    ...(mount.propagation === undefined ? {} : { propagation: mount.propagation }),
  };
}

function tmpfsInput(mount: MountSpec): MountInput {
  const tmpfs = mount.tmpfs;
  return {
    type: 'tmpfs',
    destination: mount.target,
    readonly: mount.readOnly,
    ...(tmpfs?.size === undefined ? {} : { size: tmpfs.size }),
    ...(tmpfs?.mode === undefined ? {} : { mode: tmpfs.mode }),
    ...(tmpfs === undefined ? {} : { options: tmpfs.options }),
  };
}
