// The `local` driver's options (`type`, `device`, `o`), parsed once at create time so a bad option fails early.
// Invariant: a volume with no options is a plain directory; with `type` set it is a mount made on first use.

import { BerthError } from '../../shared/errors.js';

export interface LocalMountOptions {
  /** Filesystem type for mount(8): `none` with o=bind for a host dir, `tmpfs`, `nfs`, ... */
  type: string;
  /** What to mount: a host path for binds, anything for tmpfs. */
  device: string;
  /** The comma-separated mount options, as given. */
  options: string;
  /** True for a bind of a host directory (o contains `bind`). */
  bind: boolean;
}

const KNOWN = new Set(['type', 'device', 'o', 'size']);

/** Parses driver options; undefined means "plain directory". Throws InvalidArgument on unknown or incomplete options. */
export function parseLocalOptions(
  name: string,
  opts: Readonly<Record<string, string>>,
): LocalMountOptions | undefined {
  for (const key of Object.keys(opts)) {
    if (!KNOWN.has(key)) {
      throw new BerthError('InvalidArgument', `create ${name}: invalid option: "${key}"`);
    }
  }
  if (opts['size'] !== undefined) {
    // Docker's local driver honours `size` only with xfs project quotas, which we do not set up.
    throw new BerthError('InvalidArgument', `create ${name}: quota size requested but no quota support`);
  }
  const type = opts['type'] ?? '';
  const device = opts['device'] ?? '';
  const options = opts['o'] ?? '';
  if (type === '' && device === '' && options === '') return undefined;
  if (type === '') {
    throw new BerthError('InvalidArgument', `create ${name}: missing required option: "type"`);
  }
  const flags = splitOptions(options);
  const bind = flags.includes('bind') || flags.includes('rbind');
  if (bind && device === '') {
    throw new BerthError('InvalidArgument', `create ${name}: missing required option: "device"`);
  }
  if (bind && !device.startsWith('/')) {
    throw new BerthError(
      'InvalidArgument',
      `create ${name}: bind device must be an absolute host path: ${device}`,
    );
  }
  return { type, device: device === '' ? type : device, options, bind };
}

export function splitOptions(o: string): string[] {
  return o
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}
