// The rows of `berth volume ls` and the report of `berth volume prune`, as Docker prints them, from the API's
// wire types. Invariant: pure — the same input gives the same text — so the layout is tested exactly.

import type { Volume, VolumePruneResponse } from '../../engine/api/volumes.js';
import { humanSize } from './human.js';

/** One volume as `docker volume ls --format json` gives it. */
export interface VolumeRow {
  Driver: string;
  Labels: string;
  Links: string;
  Mountpoint: string;
  Name: string;
  Scope: string;
  Size: string;
}

export const VOLUME_HEADERS: readonly string[] = ['DRIVER', 'VOLUME NAME'];

export function volumeRows(volumes: readonly Volume[]): VolumeRow[] {
  return volumes.map((volume) => ({
    Driver: volume.Driver,
    Labels: Object.entries(volume.Labels)
      .map(([key, value]) => `${key}=${value}`)
      .sort()
      .join(','),
    // Usage figures come from `system df -v` in Docker, never from ls.
    Links: 'N/A',
    Mountpoint: volume.Mountpoint,
    Name: volume.Name,
    Scope: volume.Scope,
    Size: 'N/A',
  }));
}

export function volumeCells(rows: readonly VolumeRow[]): string[][] {
  return rows.map((row) => [row.Driver, row.Name]);
}

/** "Deleted Volumes:" with one name a line (when any), then the space reclaimed. */
export function pruneReport(result: VolumePruneResponse): string {
  const deleted = result.VolumesDeleted ?? [];
  const head =
    deleted.length === 0 ? '' : `Deleted Volumes:\n${deleted.map((name) => `${name}\n`).join('')}\n`;
  return `${head}Total reclaimed space: ${humanSize(result.SpaceReclaimed)}\n`;
}

/** The question `volume prune` asks before it removes anything. */
export function prunePrompt(all: boolean): string {
  const what = all ? 'all local volumes' : 'anonymous local volumes';
  return `WARNING! This will remove ${what} not used by at least one container.\nAre you sure you want to continue? [y/N] `;
}
