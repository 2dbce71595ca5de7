// The few filesystem calls Node lacks — mknod (overlay whiteouts, device nodes, fifos) and l{set,get}xattr
// (opaque dirs, xattrs from layer tars) — done in batches by one short-lived perl process calling the syscalls
// directly. Why perl: perl-base is Essential on Debian, so it is on every host we run on, while setfattr needs
// the optional attr package, and coreutils' mknod would cost one process per whiteout. Invariant: nothing here
// follows a symlink (lsetxattr/lgetxattr; mknod creates and never opens).

import { spawn } from 'node:child_process';
import { BerthError } from '../../shared/errors.js';

export type SpecialOp =
  | { op: 'mknod'; path: string; mode: number; major: number; minor: number }
  | { op: 'setxattr'; path: string; name: string; value: Uint8Array };

export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFIFO = 0o010000;

export const OPAQUE_XATTR = 'trusted.overlay.opaque';

// Syscall numbers per architecture (asm/unistd.h). arm64 has no plain mknod, only mknodat.
const SYSCALLS: Record<string, { mknodAt: boolean; mknod: number; lsetxattr: number; lgetxattr: number }> = {
  x64: { mknodAt: false, mknod: 133, lsetxattr: 189, lgetxattr: 192 },
  arm64: { mknodAt: true, mknod: 33, lsetxattr: 6, lgetxattr: 9 },
};

const SCRIPT = String.raw`
use strict; umask 0; $| = 1;
my ($at, $nr_mknod, $nr_set, $nr_get) = map { 0 + $_ } @ARGV;
while (my $line = <STDIN>) {
  chomp $line;
  my ($i, $op, $hpath, $a, $b) = split / /, $line;
  my $path = pack("H*", $hpath);
  my $r;
  if ($op eq 'mknod') {
    my ($mode, $dev) = (0 + $a, 0 + $b);
    $r = $at ? syscall($nr_mknod, -100, $path, $mode, $dev) : syscall($nr_mknod, $path, $mode, $dev);
  } elsif ($op eq 'setxattr') {
    my $name = pack("H*", $a); my $val = pack("H*", defined $b ? $b : '');
    $r = syscall($nr_set, $path, $name, $val, length($val), 0);
  } elsif ($op eq 'getxattr') {
    my $name = pack("H*", $a); my $buf = "\0" x 65536;
    $r = syscall($nr_get, $path, $name, $buf, 65536);
    if ($r >= 0) { print "$i ok ", unpack("H*", substr($buf, 0, $r)), "\n"; next; }
    if ($!{ENODATA}) { print "$i none\n"; next; }
  }
  if ($r == -1) { print "$i err ", 0 + $!, " $!\n"; } else { print "$i ok\n"; }
}
`;

/** Runs the operations in order; the first failure throws an error naming the path. */
export async function applySpecialOps(ops: readonly SpecialOp[]): Promise<void> {
  if (ops.length === 0) return;
  const lines = ops.map((op, i) =>
    op.op === 'mknod'
      ? `${i} mknod ${hex(op.path)} ${op.mode} ${makedev(op.major, op.minor)}`
      : `${i} setxattr ${hex(op.path)} ${hex(op.name)} ${Buffer.from(op.value).toString('hex')}`,
  );
  const results = await runHelper(lines);
  for (const [i, result] of results.entries()) {
    if (result.startsWith('err ')) {
      const op = ops[i];
      const what = op?.op === 'mknod' ? 'mknod' : `setxattr ${op?.name ?? ''}`;
      throw new BerthError('Internal', `${what} ${op?.path ?? '?'}: ${result.slice(4)}`);
    }
  }
}

/** The value of xattr `name` on each path (not following symlinks); undefined where it is not set. */
export async function readXattrs(paths: readonly string[], name: string): Promise<Array<Buffer | undefined>> {
  if (paths.length === 0) return [];
  const results = await runHelper(paths.map((path, i) => `${i} getxattr ${hex(path)} ${hex(name)}`));
  return results.map((result, i) => {
    if (result === 'none') return undefined;
    if (result.startsWith('ok')) return Buffer.from(result.slice(3), 'hex');
    throw new BerthError('Internal', `getxattr ${name} ${paths[i] ?? '?'}: ${result.slice(4)}`);
  });
}

/** glibc's makedev: the dev_t the kernel expects for a major/minor pair. */
export function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major);
  const mi = BigInt(minor);
  return ((ma & 0xfffff000n) << 32n) | ((ma & 0xfffn) << 8n) | ((mi & 0xffffff00n) << 12n) | (mi & 0xffn);
}

function hex(text: string): string {
  return Buffer.from(text, 'utf8').toString('hex');
}

async function runHelper(lines: string[]): Promise<string[]> {
  const numbers = SYSCALLS[process.arch];
  if (numbers === undefined) {
    throw new BerthError('FailedPrecondition', `mknod/xattr helper has no syscall table for ${process.arch}`);
  }
  const args = [numbers.mknodAt ? 1 : 0, numbers.mknod, numbers.lsetxattr, numbers.lgetxattr].map(String);
  const child = spawn('perl', ['-e', SCRIPT, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exit = new Promise<number>((resolve, reject) => {
    child.on('error', (error) =>
      reject(new BerthError('FailedPrecondition', 'cannot run perl for mknod/xattr', { cause: error })),
    );
    child.on('close', (code) => resolve(code ?? -1));
  });
  child.stdin.on('error', () => undefined); // a crash is reported through the exit code below
  child.stdin.end(lines.join('\n') + '\n');
  const code = await exit;
  const results: string[] = new Array<string>(lines.length).fill('');
  for (const line of stdout.split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0) results[Number(line.slice(0, space))] = line.slice(space + 1);
  }
  if (code !== 0 || results.some((r) => r === '')) {
    throw new BerthError('Internal', `mknod/xattr helper failed (exit ${code}): ${stderr.trim()}`);
  }
  return results;
}
