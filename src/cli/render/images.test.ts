import { describe, expect, it } from 'vitest';
import type { ImageSummary } from '../../engine/api/images.js';
import { historyRows, imageRows, imageTable } from './images.js';
import { formatTable } from './table.js';

const NOW = 1_700_000_000_000;
const ID = `sha256:${'0123456789ab'.padEnd(64, 'f')}`;

function summary(overrides: Partial<ImageSummary>): ImageSummary {
  return {
    Id: ID,
    ParentId: '',
    RepoTags: [],
    RepoDigests: [],
    Created: NOW / 1000 - 120,
    Size: 4_261_234,
    SharedSize: -1,
    Labels: {},
    Containers: -1,
    ...overrides,
  };
}

describe('imageRows', () => {
  it('gives one row per tag and a <none> row for an untagged image', () => {
    const rows = imageRows(
      [
        summary({ RepoTags: ['busybox:latest', 'localhost:5000/team/bb:two'] }),
        summary({ Id: `sha256:${'f'.repeat(64)}`, Created: NOW / 1000 - 3 * 86400, Size: 999 }),
      ],
      NOW,
    );
    const { headers, cells } = imageTable(rows);
    expect(formatTable(headers, cells)).toBe(
      [
        'REPOSITORY               TAG      IMAGE ID       CREATED         SIZE',
        'busybox                  latest   0123456789ab   2 minutes ago   4.26MB',
        'localhost:5000/team/bb   two      0123456789ab   2 minutes ago   4.26MB',
        '<none>                   <none>   ffffffffffff   3 days ago      999B',
        '',
      ].join('\n'),
    );
  });

  it('shows digests and full IDs when asked', () => {
    const digest = `sha256:${'d'.repeat(64)}`;
    const rows = imageRows([summary({ RepoTags: ['bb:1'], RepoDigests: [`bb@${digest}`] })], NOW, {
      digests: true,
      noTrunc: true,
    });
    expect(rows[0]).toMatchObject({ Repository: 'bb', Tag: '1', Digest: digest, ID: ID });
    expect(imageTable(rows, { digests: true }).headers).toEqual([
      'REPOSITORY',
      'TAG',
      'DIGEST',
      'IMAGE ID',
      'CREATED',
      'SIZE',
    ]);
    const untaggedWithDigest = imageRows([summary({ RepoDigests: [`bb@${digest}`] })], NOW)[0];
    expect(untaggedWithDigest).toMatchObject({ Repository: 'bb', Tag: '<none>', Digest: digest });
  });
});

describe('historyRows', () => {
  it('shortens the newest ID, keeps <missing> and ellipsises CREATED BY', () => {
    const rows = historyRows(
      [
        {
          Id: ID,
          Created: NOW / 1000 - 60,
          CreatedBy: '/bin/sh -c  apk add --no-cache curl ca-certificates tzdata bash',
          Tags: ['bb:1'],
          Size: 1500,
          Comment: '',
        },
        { Id: '<missing>', Created: 0, CreatedBy: '', Tags: [], Size: 0, Comment: 'Imported from -' },
      ],
      NOW,
    );
    expect(rows).toEqual([
      {
        ID: '0123456789ab',
        CreatedSince: 'About a minute ago',
        CreatedBy: '/bin/sh -c apk add --no-cache curl ca-certif…',
        Size: '1.5kB',
        Comment: '',
      },
      { ID: '<missing>', CreatedSince: 'N/A', CreatedBy: '', Size: '0B', Comment: 'Imported from -' },
    ]);
  });
});
