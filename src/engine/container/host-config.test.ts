import { describe, expect, it } from 'vitest';
import {
  checkHostConfig,
  hostMounts,
  hostResources,
  networkNamespace,
  parseSize,
  parseTmpfsOptions,
  securitySettings,
} from './host-config.js';

describe('hostMounts', () => {
  it('parses binds, mounts and tmpfs', () => {
    const { mounts, bindSources } = hostMounts({
      Binds: ['/src:/dst:ro,rslave'],
      Mounts: [{ Type: 'tmpfs', Target: '/cache', TmpfsOptions: { SizeBytes: 1024 } }],
      Tmpfs: { '/run': 'size=1m,mode=1777' },
    });
    expect(mounts).toEqual([
      { type: 'bind', source: '/src', destination: '/dst', readonly: true, propagation: 'rslave' },
      { type: 'tmpfs', destination: '/cache', readonly: false, size: 1024 },
      {
        type: 'tmpfs',
        destination: '/run',
        options: ['nosuid', 'nodev', 'noexec'],
        size: 1048576,
        mode: 0o1777,
      },
    ]);
    expect(bindSources).toEqual([{ source: '/src', create: true }]);
  });

  it('refuses named volumes (501), duplicates and relative targets', () => {
    expect(() => hostMounts({ Binds: ['data:/data'] })).toThrow(
      "named volume 'data' (data:/data) is not implemented by berth's engine",
    );
    expect(() => hostMounts({ Mounts: [{ Type: 'volume', Source: 'v', Target: '/v' }] })).toThrow(
      'is not implemented',
    );
    expect(() => hostMounts({ Binds: ['/a:/x', '/b:/x/'] })).toThrow('Duplicate mount point: /x');
    expect(() => hostMounts({ Binds: ['/a:rel'] })).toThrow('mount path must be absolute: rel');
  });
});

describe('sizes, tmpfs options, resources, security, network', () => {
  it('parses sizes as Docker does', () => {
    expect([
      parseSize('64m'),
      parseSize('1g'),
      parseSize('512k'),
      parseSize('100'),
      parseSize('2MB'),
    ]).toEqual([67108864, 1073741824, 524288, 100, 2097152]);
    expect(() => parseSize('lots')).toThrow("invalid size: 'lots'");
  });

  it('turns tmpfs options into mount flags', () => {
    expect(parseTmpfsOptions('ro,exec,uid=1000')).toEqual({
      options: ['nosuid', 'nodev', 'uid=1000'],
      readonly: true,
    });
  });

  it('maps resources', () => {
    expect(
      hostResources({
        Memory: 1 << 26,
        MemorySwap: -1,
        NanoCpus: 1_500_000_000,
        CpuShares: 512,
        PidsLimit: 50,
      }),
    ).toEqual({
      memory: 1 << 26,
      memorySwap: -1,
      cpus: 1.5,
      cpuShares: 512,
      pidsLimit: 50,
    });
    expect(hostResources({ CpuQuota: 50_000, CpuPeriod: 100_000 })).toEqual({ cpus: 0.5 });
  });

  it('reads security options', () => {
    expect(securitySettings(['no-new-privileges', 'seccomp=unconfined'])).toEqual({
      noNewPrivileges: true,
      seccomp: 'unconfined',
    });
    expect(securitySettings(['no-new-privileges:false'])).toEqual({
      noNewPrivileges: false,
      seccomp: 'default',
    });
    expect(() => securitySettings(['bogus'])).toThrow('invalid --security-opt: "bogus"');
  });

  it('gives none/default/bridge a loopback-only namespace and refuses others', () => {
    expect(['none', 'default', 'bridge', '', undefined].map((m) => networkNamespace(m))).toEqual([
      'none',
      'none',
      'none',
      'none',
      'none',
    ]);
    expect(networkNamespace('host')).toBe('host');
    expect(() => networkNamespace('mynet')).toThrow('network mode "mynet" is not implemented');
  });

  it('checks limits at create', () => {
    expect(() => checkHostConfig({ Memory: 1024 })).toThrow('Minimum memory limit allowed is 6MB');
    expect(() => checkHostConfig({ Ulimits: [{ Name: 'nofile', Soft: 2, Hard: 1 }] })).toThrow(
      'ulimit soft limit',
    );
  });
});
