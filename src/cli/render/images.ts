// The rows of `berth image ls` and `berth image history`, as Docker prints them, from the API's wire types.
// Invariant: pure — the same summaries and clock give the same text — so the layout is tested exactly.

import type { ImageHistoryItem, ImageSummary } from '../../engine/api/images.js';
import { ellipsis, humanSize, shortId, timeAgo } from './human.js';

export interface ImageListOptions {
  digests?: boolean;
  noTrunc?: boolean;
}

/** One row per tag (an untagged image is one `<none>` row), in the order the engine listed the images. */
export interface ImageRow {
  Repository: string;
  Tag: string;
  Digest: string;
  ID: string;
  CreatedSince: string;
  CreatedAt: string;
  Size: string;
}

export function imageRows(
  images: readonly ImageSummary[],
  nowMs: number,
  options: ImageListOptions = {},
): ImageRow[] {
  const rows: ImageRow[] = [];
  for (const image of images) {
    const base = {
      ID: options.noTrunc ? image.Id : shortId(image.Id),
      CreatedSince: timeAgo(image.Created, nowMs),
      CreatedAt: image.Created > 0 ? new Date(image.Created * 1000).toISOString() : '',
      Size: humanSize(image.Size),
    };
    const digestOf = (repository: string) =>
      image.RepoDigests.find((d) => d.startsWith(`${repository}@`))?.slice(repository.length + 1) ?? '<none>';
    if (image.RepoTags.length === 0) {
      const first = image.RepoDigests[0];
      const at = first?.indexOf('@') ?? -1;
      rows.push({
        Repository: first !== undefined && at > 0 ? first.slice(0, at) : '<none>',
        Tag: '<none>',
        Digest: first !== undefined && at > 0 ? first.slice(at + 1) : '<none>',
        ...base,
      });
      continue;
    }
    for (const tag of image.RepoTags) {
      const colon = tag.lastIndexOf(':');
      const repository = colon > tag.lastIndexOf('/') ? tag.slice(0, colon) : tag;
      rows.push({
        Repository: repository,
        Tag: colon > tag.lastIndexOf('/') ? tag.slice(colon + 1) : '<none>',
        Digest: digestOf(repository),
        ...base,
      });
    }
  }
  return rows;
}

export function imageTable(
  rows: readonly ImageRow[],
  options: ImageListOptions = {},
): {
  headers: string[];
  cells: string[][];
} {
  const headers = [
    'REPOSITORY',
    'TAG',
    ...(options.digests ? ['DIGEST'] : []),
    'IMAGE ID',
    'CREATED',
    'SIZE',
  ];
  const cells = rows.map((r) => [
    r.Repository,
    r.Tag,
    ...(options.digests ? [r.Digest] : []),
    r.ID,
    r.CreatedSince,
    r.Size,
  ]);
  return { headers, cells };
}

export interface HistoryRow {
  ID: string;
  CreatedSince: string;
  CreatedBy: string;
  Size: string;
  Comment: string;
}

export function historyRows(
  items: readonly ImageHistoryItem[],
  nowMs: number,
  noTrunc = false,
): HistoryRow[] {
  return items.map((item) => ({
    ID: item.Id === '<missing>' || noTrunc ? item.Id : shortId(item.Id),
    CreatedSince: timeAgo(item.Created, nowMs),
    CreatedBy: noTrunc ? item.CreatedBy : ellipsis(item.CreatedBy.replace(/\s+/g, ' '), 45),
    Size: humanSize(item.Size),
    Comment: item.Comment,
  }));
}
