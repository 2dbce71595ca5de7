// Runs mmdebstrap on the host to make a root filesystem tar from the distribution's package repositories.
// Invariant: the output depends only on the target and the mirror's content (SOURCE_DATE_EPOCH fixed from the
// Release date, the host's resolv.conf and hostname emptied, no device nodes: the runtime makes /dev), so two
// runs against the same mirror state give the same tar.

import { access } from 'node:fs/promises';
import { execa } from 'execa';
import { BerthError, messageOf } from '../../shared/errors.js';
import type { BootstrapTarget } from './target.js';

/** What official slim images leave out (documentation, manuals, translations), as dpkg path filters. */
const SLIM_FILTERS = [
  'path-exclude=/usr/share/man/*',
  'path-exclude=/usr/share/groff/*',
  'path-exclude=/usr/share/info/*',
  'path-exclude=/usr/share/lintian/*',
  'path-exclude=/usr/share/linda/*',
  'path-exclude=/usr/share/locale/*',
  'path-include=/usr/share/locale/locale.alias',
  'path-exclude=/usr/share/doc/*',
  'path-include=/usr/share/doc/*/copyright',
];

/** mmdebstrap's arguments for a target (without the program name). Pure. */
export function mmdebstrapArgs(target: BootstrapTarget, output: string): string[] {
  return [
    `--variant=${target.variant}`,
    '--mode=root',
    '--format=tar',
    '--skip=output/dev',
    `--keyring=${target.keyring.path}`,
    ...(target.include.length > 0 ? [`--include=${target.include.join(',')}`] : []),
    ...(target.slim ? SLIM_FILTERS.map((filter) => `--dpkgopt=${filter}`) : []),
    // The host's files would make the output differ per machine; the engine provides both at run time.
    '--customize-hook=: > "$1/etc/resolv.conf"',
    '--customize-hook=: > "$1/etc/hostname"',
    target.suite,
    output,
    `deb ${target.mirror} ${target.suite} ${target.components.join(' ')}`,
  ];
}

/** The command line as the image history records it (the output path left out). */
export function describeCommand(target: BootstrapTarget): string {
  return [
    'mmdebstrap',
    `--variant=${target.variant}`,
    ...(target.include.length > 0 ? [`--include=${target.include.join(',')}`] : []),
    ...(target.slim ? ['(slim dpkg filters)'] : []),
    target.suite,
    `"deb ${target.mirror} ${target.suite} ${target.components.join(' ')}"`,
  ].join(' ');
}

export interface RunOptions {
  /** SOURCE_DATE_EPOCH for the run. */
  epoch: number;
  /** Each line mmdebstrap prints (its `I:` progress lines, warnings, errors). */
  onLine?: (line: string) => void;
  signal?: AbortSignal;
}

/** Makes `output` (a rootfs tar); the error carries mmdebstrap's last lines. */
export async function runMmdebstrap(
  target: BootstrapTarget,
  output: string,
  options: RunOptions,
): Promise<void> {
  if (process.getuid?.() !== 0)
    throw new BerthError(
      'FailedPrecondition',
      'berth image bootstrap needs root (mmdebstrap runs in root mode)',
    );
  try {
    await access(target.keyring.path);
  } catch {
    throw new BerthError('FailedPrecondition', `the ${target.distribution} archive keyring is missing`, {
      hint: `install the Debian package ${target.keyring.packageName} (apt-get install ${target.keyring.packageName})`,
    });
  }
  const tail: string[] = [];
  const child = execa('mmdebstrap', mmdebstrapArgs(target, output), {
    env: { SOURCE_DATE_EPOCH: String(options.epoch), LC_ALL: 'C.UTF-8' },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    all: true,
    buffer: false,
    reject: false,
    // A group of its own, so an interrupt reaches it once, from us, as a terminal's Ctrl-C would: mmdebstrap
    // then unmounts what it mounted in its chroot and removes its temporary directory before it exits.
    detached: true,
  });
  const interrupt = () => {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGINT');
  };
  options.signal?.addEventListener('abort', interrupt, { once: true });
  let pending = '';
  child.all?.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      tail.push(line);
      if (tail.length > 20) tail.shift();
      options.onLine?.(line);
    }
  });
  const result = await child;
  options.signal?.removeEventListener('abort', interrupt);
  if (pending.trim() !== '') tail.push(pending);
  if ((result as { code?: string }).code === 'ENOENT') {
    throw new BerthError('FailedPrecondition', 'mmdebstrap is not installed', {
      hint: 'install the Debian package mmdebstrap (apt-get install mmdebstrap)',
    });
  }
  if (options.signal?.aborted === true) throw new BerthError('Cancelled', 'bootstrap interrupted');
  if (result.failed) {
    throw new BerthError(
      'Internal',
      `mmdebstrap failed (${result.exitCode === undefined ? messageOf(result) : `exit code ${result.exitCode}`}):\n${tail.join('\n')}`,
    );
  }
}
