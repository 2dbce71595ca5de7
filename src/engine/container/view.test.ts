import { describe, expect, it } from 'vitest';
import { parsePsOutput } from './top.js';
import { humanDuration } from '../../shared/human-duration.js';
import { statusText, summaryView } from './view.js';
import { matchContainer } from './list-filter.js';
import { generateName, normaliseName } from './names.js';
import { normaliseSignal } from './manager.js';
import { ZERO_TIME, type ContainerRecord } from './record.js';

const record: ContainerRecord = {
  id: 'f'.repeat(64),
  name: 'web',
  created: '2026-01-01T00:00:00.000000000Z',
  image: 'busybox',
  imageId: 'sha256:' + 'a'.repeat(64),
  layers: [],
  path: 'sh',
  args: ['-c', 'true'],
  config: { Labels: { tier: 'web' }, ExposedPorts: { '80/tcp': {} } },
  hostConfig: {},
  state: {
    status: 'exited',
    pid: 0,
    exitCode: 2,
    error: '',
    oomKilled: false,
    startedAt: ZERO_TIME,
    finishedAt: '2026-01-01T00:00:00Z',
  },
  restartCount: 0,
};
const t0 = Date.parse('2026-01-01T00:00:00Z');

describe('views', () => {
  it('words durations as Docker does', () => {
    expect(
      [500, 1000, 5000, 61_000, 5 * 60_000, 3_600_000, 5 * 3_600_000, 3 * 86_400_000].map(humanDuration),
    ).toEqual([
      'Less than a second',
      '1 second',
      '5 seconds',
      'About a minute',
      '5 minutes',
      'About an hour',
      '5 hours',
      '3 days',
    ]);
  });

  it('writes the status text', () => {
    expect(statusText(record, t0 + 3000)).toBe('Exited (2) 3 seconds ago');
    expect(statusText({ ...record, state: { ...record.state, status: 'created' } }, t0)).toBe('Created');
  });

  it('summarises a container', () => {
    expect(summaryView(record, t0)).toEqual({
      Id: record.id,
      Names: ['/web'],
      Image: 'busybox',
      ImageID: record.imageId,
      Command: 'sh -c true',
      Created: t0 / 1000,
      Ports: [{ PrivatePort: 80, Type: 'tcp' }],
      Labels: { tier: 'web' },
      State: 'exited',
      Status: 'Exited (2) Less than a second ago',
      HostConfig: { NetworkMode: 'bridge' },
      NetworkSettings: { Networks: {} },
      Mounts: [],
    });
  });

  it('filters by id prefix, name, label, status, ancestor and exit code', () => {
    const f = (entries: Record<string, string[]>) => matchContainer(record, new Map(Object.entries(entries)));
    expect([
      f({ id: ['fff'] }),
      f({ name: ['^we'] }),
      f({ label: ['tier=web'] }),
      f({ status: ['exited'] }),
    ]).toEqual([true, true, true, true]);
    expect([f({ ancestor: ['busybox:latest'] }), f({ ancestor: ['aaaa'] }), f({ exited: ['2'] })]).toEqual([
      true,
      true,
      true,
    ]);
    expect([f({ label: ['tier=db'] }), f({ status: ['running'] }), f({ name: ['db'] })]).toEqual([
      false,
      false,
      false,
    ]);
  });

  it('parses ps output, keeping spaces in the command', () => {
    const out = 'UID PID PPID CMD\nroot 10 1 sleep 60\nroot 11 1 other thing\n';
    expect(parsePsOutput(out, new Set([10]))).toEqual({
      Titles: ['UID', 'PID', 'PPID', 'CMD'],
      Processes: [['root', '10', '1', 'sleep 60']],
    });
  });

  it('checks names, generates free ones and normalises signals', () => {
    expect(normaliseName('/web-1')).toBe('web-1');
    expect(() => normaliseName('-x')).toThrow('Invalid container name (-x)');
    expect(
      generateName(
        (n) => n === 'brave_babbage',
        () => 0,
      ),
    ).toBe('brave_babbage10');
    expect([normaliseSignal('term'), normaliseSignal('9'), normaliseSignal('SIGUSR1')]).toEqual([
      'SIGTERM',
      'SIGKILL',
      'SIGUSR1',
    ]);
    expect(() => normaliseSignal('NOPE')).toThrow('Invalid signal: NOPE');
  });
});
