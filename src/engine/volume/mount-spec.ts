// Translates the mount forms of the Docker API (HostConfig.Binds strings, HostConfig.Mounts objects,
// HostConfig.Tmpfs, and the anonymous `Volumes` of image and container config) into one list of plain specs.
// Pure: nothing here touches the filesystem — a bind source's existence is checked by prepareBindSources.
// Invariant: every spec has an absolute, clean target and targets are unique (Docker's "Duplicate mount point").

import { posix } from 'node:path';
import { BerthError } from '../../shared/errors.js';

export type MountKind = 'volume' | 'bind' | 'tmpfs';
export type Propagation = 'private' | 'rprivate' | 'shared' | 'rshared' | 'slave' | 'rslave';

export interface MountSpec {
  kind: MountKind;
  /** Volume name ('' for an anonymous volume still to be created), host path for a bind, '' for tmpfs. */
  source: string;
  target: string;
  readOnly: boolean;
  /** Only for binds; Docker's default is rprivate. */
  propagation: Propagation | undefined;
  /** Volumes only: skip the copy-up of image content. */
  noCopy: boolean;
  /** Volumes only: a relative path inside the volume to mount instead of its root. */
  subpath: string | undefined;
  /** Volumes only: labels to give the volume if it is created for this mount. */
  labels: Record<string, string> | undefined;
  /** Tmpfs only: size and mode, and the mount flags (Docker's default nosuid,nodev,noexec, as adjusted). */
  tmpfs: { size: number | undefined; mode: number | undefined; options: string[] } | undefined;
  /** Binds only: create a missing source as a directory (short syntax) instead of failing (long syntax). */
  createHostPath: boolean;
  /** Binds only: a plain bind that leaves the source's submounts behind (BindOptions.NonRecursive). */
  nonRecursive: boolean;
  /** The mode text Docker reports in a container's Mounts (`ro`, `z`, or '' for the long syntax). */
  mode: string;
}

/** The subset of a Docker API Mount object we read (HostConfig.Mounts[]). */
export interface ApiMount {
  Type?: string;
  Source?: string;
  Target?: string;
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: { Propagation?: string; CreateMountpoint?: boolean; NonRecursive?: boolean } | null;
  VolumeOptions?: {
    NoCopy?: boolean;
    Labels?: Record<string, string>;
    Subpath?: string;
    DriverConfig?: { Name?: string; Options?: Record<string, string> };
  } | null;
  TmpfsOptions?: { SizeBytes?: number; Mode?: number } | null;
}

export interface MountInputs {
  binds?: readonly string[] | null;
  mounts?: readonly ApiMount[] | null;
  /** HostConfig.Tmpfs: target → "size=64m,mode=1777". */
  tmpfs?: Readonly<Record<string, string>> | null;
  /** Anonymous volumes: image config Volumes and container Config.Volumes, merged by the caller. */
  volumes?: Readonly<Record<string, unknown>> | null;
}

const PROPAGATIONS: ReadonlySet<string> = new Set([
  'private',
  'rprivate',
  'shared',
  'rshared',
  'slave',
  'rslave',
]);

/** All mounts of a container, in the order Binds, Mounts, Tmpfs, then anonymous Volumes not already covered. */
export function translateMounts(inputs: MountInputs): MountSpec[] {
  const specs: MountSpec[] = [];
  for (const bind of inputs.binds ?? []) specs.push(parseBind(bind));
  for (const mount of inputs.mounts ?? []) specs.push(parseApiMount(mount));
  for (const [target, options] of Object.entries(inputs.tmpfs ?? {})) {
    specs.push(parseTmpfsEntry(target, options));
  }
  const seen = new Set<string>();
  for (const spec of specs) {
    if (seen.has(spec.target)) {
      throw new BerthError('InvalidArgument', `Duplicate mount point: ${spec.target}`);
    }
    seen.add(spec.target);
  }
  for (const rawTarget of Object.keys(inputs.volumes ?? {})) {
    const target = cleanTarget(rawTarget);
    if (seen.has(target)) continue; // an explicit mount wins over the image's VOLUME
    checkTarget('volume', rawTarget);
    seen.add(target);
    specs.push(volumeSpec('', target, false, false, undefined, undefined));
  }
  return specs;
}

