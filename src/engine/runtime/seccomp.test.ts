import { describe, expect, it } from 'vitest';
import { defaultSeccompProfile } from './seccomp.js';
import { DEFAULT_CAPABILITIES } from './defaults.js';

const allowed = (profile: ReturnType<typeof defaultSeccompProfile>): string[] =>
  profile.syscalls
    .filter((rule) => rule.action === 'SCMP_ACT_ALLOW' && rule.args === undefined)
    .flatMap((r) => r.names);

describe('defaultSeccompProfile', () => {
  const profile = defaultSeccompProfile({ capabilities: DEFAULT_CAPABILITIES, arch: 'x64' });
  it('allows what programs use and refuses what reaches past the container', () => {
    for (const name of ['read', 'openat', 'execve', 'futex', 'chroot', 'ptrace'])
      expect(allowed(profile)).toContain(name);
    for (const name of [
      'kexec_load',
      'open_by_handle_at',
      'init_module',
      'reboot',
      'mount',
      'umount2',
      'keyctl',
      'add_key',
      'bpf',
      'perf_event_open',
      'userfaultfd',
      'unshare',
      'setns',
    ]) {
      expect(allowed(profile)).not.toContain(name);
    }
    expect(profile.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  });
  it('guards clone, clone3, socket and personality by argument', () => {
    expect(profile.syscalls).toContainEqual({
      names: ['clone'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
    });
    expect(profile.syscalls).toContainEqual({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 });
    expect(profile.syscalls).toContainEqual({
      names: ['socket'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, value: 40, op: 'SCMP_CMP_NE' }],
    });
    expect(profile.syscalls.filter((r) => r.names[0] === 'personality')).toHaveLength(5);
  });
  it('grants syscalls with the capability that governs them', () => {
    const admin = defaultSeccompProfile({
      capabilities: [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN'],
      arch: 'x64',
    });
    expect(allowed(admin)).toEqual(
      expect.arrayContaining(['mount', 'umount2', 'unshare', 'setns', 'clone', 'clone3']),
    );
    expect(
      admin.syscalls.find((r) => r.names[0] === 'clone3' && r.action === 'SCMP_ACT_ERRNO'),
    ).toBeUndefined();
    expect(allowed(defaultSeccompProfile({ capabilities: ['CAP_SYS_MODULE'], arch: 'arm64' }))).toContain(
      'init_module',
    );
  });
  it('refuses ptrace before kernel 4.8', () => {
    expect(allowed(defaultSeccompProfile({ capabilities: [], arch: 'x64', kernel: [4, 4] }))).not.toContain(
      'ptrace',
    );
    expect(allowed(defaultSeccompProfile({ capabilities: [], arch: 'x64', kernel: [5, 10] }))).toContain(
      'ptrace',
    );
  });
});
