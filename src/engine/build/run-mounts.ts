// `RUN --mount=...` values parsed into typed mounts (BuildKit's syntax: comma-separated key=value fields).
// Invariant: pure; every error names the mount as written, so the user can find it in the Dockerfile.

import { posix } from 'node:path';
import { BerthError } from '../../shared/errors.js';

export type RunMountSpec =
  | { type: 'bind'; target: string; source: string; from: string | undefined; readwrite: boolean }
  | {
      type: 'cache';
      target: string;
      id: string;
      source: string;
      from: string | undefined;
      readonly: boolean;
      sharing: 'shared' | 'private' | 'locked';
      mode: number | undefined;
      uid: number | undefined;
      gid: number | undefined;
    }
  | { type: 'tmpfs'; target: string; size: number | undefined }
  | {
      type: 'secret';
      id: string;
      target: string;
      required: boolean;
      mode: number;
      uid: number;
      gid: number;
    };

const TRUE = new Set(['', 'true', '1']);

/** Parses one `--mount` value; `workdir` resolves relative targets. */
export function parseRunMount(value: string, workdir: string): RunMountSpec {
  const fields = new Map<string, string>();
  for (const part of value.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const key = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    fields.set(key, eq === -1 ? '' : part.slice(eq + 1).trim());
  }
  const bad = (why: string) => new BerthError('InvalidArgument', `--mount=${value}: ${why}`);
  const type = fields.get('type') ?? 'bind';
  const targetField = fields.get('target') ?? fields.get('dst') ?? fields.get('destination');
  const target = (required: boolean, fallback?: string): string => {
    const raw = targetField ?? fallback;
    if (raw === undefined || raw === '') {
      if (required) throw bad('a target is required (target=/path)');
      return '';
    }
    return posix.resolve(workdir === '' ? '/' : workdir, raw);
  };
  const flag = (name: string): boolean => {
    const v = fields.get(name);
    return v !== undefined && TRUE.has(v.toLowerCase());
  };
  const int = (name: string, radix: number): number | undefined => {
    const v = fields.get(name);
    if (v === undefined) return undefined;
    const n = Number.parseInt(v, radix);
    if (!Number.isFinite(n) || n < 0) throw bad(`${name}=${v} is not a valid number`);
    return n;
  };
  switch (type) {
    case 'bind':
      return {
        type,
        target: target(true),
        source: fields.get('source') ?? fields.get('src') ?? '/',
        from: fields.get('from'),
        readwrite: flag('rw') || flag('readwrite'),
      };
    case 'cache': {
      const t = target(true);
      const sharing = fields.get('sharing') ?? 'shared';
      if (sharing !== 'shared' && sharing !== 'private' && sharing !== 'locked')
        throw bad(`sharing=${sharing} (expected shared, private or locked)`);
      return {
        type,
        target: t,
        id: fields.get('id') ?? t,
        source: fields.get('source') ?? fields.get('src') ?? '/',
        from: fields.get('from'),
        readonly: flag('ro') || flag('readonly'),
        sharing,
        mode: int('mode', 8),
        uid: int('uid', 10),
        gid: int('gid', 10),
      };
    }
    case 'tmpfs':
      return { type, target: target(true), size: int('size', 10) };
    case 'secret': {
      const id = fields.get('id') ?? (targetField === undefined ? undefined : posix.basename(targetField));
      if (id === undefined || id === '') throw bad('a secret mount needs id= (or target=)');
      return {
        type,
        id,
        target: target(false, `/run/secrets/${id}`),
        required: flag('required'),
        mode: int('mode', 8) ?? 0o400,
        uid: int('uid', 10) ?? 0,
        gid: int('gid', 10) ?? 0,
      };
    }
    case 'ssh':
      throw bad(
        "SSH agent forwarding is not supported by berth's builder; copy a deploy key as a secret instead",
      );
    default:
      throw bad(`unknown mount type "${type}" (expected bind, cache, tmpfs or secret)`);
  }
}
