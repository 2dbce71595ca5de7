// The defaults a Docker container gets, as data: capabilities, masked and read-only /proc and /sys
// paths, the standard mounts and the device cgroup allow-list.
// Invariant: these equal Docker's defaults, so an image behaves the same under berth as under Docker;
// change them only to follow Docker.
import type { OciDeviceCgroup, OciMount } from './oci-types.js';

/** Every capability of Linux up to 6.x, in kernel order (what `privileged` and `cap_add: ALL` give). */
export const ALL_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
]; // prettier-ignore

/** Docker's default capability set. */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL',
  'CAP_AUDIT_WRITE',
]; // prettier-ignore

/** Paths hidden from the container (a /dev/null bind over files, an empty read-only tmpfs over dirs). */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  '/proc/asound', '/proc/acpi', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats',
  '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware',
  '/sys/devices/virtual/powercap',
]; // prettier-ignore

/** Paths remounted read-only: kernel knobs that are not namespaced. */
export const DEFAULT_READONLY_PATHS: readonly string[] = [
  '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger',
]; // prettier-ignore

export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Where the init binary is bind-mounted, as Docker does with docker-init. */
export const INIT_PATH_IN_CONTAINER = '/sbin/docker-init';

/** The standard mounts of every container, before the user's. */
export function standardMounts(options: {
  privileged: boolean;
  shmSize: number;
  shmSource?: string;
}): OciMount[] {
  const sysOptions = options.privileged ? ['nosuid', 'noexec', 'nodev'] : ['nosuid', 'noexec', 'nodev', 'ro'];
  const shm: OciMount =
    options.shmSource === undefined
      ? {
          destination: '/dev/shm',
          type: 'tmpfs',
          source: 'shm',
          options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${options.shmSize}`],
        }
      : { destination: '/dev/shm', type: 'bind', source: options.shmSource, options: ['rbind', 'rprivate'] };
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: sysOptions },
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: [...(options.privileged ? [] : ['ro']), 'nosuid', 'noexec', 'nodev', 'relatime'],
    },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    shm,
  ];
}

/** Docker's device cgroup: deny all, allow mknod, and the standard character devices. */
export function defaultDeviceRules(): OciDeviceCgroup[] {
  const allowChar = (major: number, minor: number | undefined, access = 'rwm'): OciDeviceCgroup => ({
    allow: true,
    type: 'c',
    major,
    ...(minor === undefined ? {} : { minor }),
    access,
  });
  return [
    { allow: false, access: 'rwm' },
    { allow: true, type: 'c', access: 'm' },
    { allow: true, type: 'b', access: 'm' },
    allowChar(1, 3), // /dev/null
    allowChar(1, 8), // /dev/random
    allowChar(1, 7), // /dev/full
    allowChar(5, 0), // /dev/tty
    allowChar(1, 5), // /dev/zero
    allowChar(1, 9), // /dev/urandom
    allowChar(136, undefined), // /dev/pts/*
    allowChar(5, 2), // /dev/ptmx
    allowChar(10, 200), // /dev/net/tun
  ];
}