/** Parses one HostConfig.Binds entry: `[source:]target[:mode,mode...]`. */
export function parseBind(raw: string): MountSpec {
  const invalid = (): BerthError =>
    new BerthError('InvalidArgument', `invalid volume specification: '${raw}'`);
  const parts = raw.split(':');
  let source = '';
  let target: string;
  let modes: string[] = [];
  if (parts.length === 1) {
    target = parts[0] ?? '';
  } else if (parts.length === 2) {
    // `/dst:ro` is not a valid spec: a target alone cannot carry a mode.
    if (isModeList(parts[1] ?? '')) throw invalid();
    source = parts[0] ?? '';
    target = parts[1] ?? '';
  } else if (parts.length === 3) {
    source = parts[0] ?? '';
    target = parts[1] ?? '';
    modes = (parts[2] ?? '').split(',');
    if (!isModeList(parts[2] ?? '')) {
      throw new BerthError('InvalidArgument', `invalid mode: ${parts[2] ?? ''}`);
    }
  } else {
    throw invalid();
  }
  if (target === '') throw invalid();
  const kind: MountKind = source.startsWith('/') ? 'bind' : 'volume';
  if (!target.startsWith('/')) {
    throw new BerthError(
      'InvalidArgument',
      `invalid volume specification: '${raw}': invalid mount config for type "${kind}": invalid mount path: '${target}' mount path must be absolute`,
    );
  }
  if (cleanTarget(target) === '/') {
    throw new BerthError('InvalidArgument', `invalid specification: destination can't be '/'`);
  }
  const readOnly = modes.includes('ro');
  const noCopy = modes.includes('nocopy');
  const propagation = modes.find((mode) => PROPAGATIONS.has(mode)) as Propagation | undefined;
  if (kind === 'bind') {
    if (noCopy) throw new BerthError('InvalidArgument', `invalid mode: ${modes.join(',')}`);
    return {
      ...base('bind', posix.normalize(source), cleanTarget(target), readOnly),
      propagation: propagation ?? 'rprivate',
      createHostPath: true,
      mode: modes.join(','),
    };
  }
  // Docker reports a short-syntax named volume's mode as `z` when none was given.
  const mode = source === '' ? modes.join(',') : modes.length === 0 ? 'z' : modes.join(',');
  return { ...volumeSpec(source, cleanTarget(target), readOnly, noCopy, undefined, undefined), mode };
}

/** Parses one HostConfig.Mounts object with Docker's validation messages. */
export function parseApiMount(mount: ApiMount): MountSpec {
  const type = mount.Type ?? '';
  const fail = (detail: string): BerthError =>
    new BerthError('InvalidArgument', `invalid mount config for type "${type}": ${detail}`);
  const target = mount.Target ?? '';
  const source = mount.Source ?? '';
  const readOnly = mount.ReadOnly === true;
  if (type !== 'bind' && type !== 'volume' && type !== 'tmpfs') throw fail('mount type unknown');
  if (target === '') throw fail('field Target must not be empty');
  checkTarget(type, target);
  const present = (value: unknown): boolean => value !== undefined && value !== null;
  switch (type) {
    case 'bind': {
      if (source === '') throw fail('field Source must not be empty');
      if (!source.startsWith('/')) {
        throw fail(`invalid mount path: '${source}' mount path must be absolute`);
      }
      if (present(mount.VolumeOptions)) throw fail('field VolumeOptions must not be specified');
      if (present(mount.TmpfsOptions)) throw fail('field TmpfsOptions must not be specified');
      const propagation = mount.BindOptions?.Propagation ?? '';
      if (propagation !== '' && !PROPAGATIONS.has(propagation)) {
        throw fail(`invalid propagation mode: ${propagation}`);
      }
      return {
        ...base('bind', posix.normalize(source), cleanTarget(target), readOnly),
        propagation: propagation === '' ? 'rprivate' : (propagation as Propagation),
        createHostPath: mount.BindOptions?.CreateMountpoint === true,
        nonRecursive: mount.BindOptions?.NonRecursive === true,
      };
    }
    case 'volume': {
      if (present(mount.BindOptions)) throw fail('field BindOptions must not be specified');
      if (present(mount.TmpfsOptions)) throw fail('field TmpfsOptions must not be specified');
      if (source.startsWith('/')) {
        throw fail(`invalid volume name: '${source}' is an absolute path; use type "bind"`);
      }
      const subpath = mount.VolumeOptions?.Subpath ?? '';
      if (subpath !== '') checkSubpathSyntax(subpath, fail);
      return volumeSpec(
        source,
        cleanTarget(target),
        readOnly,
        mount.VolumeOptions?.NoCopy === true,
        subpath === '' ? undefined : posix.normalize(subpath),
        mount.VolumeOptions?.Labels,
      );
    }
    case 'tmpfs': {
      if (source !== '') throw fail('field Source must not be specified');
      if (present(mount.BindOptions)) throw fail('field BindOptions must not be specified');
      if (present(mount.VolumeOptions)) throw fail('field VolumeOptions must not be specified');
      const size = mount.TmpfsOptions?.SizeBytes;
      if (size !== undefined && (!Number.isInteger(size) || size < 0)) {
        throw fail(`invalid tmpfs size: ${size}`);
      }
      const mode = mount.TmpfsOptions?.Mode;
      return {
        ...base('tmpfs', '', cleanTarget(target), readOnly),
        tmpfs: {
          size: size === 0 ? undefined : size,
          mode: mode === 0 ? undefined : mode,
          options: [...TMPFS_DEFAULT_FLAGS],
        },
      };
    }
  }
}

