import { describe, expect, it } from 'vitest';
import { BerthError } from '../../shared/errors.js';
import { VolumeStore } from '../volume/index.js';
import { ZERO_TIME, type ContainerRecord, type MountRecord } from './record.js';
import { ContainerStorage, volumeUsers } from './storage.js';
import { mountPoints } from './view.js';

// plan() decides without touching the volume store (provision() is where volumes are made).
const storage = new ContainerStorage({ volumes: new VolumeStore({ root: '/state' }) });

function record(
  id: string,
  mounts: MountRecord[],
  hostConfig: ContainerRecord['hostConfig'] = {},
): ContainerRecord {
  return {
    id,
    name: id,
    created: ZERO_TIME,
    image: 'busybox',
    imageId: 'sha256:x',
    layers: [],
    path: 'true',
    args: [],
    config: {},
    hostConfig,
    state: {
      status: 'created',
      pid: 0,
      exitCode: 0,
      error: '',
      oomKilled: false,
      startedAt: ZERO_TIME,
      finishedAt: ZERO_TIME,
    },
    restartCount: 0,
    mounts,
  };
}

const sourceHost = { Binds: ['data:/data', '/host:/h:ro'], Tmpfs: { '/t': '' } };
const source = record(
  'src',
  storage
    .plan({ hostConfig: sourceHost, volumes: [] }, () => {
      throw new BerthError('NotFound', 'none');
    })
    .map((m) => ({ ...m, hostPath: m.kind === 'volume' ? '/state/volumes/data/_data' : '' })),
  sourceHost,
);

const lookup = (reference: string): ContainerRecord => {
  if (reference === 'src') return source;
  throw new BerthError('NotFound', `No such container: ${reference}`);
};

describe('ContainerStorage.plan', () => {
  it('puts explicit mounts first, then VolumesFrom, then anonymous volumes for targets still free', () => {
    const plan = storage.plan(
      {
        hostConfig: { Binds: ['/other:/data'], VolumesFrom: ['src:ro'] },
        volumes: ['/data', '/h', '/cache/'],
      },
      lookup,
    );
    expect(plan.map((m) => [m.kind, m.source, m.target, m.readOnly, m.anonymous])).toEqual([
      ['bind', '/other', '/data', false, false],
      ['bind', '/host', '/h', true, false],
      ['volume', '', '/cache', false, true],
    ]);
  });

  it('copies volumes read-write when asked, keeps their mode otherwise, and never copies tmpfs', () => {
    const rw = storage.plan({ hostConfig: { VolumesFrom: ['src:rw'] }, volumes: [] }, lookup);
    expect(rw.map((m) => [m.target, m.readOnly])).toEqual([
      ['/data', false],
      ['/h', false],
    ]);
    const kept = storage.plan({ hostConfig: { VolumesFrom: ['src'] }, volumes: [] }, lookup);
    expect(kept.map((m) => [m.target, m.readOnly])).toEqual([
      ['/data', false],
      ['/h', true],
    ]);
  });

  it('refuses bad modes, unknown containers and duplicate targets', () => {
    expect(() => storage.plan({ hostConfig: { VolumesFrom: ['src:rx'] }, volumes: [] }, lookup)).toThrow(
      'invalid mode for volumes-from: rx',
    );
    expect(() => storage.plan({ hostConfig: { VolumesFrom: ['gone'] }, volumes: [] }, lookup)).toThrow(
      'No such container: gone',
    );
    expect(() =>
      storage.plan({ hostConfig: { Binds: ['a:/x'], Tmpfs: { '/x': '' } }, volumes: [] }, lookup),
    ).toThrow('Duplicate mount point: /x');
  });
});

describe('volume users and mount views', () => {
  it('names the containers whose records use a volume', () => {
    expect(volumeUsers([source, record('other', [])], 'data')).toEqual(['src']);
    expect(volumeUsers([source], 'elsewhere')).toEqual([]);
  });

  it('lists mounts as Docker does, leaving out HostConfig.Tmpfs entries', () => {
    const volume = {
      Type: 'volume',
      Name: 'data',
      Source: '/state/volumes/data/_data',
      Destination: '/data',
      Driver: 'local',
      Mode: 'z',
      RW: true,
      Propagation: '',
    };
    const bind = {
      Type: 'bind',
      Source: '/host',
      Destination: '/h',
      Mode: 'ro',
      RW: false,
      Propagation: 'rprivate',
    };
    expect(mountPoints(source)).toEqual([volume, bind]);
    // A tmpfs from --mount (not HostConfig.Tmpfs) is listed.
    expect(mountPoints(record('shown', source.mounts ?? []))).toEqual([
      volume,
      bind,
      { Type: 'tmpfs', Source: '', Destination: '/t', Mode: '', RW: true, Propagation: '' },
    ]);
  });
});
