import { describe, expect, it } from 'vitest';
import { parseApiMount, parseBind, translateMounts } from './mount-spec.js';

const empty = {
  propagation: undefined,
  noCopy: false,
  subpath: undefined,
  labels: undefined,
  tmpfs: undefined,
  createHostPath: false,
  nonRecursive: false,
  mode: '',
};

describe('parseBind', () => {
  it('reads a named volume with modes', () => {
    expect(parseBind('data:/var/lib/data:ro,nocopy')).toEqual({
      ...empty,
      kind: 'volume',
      source: 'data',
      target: '/var/lib/data',
      readOnly: true,
      noCopy: true,
      mode: 'ro,nocopy',
    });
    expect(parseBind('data:/d').mode).toBe('z');
  });
  it('reads a host bind with propagation, created when missing', () => {
    expect(parseBind('/host/dir:/ctr/:ro,rshared')).toEqual({
      ...empty,
      kind: 'bind',
      source: '/host/dir',
      target: '/ctr',
      readOnly: true,
      propagation: 'rshared',
      createHostPath: true,
      mode: 'ro,rshared',
    });
    expect(parseBind('/h:/c').propagation).toBe('rprivate');
  });
  it('reads an anonymous volume', () => {
    expect(parseBind('/data')).toEqual({
      ...empty,
      kind: 'volume',
      source: '',
      target: '/data',
      readOnly: false,
    });
  });
  it('rejects bad specs with Docker messages', () => {
    expect(() => parseBind('/data:ro')).toThrow("invalid volume specification: '/data:ro'");
    expect(() => parseBind('a:b:c:d')).toThrow("invalid volume specification: 'a:b:c:d'");
    expect(() => parseBind('v:/x:bogus')).toThrow('invalid mode: bogus');
    expect(() => parseBind('v:/x:ro,rw')).toThrow('invalid mode: ro,rw');
    expect(() => parseBind('/h:/x:nocopy')).toThrow('invalid mode: nocopy');
    expect(() => parseBind('v:rel')).toThrow(
      `invalid volume specification: 'v:rel': invalid mount config for type "volume": invalid mount path: 'rel' mount path must be absolute`,
    );
    expect(() => parseBind('v:/')).toThrow("invalid specification: destination can't be '/'");
  });
});

describe('parseApiMount', () => {
  it('reads volume options', () => {
    expect(
      parseApiMount({
        Type: 'volume',
        Source: 'v',
        Target: '/d',
        ReadOnly: true,
        VolumeOptions: { NoCopy: true, Subpath: 'a/b', Labels: { x: 'y' } },
      }),
    ).toEqual({
      ...empty,
      kind: 'volume',
      source: 'v',
      target: '/d',
      readOnly: true,
      noCopy: true,
      subpath: 'a/b',
      labels: { x: 'y' },
    });
  });
  it('reads bind and tmpfs options', () => {
    expect(
      parseApiMount({
        Type: 'bind',
        Source: '/h',
        Target: '/c',
        BindOptions: { Propagation: 'rslave', CreateMountpoint: true, NonRecursive: true },
      }),
    ).toEqual({
      ...empty,
      kind: 'bind',
      source: '/h',
      target: '/c',
      readOnly: false,
      propagation: 'rslave',
      createHostPath: true,
      nonRecursive: true,
    });
    expect(
      parseApiMount({ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1048576, Mode: 0o700 } }),
    ).toEqual({
      ...empty,
      kind: 'tmpfs',
      source: '',
      target: '/t',
      readOnly: false,
      tmpfs: { size: 1048576, mode: 0o700, options: ['nosuid', 'nodev', 'noexec'] },
    });
  });
  it('rejects bad mounts with Docker messages', () => {
    expect(() => parseApiMount({ Type: 'nfs', Target: '/x' })).toThrow(
      'invalid mount config for type "nfs": mount type unknown',
    );
    expect(() => parseApiMount({ Type: 'bind', Target: '/x' })).toThrow(
      'invalid mount config for type "bind": field Source must not be empty',
    );
    expect(() => parseApiMount({ Type: 'volume', Source: 'v' })).toThrow(
      'invalid mount config for type "volume": field Target must not be empty',
    );
    expect(() => parseApiMount({ Type: 'tmpfs', Source: 'x', Target: '/t' })).toThrow(
      'invalid mount config for type "tmpfs": field Source must not be specified',
    );
    expect(() =>
      parseApiMount({ Type: 'bind', Source: '/h', Target: '/c', VolumeOptions: { NoCopy: true } }),
    ).toThrow('invalid mount config for type "bind": field VolumeOptions must not be specified');
    expect(() =>
      parseApiMount({ Type: 'volume', Source: 'v', Target: '/c', VolumeOptions: { Subpath: '../x' } }),
    ).toThrow('invalid mount config for type "volume": subpath must not contain "..": ../x');
    expect(() => parseApiMount({ Type: 'volume', Target: 'c' })).toThrow(
      `invalid mount config for type "volume": invalid mount path: 'c' mount path must be absolute`,
    );
  });
});

describe('translateMounts', () => {
  it('merges all forms and adds anonymous volumes not already covered', () => {
    const specs = translateMounts({
      binds: ['data:/data'],
      mounts: [{ Type: 'tmpfs', Target: '/run' }],
      tmpfs: { '/cache': 'size=64m,mode=1777' },
      volumes: { '/data': {}, '/logs/': {} },
    });
    expect(specs.map((s) => [s.kind, s.source, s.target])).toEqual([
      ['volume', 'data', '/data'],
      ['tmpfs', '', '/run'],
      ['tmpfs', '', '/cache'],
      ['volume', '', '/logs'],
    ]);
    expect(specs[2]?.tmpfs).toEqual({
      size: 64 * 1024 * 1024,
      mode: 0o1777,
      options: ['nosuid', 'nodev', 'noexec'],
    });
  });
  it('turns tmpfs options into mount flags', () => {
    const [spec] = translateMounts({ tmpfs: { '/t': 'ro,exec,uid=1000,noatime' } });
    expect(spec?.readOnly).toBe(true);
    expect(spec?.tmpfs).toEqual({
      size: undefined,
      mode: undefined,
      options: ['nosuid', 'nodev', 'uid=1000', 'noatime'],
    });
  });
  it('refuses duplicate targets', () => {
    expect(() => translateMounts({ binds: ['a:/x', '/h:/x/'] })).toThrow('Duplicate mount point: /x');
  });
});
