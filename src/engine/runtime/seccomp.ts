// berth's default seccomp profile: an allow-list in the spirit of Docker's default profile. Whatever
// normal programs use is allowed; syscalls that reach past the container (module loading, kexec, reboot,
// the kernel keyring, bpf, perf, userfaultfd, new mounts and namespaces) are refused with EPERM unless the
// container holds the capability that governs them.
// Invariant: the profile is pure data computed from the capability set; it never widens what a
// capability grants, and names unknown to the host's libseccomp are skipped by the runtime, not fatal.
import type { OciSeccomp, OciSyscallRule } from './oci-types.js';

const EPERM = 1;
const ENOSYS = 38;

/** Syscalls any unprivileged program may make (file I/O, memory, signals, time, sockets, IPC, threads). */
const ALWAYS_ALLOWED: readonly string[] = words(`
  // files and directories
  access faccessat faccessat2 open openat openat2 creat close close_range read
  readv pread64 preadv preadv2 write writev pwrite64 pwritev pwritev2 lseek
  _llseek stat stat64 lstat lstat64 fstat fstat64 fstatat64 newfstatat statx
  statfs statfs64 fstatfs fstatfs64 getdents getdents64 getcwd chdir fchdir mkdir
  mkdirat rmdir rename renameat renameat2 link linkat unlink unlinkat symlink
  symlinkat readlink readlinkat chmod fchmod fchmodat fchmodat2 chown chown32
  fchown fchown32 fchownat lchown lchown32 umask truncate truncate64 ftruncate
  ftruncate64 fallocate fadvise64 fadvise64_64 readahead fsync fdatasync sync syncfs
  sync_file_range flock fcntl fcntl64 dup dup2 dup3 pipe pipe2 splice tee
  vmsplice sendfile sendfile64 copy_file_range utime utimes utimensat
  utimensat_time64 futimesat mknod mknodat name_to_handle_at ioctl cachestat
  // extended attributes
  getxattr lgetxattr fgetxattr setxattr lsetxattr fsetxattr listxattr llistxattr
  flistxattr removexattr lremovexattr fremovexattr
  // event notification and polling
  poll ppoll ppoll_time64 select _newselect pselect6 pselect6_time64 epoll_create
  epoll_create1 epoll_ctl epoll_ctl_old epoll_wait epoll_wait_old epoll_pwait
  epoll_pwait2 eventfd eventfd2 signalfd signalfd4 timerfd_create timerfd_gettime
  timerfd_gettime64 timerfd_settime timerfd_settime64 inotify_init inotify_init1
  inotify_add_watch inotify_rm_watch fanotify_mark
  // async I/O
  io_setup io_destroy io_submit io_cancel io_getevents io_pgetevents io_pgetevents_time64
  ioprio_get ioprio_set
  // memory
  brk mmap mmap2 munmap mremap mprotect madvise mincore msync mlock mlock2
  mlockall munlock munlockall remap_file_pages memfd_create memfd_secret membarrier
  pkey_alloc pkey_free pkey_mprotect map_shadow_stack process_mrelease
  // processes, threads and identity
  execve execveat fork vfork exit exit_group wait4 waitid waitpid getpid
  getppid gettid getpgid setpgid getpgrp getsid setsid getuid getuid32 geteuid
  geteuid32 getgid getgid32 getegid getegid32 getresuid getresuid32 getresgid
  getresgid32 getgroups getgroups32 setuid setuid32 setgid setgid32 setreuid
  setreuid32 setregid setregid32 setresuid setresuid32 setresgid setresgid32
  setgroups setgroups32 setfsuid setfsuid32 setfsgid setfsgid32 capget capset
  prctl arch_prctl modify_ldt set_tid_address set_thread_area get_thread_area
  set_robust_list get_robust_list rseq futex futex_time64 futex_waitv futex_wake
  futex_wait futex_requeue getpriority setpriority getrlimit ugetrlimit setrlimit
  prlimit64 getrusage times sched_yield sched_getaffinity sched_setaffinity
  sched_getparam sched_setparam sched_getscheduler sched_setscheduler sched_getattr
  sched_setattr sched_get_priority_max sched_get_priority_min sched_rr_get_interval
  sched_rr_get_interval_time64 getcpu pidfd_open pidfd_send_signal seccomp
  landlock_create_ruleset landlock_add_rule landlock_restrict_self
  // signals and timers
  kill tkill tgkill rt_sigaction rt_sigprocmask rt_sigpending rt_sigqueueinfo
  rt_tgsigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait rt_sigtimedwait_time64
  sigaltstack sigprocmask sigreturn restart_syscall pause alarm nanosleep
  clock_nanosleep clock_nanosleep_time64 clock_gettime clock_gettime64 clock_getres
  clock_getres_time64 clock_adjtime clock_adjtime64 adjtimex gettimeofday time
  getitimer setitimer timer_create timer_delete timer_getoverrun timer_gettime
  timer_gettime64 timer_settime timer_settime64 getrandom sysinfo uname
  // sockets (socket itself is filtered below)
  socketpair socketcall bind listen accept accept4 connect getsockname getpeername
  getsockopt setsockopt send sendto sendmsg sendmmsg recv recvfrom recvmsg
  recvmmsg recvmmsg_time64 shutdown
  // System V and POSIX IPC (scoped by the IPC namespace)
  ipc msgget msgsnd msgrcv msgctl semget semop semtimedop semtimedop_time64
  semctl shmget shmat shmdt shmctl mq_open mq_unlink mq_timedsend
  mq_timedsend_time64 mq_timedreceive mq_timedreceive_time64 mq_notify mq_getsetattr
`);

