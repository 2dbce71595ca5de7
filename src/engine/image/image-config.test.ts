import { describe, expect, it } from 'vitest';
import { chainIds, sha256Of } from './digest.js';
import { layerHistory, parseImageConfig } from './image-config.js';
import { applyChanges } from './import-changes.js';

const d1 = `sha256:${'1'.repeat(64)}` as const;
const d2 = `sha256:${'2'.repeat(64)}` as const;

describe('parseImageConfig', () => {
  it('reads the fields the runtime needs, with defaults', () => {
    const config = parseImageConfig({
      architecture: 'amd64',
      os: 'linux',
      created: '2024-01-01T00:00:00Z',
      config: {
        Env: ['PATH=/bin'],
        Cmd: ['sh'],
        WorkingDir: '/w',
        User: 'app',
        ExposedPorts: { '80/tcp': {}, '53/udp': {} },
        Volumes: { '/data': {} },
        Labels: { a: 'b', n: 1 },
        StopSignal: 'SIGQUIT',
        Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 1e9, Retries: 2 },
      },
      rootfs: { type: 'layers', diff_ids: [d1, d2] },
      history: [{ created_by: 'a' }, { created_by: 'b', empty_layer: true }, { created_by: 'c' }],
    });
    expect(config.config).toEqual({
      user: 'app',
      exposedPorts: ['53/udp', '80/tcp'],
      env: ['PATH=/bin'],
      entrypoint: undefined,
      cmd: ['sh'],
      volumes: ['/data'],
      workingDir: '/w',
      labels: { a: 'b' },
      stopSignal: 'SIGQUIT',
      healthcheck: {
        test: ['CMD-SHELL', 'true'],
        interval: 1e9,
        timeout: 0,
        startPeriod: 0,
        startInterval: 0,
        retries: 2,
      },
      argsEscaped: false,
      shell: undefined,
      onBuild: [],
    });
    expect(config.diffIds).toEqual([d1, d2]);
    expect(layerHistory(config).map((h) => [h.entry.createdBy, h.layer])).toEqual([
      ['a', 0],
      ['b', undefined],
      ['c', 1],
    ]);
  });

  it('requires rootfs.diff_ids as sha256 digests', () => {
    expect(() => parseImageConfig({})).toThrow('invalid image config: rootfs.diff_ids is missing');
    expect(() => parseImageConfig({ rootfs: { type: 'layers', diff_ids: ['md5:x'] } })).toThrow(
      'invalid rootfs.diff_ids[0]',
    );
  });
});

describe('chainIds', () => {
  it('follows the OCI definition', () => {
    expect(chainIds([d1, d2])).toEqual([d1, sha256Of(`${d1} ${d2}`)]);
    expect(chainIds([])).toEqual([]);
  });
});

describe('applyChanges', () => {
  it('applies the import subset like docker import --change', () => {
    expect(
      applyChanges({ Env: ['A=1'] }, [
        'ENV A=2 B="x y"',
        'ENV C hello world',
        'CMD echo hi',
        'ENTRYPOINT ["/bin/sh", "-c"]',
        'EXPOSE 80 53/udp',
        'LABEL k=v',
        'VOLUME ["/data"]',
        'WORKDIR /srv',
        'USER 1000:1000',
        'STOPSIGNAL SIGINT',
      ]),
    ).toEqual({
      Env: ['A=2', 'B=x y', 'C=hello world'],
      Cmd: ['/bin/sh', '-c', 'echo hi'],
      Entrypoint: ['/bin/sh', '-c'],
      ExposedPorts: { '80/tcp': {}, '53/udp': {} },
      Labels: { k: 'v' },
      Volumes: { '/data': {} },
      WorkingDir: '/srv',
      User: '1000:1000',
      StopSignal: 'SIGINT',
    });
  });

  it('rejects instructions import does not allow', () => {
    expect(() => applyChanges({}, ['RUN rm -rf /'])).toThrow('RUN is not supported by import');
  });
});
