// A build on a real distribution: a Debian bookworm base made from Debian's package repositories (mmdebstrap, no
// registry), then `RUN apt-get update && apt-get install -y` through the build network's DNS and outbound NAT,
// and the installed program run from the built image.

import { execa } from 'execa';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { debianImage } from '../../helpers/debian-image.js';
import { dockerCliEnv } from '../../helpers/docker-cli.js';
import { buildBerthBundle } from '../server/bundle.js';
import { startTestEngine, type TestEngine } from '../server/engine-fixture.js';

let engine: TestEngine;
let bundle: string;
let base: string;

beforeAll(async () => {
  engine = await startTestEngine();
  bundle = await buildBerthBundle(path.join(engine.dir, 'bundle'));
  base = await debianImage(engine.config.socket);
}, 900_000);

afterAll(async () => {
  await engine?.cleanup();
});

describe('building on Debian', () => {
  it('installs a package with apt-get in a RUN step and the image runs it', async () => {
    const dir = path.join(engine.dir, 'ctx');
    await mkdir(dir, { recursive: true });
    await writeFile(
      path.join(dir, 'Dockerfile'),
      [
        `FROM ${base}`,
        'RUN apt-get update && apt-get install -y --no-install-recommends hello && rm -rf /var/lib/apt/lists/*',
        'CMD ["hello", "-g", "built by berth"]',
      ].join('\n'),
    );
    const env = {
      BERTH_ROOT: engine.config.root,
      BERTH_RUN: engine.config.runDir,
      BERTH_HOST: `unix://${engine.config.socket}`,
    };
    const build = await execa(process.execPath, [bundle, 'image', 'build', '-t', 'apt-hello:1', dir], {
      env,
      reject: false,
    });
    expect(build.stderr).toBe('');
    expect(build.exitCode).toBe(0);
    expect(build.stdout).toMatch(/Setting up hello/);
    const run = await execa('docker', ['run', '--rm', 'apt-hello:1'], {
      env: await dockerCliEnv(engine.dir, engine.config.socket),
      extendEnv: false,
    });
    expect(run.stdout.trim()).toBe('built by berth');
  }, 600_000);
});
