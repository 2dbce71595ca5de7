import { describe, expect, it } from 'vitest';
import type { Volume } from '../../engine/api/volumes.js';
import { formatTable } from './table.js';
import { VOLUME_HEADERS, pruneReport, prunePrompt, volumeCells, volumeRows } from './volumes.js';

function volume(name: string, labels: Record<string, string> = {}): Volume {
  return {
    Name: name,
    Driver: 'local',
    Mountpoint: `/state/volumes/${name}/_data`,
    CreatedAt: '2026-01-02T03:04:05Z',
    Labels: labels,
    Scope: 'local',
    Options: {},
  };
}

describe('volume rows', () => {
  it('renders the Docker volume ls table', () => {
    const rows = volumeRows([volume('data'), volume('app_cache', { b: '2', a: '1' })]);
    expect(formatTable(VOLUME_HEADERS, volumeCells(rows))).toBe(
      'DRIVER   VOLUME NAME\nlocal    data\nlocal    app_cache\n',
    );
    expect(rows[1]).toEqual({
      Driver: 'local',
      Labels: 'a=1,b=2',
      Links: 'N/A',
      Mountpoint: '/state/volumes/app_cache/_data',
      Name: 'app_cache',
      Scope: 'local',
      Size: 'N/A',
    });
  });
});

describe('volume prune', () => {
  it('reports what was deleted and the space reclaimed', () => {
    expect(pruneReport({ VolumesDeleted: ['a', 'b'], SpaceReclaimed: 1_500 })).toBe(
      'Deleted Volumes:\na\nb\n\nTotal reclaimed space: 1.5kB\n',
    );
    expect(pruneReport({ VolumesDeleted: [], SpaceReclaimed: 0 })).toBe('Total reclaimed space: 0B\n');
  });
  it('asks as Docker asks', () => {
    expect(prunePrompt(false)).toContain('remove anonymous local volumes not used');
    expect(prunePrompt(true)).toContain('remove all local volumes not used');
  });
});
