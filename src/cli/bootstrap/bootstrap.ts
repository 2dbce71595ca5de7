// `berth image bootstrap`: Release file → mmdebstrap into a temporary rootfs tar on the host → a one-layer
// docker-archive → `POST /images/load` on the engine. The host part (mmdebstrap runs as root here, not in the
// engine) is separate from the loading, so a test can cache the archive and load it into several engines.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { execa } from 'execa';
import { BerthError, messageOf } from '../../shared/errors.js';
import type { ProgressMessage } from '../../engine/api/images.js';
import { jsonLines, type EngineClient } from '../../engine/client/index.js';
import { dockerArchive, imageConfig, platformOfDpkgArch, rootfsLayer, type RootfsLayer } from './archive.js';
import { describeCommand, runMmdebstrap } from './mmdebstrap.js';
import { fetchRelease, type ReleaseInfo } from './release.js';
import { resolveTarget, type BootstrapRequest, type BootstrapTarget } from './target.js';

export interface BootstrapOptions {
  /** Progress lines (what is happening, and mmdebstrap's own lines). */
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
}

export interface Bootstrapped {
  target: BootstrapTarget;
  release: ReleaseInfo;
  layer: RootfsLayer;
  config: object;
  /** The image as a docker-archive stream, tagged `target.tag`. */
  archive(): Readable;
  /** Removes the temporary rootfs tar. */
  dispose(): Promise<void>;
}

/** Makes the root filesystem on the host; call dispose() when the archive has been consumed. */
export async function bootstrapRootfs(
  request: BootstrapRequest,
  options: BootstrapOptions = {},
): Promise<Bootstrapped> {
  const target = resolveTarget(request);
  const say = options.onProgress ?? (() => undefined);
  say(`Reading ${target.mirror}/dists/${target.suite}/Release`);
  const release = await fetchRelease(target.mirror, target.suite, options.signal);
  const date = new Date(release.epoch * 1000).toISOString();
  say(`Suite ${target.suite} (${release.codename || 'no codename'}), Release of ${date}`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'berth-bootstrap-'));
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    const output = path.join(dir, 'rootfs.tar');
    say(`Running ${describeCommand(target)}`);
    await runMmdebstrap(target, output, { epoch: release.epoch, onLine: say, signal: options.signal });
    say('Hashing the root filesystem');
    const layer = await rootfsLayer(output);
    const config = imageConfig(layer, {
      ...platformOfDpkgArch(await dpkgArchitecture()),
      epoch: release.epoch,
      createdBy: `berth image bootstrap: ${describeCommand(target)}`,
      comment: `${target.distribution} ${target.suite}${target.slim ? ' slim' : ''}, Release of ${date}`,
    });
    return {
      target,
      release,
      layer,
      config,
      archive: () => dockerArchive(layer, config, [target.tag]),
      dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** Loads a docker-archive into the engine; returns the names it reports as loaded. */
export async function loadIntoEngine(
  client: EngineClient,
  archive: Readable,
  signal?: AbortSignal,
): Promise<string[]> {
  const response = await client.stream({
    method: 'POST',
    path: '/images/load',
    query: { quiet: true },
    body: archive,
    ...(signal === undefined ? {} : { signal }),
  });
  const loaded: string[] = [];
  for await (const line of jsonLines(response)) {
    const message = JSON.parse(line) as ProgressMessage;
    if (message.error !== undefined || message.errorDetail !== undefined)
      throw new BerthError('Internal', message.errorDetail?.message ?? message.error ?? 'load failed');
    const name = /^Loaded image(?: ID)?: (.+)$/.exec((message.stream ?? '').trim())?.[1];
    if (name !== undefined) loaded.push(name);
  }
  return loaded;
}

async function dpkgArchitecture(): Promise<string> {
  try {
    return (await execa('dpkg', ['--print-architecture'])).stdout.trim();
  } catch (error) {
    throw new BerthError('FailedPrecondition', `cannot read the host's architecture: ${messageOf(error)}`, {
      hint: 'bootstrap runs on a Debian or Ubuntu host (dpkg and mmdebstrap installed)',
    });
  }
}
