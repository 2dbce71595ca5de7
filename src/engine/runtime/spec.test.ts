import { describe, expect, it } from 'vitest';
import { buildRuntimeSpec, resolveCapabilities } from './spec.js';
import { DEFAULT_CAPABILITIES } from './defaults.js';

const base = { rootfs: '/r', process: { args: ['sh'] } };

describe('buildRuntimeSpec', () => {
  it("gives Docker's defaults", () => {
    const spec = buildRuntimeSpec(base);
    expect(spec.ociVersion).toBe('1.0.2');
    expect(spec.root).toEqual({ path: '/r', readonly: false });
    expect(spec.process.args).toEqual(['sh']);
    expect(spec.process.cwd).toBe('/');
    expect(spec.process.user).toEqual({ uid: 0, gid: 0 });
    expect(spec.process.env).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
    expect(spec.process.rlimits).toBeUndefined();
    expect(spec.process.capabilities?.effective).toEqual([...DEFAULT_CAPABILITIES]);
    expect(spec.process.capabilities?.bounding).toHaveLength(14);
    expect(spec.linux.namespaces).toEqual([
      { type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'cgroup' }, { type: 'network' },
    ]); // prettier-ignore
    expect(spec.mounts.map((m) => `${m.destination} ${m.type}`)).toEqual([
      '/proc proc', '/dev tmpfs', '/dev/pts devpts', '/sys sysfs', '/sys/fs/cgroup cgroup', '/dev/mqueue mqueue',
      '/dev/shm tmpfs',
    ]); // prettier-ignore
    expect(spec.mounts.find((m) => m.destination === '/sys')?.options).toContain('ro');
    expect(spec.mounts.find((m) => m.destination === '/dev/shm')?.options).toContain('size=67108864');
    expect(spec.linux.maskedPaths).toContain('/proc/kcore');
    expect(spec.linux.readonlyPaths).toEqual([
      '/proc/bus',
      '/proc/fs',
      '/proc/irq',
      '/proc/sys',
      '/proc/sysrq-trigger',
    ]);
    expect(spec.linux.resources.devices?.[0]).toEqual({ allow: false, access: 'rwm' });
    expect(spec.linux.resources.devices).toContainEqual({
      allow: true,
      type: 'c',
      major: 1,
      minor: 3,
      access: 'rwm',
    });
    expect(spec.linux.seccomp?.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(spec.linux.seccomp?.defaultErrnoRet).toBe(1);
  });

  it('adds HOSTNAME, TERM and keeps given env over defaults', () => {
    const spec = buildRuntimeSpec({
      ...base,
      hostname: 'web',
      process: { args: ['sh'], env: ['PATH=/bin', 'A=1'], terminal: true },
    });
    expect(spec.hostname).toBe('web');
    expect(spec.process.env).toEqual(['PATH=/bin', 'HOSTNAME=web', 'A=1', 'TERM=xterm']);
    expect(spec.process.terminal).toBe(true);
  });

  it('joins given namespaces and leaves host ones out', () => {
    const spec = buildRuntimeSpec({
      ...base,
      hostname: 'h',
      namespaces: {
        network: { path: '/run/netns/x' },
        pid: 'host',
        ipc: { path: '/proc/9/ns/ipc' },
        uts: 'host',
      },
    });
    expect(spec.linux.namespaces).toEqual([
      { type: 'ipc', path: '/proc/9/ns/ipc' },
      { type: 'mount' },
      { type: 'cgroup' },
      { type: 'network', path: '/run/netns/x' },
    ]);
    expect(spec.hostname).toBeUndefined();
    expect(
      buildRuntimeSpec({ ...base, namespaces: { network: 'host' } }).linux.namespaces,
    ).not.toContainEqual({
      type: 'network',
    });
  });

  it('translates user mounts, sorted parents first, replacing standard ones', () => {
    const spec = buildRuntimeSpec({
      ...base,
      mounts: [
        { type: 'bind', source: '/v/data', destination: '/data/sub', readonly: true },
        { type: 'bind', source: '/v/top', destination: '/data', propagation: 'rslave' },
        { type: 'tmpfs', destination: '/dev/shm', size: 1024, mode: 0o1777 },
        { type: 'tmpfs', destination: '/run' },
      ],
    });
    const user = spec.mounts.slice(-4);
    expect(user).toEqual([
      { destination: '/data', type: 'bind', source: '/v/top', options: ['rbind', 'rslave'] },
      { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec'] },
      { destination: '/data/sub', type: 'bind', source: '/v/data', options: ['rbind', 'rprivate', 'ro'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', 'size=1024', 'mode=1777'] },
    ]); // prettier-ignore
    expect(spec.mounts.filter((m) => m.destination === '/dev/shm')).toHaveLength(1);
  });

  it('sets cgroup limits the Docker way', () => {
    const spec = buildRuntimeSpec({
      ...base,
      resources: {
        memory: 512 * 1024 * 1024,
        memorySwap: 1024 * 1024 * 1024,
        cpus: 1.5,
        cpuShares: 512,
        pidsLimit: 100,
      },
    });
    expect(spec.linux.resources.memory).toEqual({ limit: 536870912, swap: 1073741824 });
    expect(spec.linux.resources.cpu).toEqual({ period: 100000, quota: 150000, shares: 512 });
    expect(spec.linux.resources.pids).toEqual({ limit: 100 });
    expect(buildRuntimeSpec({ ...base, resources: { pidsLimit: -1 } }).linux.resources.pids).toBeUndefined();
    expect(() => buildRuntimeSpec({ ...base, resources: { memory: 100, memorySwap: 50 } })).toThrow(
      'Minimum memoryswap limit should be larger than memory limit',
    );
  });

  it('runs the init in front of the command, bind-mounted read-only', () => {
    const spec = buildRuntimeSpec({ ...base, init: { hostPath: '/usr/bin/tini-static' } });
    expect(spec.process.args).toEqual(['/sbin/docker-init', '--', 'sh']);
    expect(spec.mounts).toContainEqual({
      destination: '/sbin/docker-init',
      type: 'bind',
      source: '/usr/bin/tini-static',
      options: ['bind', 'ro'],
    });
  });

  it('drops confinement when privileged', () => {
    const spec = buildRuntimeSpec({ ...base, privileged: true });
    expect(spec.process.capabilities?.effective).toContain('CAP_SYS_ADMIN');
    expect(spec.linux.seccomp).toBeUndefined();
    expect(spec.linux.maskedPaths).toBeUndefined();
    expect(spec.linux.readonlyPaths).toBeUndefined();
    expect(spec.linux.resources.devices).toEqual([{ allow: true, access: 'rwm' }]);
    expect(spec.mounts.find((m) => m.destination === '/sys')?.options).not.toContain('ro');
  });

  it('honours seccomp=unconfined, rlimits, sysctls, devices, read-only rootfs, user', () => {
    const spec = buildRuntimeSpec({
      ...base,
      seccomp: 'unconfined',
      readonlyRootfs: true,
      sysctls: { 'net.core.somaxconn': '1024' },
      devices: [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229 }],
      process: {
        args: ['sh'],
        rlimits: [{ type: 'nofile', soft: 10, hard: 20 }],
        user: { uid: 1000, gid: 1000, additionalGids: [10] },
        noNewPrivileges: true,
        oomScoreAdj: 500,
      },
    });
    expect(spec.linux.seccomp).toBeUndefined();
    expect(spec.root.readonly).toBe(true);
    expect(spec.linux.sysctl).toEqual({ 'net.core.somaxconn': '1024' });
    expect(spec.linux.devices).toEqual([
      { type: 'c', path: '/dev/fuse', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 },
    ]);
    expect(spec.linux.resources.devices?.at(-1)).toEqual({
      allow: true,
      type: 'c',
      major: 10,
      minor: 229,
      access: 'rwm',
    });
    expect(spec.process.rlimits).toEqual([{ type: 'RLIMIT_NOFILE', soft: 10, hard: 20 }]);
    expect(spec.process.user).toEqual({ uid: 1000, gid: 1000, additionalGids: [10] });
    expect(spec.process.noNewPrivileges).toBe(true);
    expect(spec.process.oomScoreAdj).toBe(500);
    expect(() => buildRuntimeSpec({ ...base, process: { args: [] } })).toThrow('no command specified');
  });
});

describe('resolveCapabilities', () => {
  it('adds and drops by short or full name', () => {
    const caps = resolveCapabilities(['net_admin'], ['CAP_CHOWN', 'MKNOD']);
    expect(caps).toContain('CAP_NET_ADMIN');
    expect(caps).not.toContain('CAP_CHOWN');
    expect(caps).not.toContain('CAP_MKNOD');
    expect(caps).toHaveLength(13);
  });
  it('handles ALL on either side', () => {
    expect(resolveCapabilities([], ['ALL'])).toEqual([]);
    expect(resolveCapabilities(['KILL'], ['ALL'])).toEqual(['CAP_KILL']);
    expect(resolveCapabilities(['ALL'], ['SYS_ADMIN'])).not.toContain('CAP_SYS_ADMIN');
    expect(resolveCapabilities(['ALL'], [])).toHaveLength(41);
  });
  it('rejects unknown capabilities', () => {
    expect(() => resolveCapabilities(['FOO'], [])).toThrow('unknown capability: "FOO"');
  });
});