/** Flags every tmpfs gets unless its options say `exec`, `suid` or `dev` (Docker's defaults). */
const TMPFS_DEFAULT_FLAGS: readonly string[] = ['nosuid', 'nodev', 'noexec'];
const TMPFS_RELAXED: Readonly<Record<string, string>> = { exec: 'noexec', suid: 'nosuid', dev: 'nodev' };

/**
 * Parses a HostConfig.Tmpfs entry: mount(8) options of which size, mode, ro/rw and exec/suid/dev are
 * understood; other flags (uid=, noatime, ...) pass through to the mount.
 */
export function parseTmpfsEntry(target: string, options: string): MountSpec {
  checkTarget('tmpfs', target);
  let size: number | undefined;
  let mode: number | undefined;
  let readOnly = false;
  let flags = [...TMPFS_DEFAULT_FLAGS];
  for (const option of options.split(',').filter((part) => part !== '')) {
    const [key, value = ''] = option.split('=', 2) as [string, string?];
    if (key === 'size') size = parseSize(value, option);
    else if (key === 'mode') {
      if (!/^[0-7]{1,4}$/.test(value)) {
        throw new BerthError('InvalidArgument', `invalid tmpfs option: ${option}`);
      }
      mode = parseInt(value, 8);
    } else if (key === 'ro') readOnly = true;
    else if (key === 'rw') continue;
    else if (TMPFS_RELAXED[key] !== undefined) flags = flags.filter((flag) => flag !== TMPFS_RELAXED[key]);
    else if (!flags.includes(option)) flags.push(option);
  }
  return { ...base('tmpfs', '', cleanTarget(target), readOnly), tmpfs: { size, mode, options: flags } };
}

/** A `size=` value: bytes with an optional k/m/g suffix (mount(8) style). */
function parseSize(value: string, option: string): number {
  const match = /^(\d+)([kKmMgG]?)$/.exec(value);
  if (match === null) throw new BerthError('InvalidArgument', `invalid tmpfs option: ${option}`);
  const unit = (match[2] ?? '').toLowerCase();
  const factor = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  return Number(match[1]) * factor;
}

/** A subpath must be relative and stay inside the volume syntactically; symlinks are checked at mount time. */
function checkSubpathSyntax(subpath: string, fail: (detail: string) => BerthError): void {
  if (subpath.startsWith('/')) throw fail(`subpath must be a relative path: ${subpath}`);
  if (subpath.split('/').includes('..')) {
    throw fail(`subpath must not contain "..": ${subpath}`);
  }
}

function checkTarget(type: string, target: string): void {
  if (!target.startsWith('/')) {
    throw new BerthError(
      'InvalidArgument',
      `invalid mount config for type "${type}": invalid mount path: '${target}' mount path must be absolute`,
    );
  }
}

function cleanTarget(target: string): string {
  const clean = posix.normalize(target);
  return clean.length > 1 && clean.endsWith('/') ? clean.slice(0, -1) : clean;
}

function isModeList(text: string): boolean {
  if (text === '') return false;
  const modes = text.split(',');
  let rw = 0;
  let label = 0;
  let propagation = 0;
  let copy = 0;
  for (const mode of modes) {
    if (mode === 'rw' || mode === 'ro') rw++;
    else if (mode === 'z' || mode === 'Z') label++;
    else if (PROPAGATIONS.has(mode)) propagation++;
    else if (mode === 'nocopy' || mode === 'copy') copy++;
    else return false;
  }
  return rw <= 1 && label <= 1 && propagation <= 1 && copy <= 1;
}

function base(kind: MountKind, source: string, target: string, readOnly: boolean): MountSpec {
  return {
    kind,
    source,
    target,
    readOnly,
    propagation: undefined,
    noCopy: false,
    subpath: undefined,
    labels: undefined,
    tmpfs: undefined,
    createHostPath: false,
    nonRecursive: false,
    mode: '',
  };
}

function volumeSpec(
  source: string,
  target: string,
  readOnly: boolean,
  noCopy: boolean,
  subpath: string | undefined,
  labels: Record<string, string> | undefined,
): MountSpec {
  return { ...base('volume', source, target, readOnly), noCopy, subpath, labels };
}
