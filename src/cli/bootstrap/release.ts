// The suite's Release file, read before mmdebstrap runs: it proves the suite exists on the mirror (an unknown
// suite fails here with a clear message instead of deep in apt's output), names its codename, and its Date
// becomes SOURCE_DATE_EPOCH, so two bootstraps of the same mirror state give the same file times and the same
// image `created`.

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { BerthError, messageOf } from '../../shared/errors.js';

export interface ReleaseInfo {
  codename: string;
  /** Seconds since the epoch: the Release file's Date. */
  epoch: number;
  url: string;
}

/** The fields of a Release file that matter here. Pure. */
export function parseRelease(text: string, url: string): ReleaseInfo {
  const field = (name: string) => new RegExp(`^${name}:[ \\t]*(.+)$`, 'm').exec(text)?.[1]?.trim();
  const date = field('Date');
  const millis = date === undefined ? NaN : Date.parse(date);
  if (Number.isNaN(millis))
    throw new BerthError('InvalidArgument', `${url}: no readable Date field, not a Release file`);
  return { codename: field('Codename') ?? field('Suite') ?? '', epoch: Math.floor(millis / 1000), url };
}

/** Fetches `<mirror>/dists/<suite>/Release`; a 404 means the mirror does not carry that suite. */
export async function fetchRelease(
  mirror: string,
  suite: string,
  signal?: AbortSignal,
): Promise<ReleaseInfo> {
  const url = `${mirror}/dists/${suite}/Release`;
  let text: string;
  if (url.startsWith('file://')) {
    try {
      text = await readFile(fileURLToPath(url), 'utf8');
    } catch (error) {
      throw unknownSuite(suite, mirror, messageOf(error));
    }
    return parseRelease(text, url);
  }
  let response: Response;
  try {
    const timeout = AbortSignal.timeout(30_000);
    response = await fetch(url, {
      signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
    });
  } catch (error) {
    throw new BerthError('Unavailable', `cannot reach the mirror ${mirror}: ${messageOf(error)}`, {
      cause: error,
      hint: 'check the network, or give a reachable mirror with --mirror URL',
    });
  }
  if (response.status === 404) throw unknownSuite(suite, mirror, `${url} does not exist`);
  if (!response.ok)
    throw new BerthError(
      'Unavailable',
      `${url}: the mirror answered ${response.status} ${response.statusText}`,
    );
  return parseRelease(await response.text(), url);
}

function unknownSuite(suite: string, mirror: string, why: string): BerthError {
  return new BerthError('NotFound', `unknown suite "${suite}" on ${mirror}: ${why}`, {
    hint: 'Debian suites: bullseye, bookworm, trixie, stable, testing, sid; Ubuntu: focal, jammy, noble',
  });
}
