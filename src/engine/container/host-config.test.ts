import { describe, expect, it } from 'vitest';
import {
  checkHostConfig,
  hostResources,
  networkNamespace,
  parseNetworkMode,
  parseSize,
  securitySettings,
} from './host-config.js';

describe('sizes, resources, security, network', () => {
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

  it('parses every network mode Docker accepts', () => {
    expect(
      ['', undefined, 'default', 'bridge', 'none', 'host', 'container:web', 'app_net'].map(parseNetworkMode),
    ).toEqual([
      { kind: 'network', name: 'bridge' },
      { kind: 'network', name: 'bridge' },
      { kind: 'network', name: 'bridge' },
      { kind: 'network', name: 'bridge' },
      { kind: 'none' },
      { kind: 'host' },
      { kind: 'container', target: 'web' },
      { kind: 'network', name: 'app_net' },
    ]);
    expect(() => parseNetworkMode('container:')).toThrow('invalid network mode: container:');
  });

  it('checks limits at create', () => {
    expect(() => checkHostConfig({ Memory: 1024 })).toThrow('Minimum memory limit allowed is 6MB');
    expect(() => checkHostConfig({ Ulimits: [{ Name: 'nofile', Soft: 2, Hard: 1 }] })).toThrow(
      'ulimit soft limit',
    );
  });
});