/** Syscalls granted only with a capability: the capability is what makes them safe to allow. */
const BY_CAPABILITY: Readonly<Record<string, readonly string[]>> = {
  CAP_SYS_ADMIN: [
    'bpf',
    'clone',
    'clone3',
    'fanotify_init',
    'fsconfig',
    'fsmount',
    'fsopen',
    'fspick',
    'lookup_dcookie',
    'mount',
    'mount_setattr',
    'move_mount',
    'open_tree',
    'perf_event_open',
    'quotactl',
    'quotactl_fd',
    'setdomainname',
    'sethostname',
    'setns',
    'syslog',
    'umount',
    'umount2',
    'unshare',
    'pivot_root',
  ],
  CAP_SYS_BOOT: ['reboot'],
  CAP_SYS_CHROOT: ['chroot'],
  CAP_SYS_MODULE: ['init_module', 'finit_module', 'delete_module'],
  CAP_SYS_PACCT: ['acct'],
  CAP_SYS_PTRACE: [
    'kcmp',
    'pidfd_getfd',
    'process_madvise',
    'process_vm_readv',
    'process_vm_writev',
    'ptrace',
  ],
  CAP_SYS_RAWIO: ['iopl', 'ioperm'],
  CAP_SYS_TIME: ['settimeofday', 'stime', 'clock_settime', 'clock_settime64'],
  CAP_SYS_TTY_CONFIG: ['vhangup'],
  CAP_SYS_NICE: ['get_mempolicy', 'mbind', 'set_mempolicy', 'set_mempolicy_home_node'],
  CAP_SYSLOG: ['syslog'],
  CAP_BPF: ['bpf'],
  CAP_PERFMON: ['perf_event_open'],
  CAP_DAC_READ_SEARCH: ['open_by_handle_at'],
};

/** Syscalls that are safe on kernels from 4.8 on (before it, ptrace could bypass seccomp). */
const SINCE_KERNEL_4_8: readonly string[] = ['ptrace', 'process_vm_readv', 'process_vm_writev', 'kcmp'];

// Flags of clone(2) that create namespaces; without CAP_SYS_ADMIN clone is allowed only without them.
/** Splits a block of names separated by white space; lines starting with // are comments. */
function words(block: string): string[] {
  return block
    .split('\n')
    .filter((line) => !line.trim().startsWith('//'))
    .join(' ')
    .split(/\s+/)
    .filter((name) => name !== '');
}

const CLONE_NAMESPACE_FLAGS = 0x7e020000;
const AF_VSOCK = 40;
// personality(2) values programs legitimately use: PER_LINUX, UNAME26, PER_LINUX32, their mix, and query.
const PERSONALITIES = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff];

const ARCHITECTURES: Readonly<Record<string, string[]>> = {
  x64: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
  arm64: ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
};

export interface SeccompOptions {
  /** The process's effective capabilities, `CAP_` names. */
  capabilities: readonly string[];
  /** Node's name of the host architecture (`x64`, `arm64`). */
  arch: string;
  /** Host kernel [major, minor]; unknown means a modern kernel. */
  kernel?: readonly [number, number];
}

/** The default profile for a process with these capabilities. */
export function defaultSeccompProfile(options: SeccompOptions): OciSeccomp {
  const caps = new Set(options.capabilities);
  const kernelAtLeast48 =
    options.kernel === undefined ||
    options.kernel[0] > 4 ||
    (options.kernel[0] === 4 && options.kernel[1] >= 8);

  const allowed = new Set(ALWAYS_ALLOWED);
  if (kernelAtLeast48) for (const name of SINCE_KERNEL_4_8) allowed.add(name);
  for (const [cap, names] of Object.entries(BY_CAPABILITY)) {
    if (caps.has(cap)) for (const name of names) allowed.add(name);
  }

  const syscalls: OciSyscallRule[] = [{ names: [...allowed].sort(), action: 'SCMP_ACT_ALLOW' }];
  syscalls.push({
    names: ['personality'],
    action: 'SCMP_ACT_ALLOW',
    // Several values, one rule each: seccomp ANDs the arguments of a single rule.
    args: [{ index: 0, value: PERSONALITIES[0] ?? 0, op: 'SCMP_CMP_EQ' }],
  });
  for (const value of PERSONALITIES.slice(1)) {
    syscalls.push({
      names: ['personality'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, value, op: 'SCMP_CMP_EQ' }],
    });
  }
  syscalls.push({
    names: ['socket'],
    action: 'SCMP_ACT_ALLOW',
    args: [{ index: 0, value: AF_VSOCK, op: 'SCMP_CMP_NE' }],
  });
  if (!caps.has('CAP_SYS_ADMIN')) {
    syscalls.push({
      names: ['clone'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
    });
    // clone3 passes its flags in memory seccomp cannot read: answer ENOSYS so libc falls back to clone.
    syscalls.push({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS });
  }

  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: EPERM,
    architectures: ARCHITECTURES[options.arch] ?? [],
    syscalls,
  };
}
