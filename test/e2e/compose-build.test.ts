// Compose `build:` end to end with the built CLI on an engine of its own (auto-started): `berth up` builds what
// has no image, `berth build` with args, target, inline Dockerfiles, named contexts and secrets; `image:` names
// the result; a no-change `up --build` recreates nothing; `pull_policy: build` and `--no-build`; a failing build
// names the service, the step and its output; `build.ssh` is refused before anything is sent.

import { execa } from 'execa';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { networkSlotEnv } from '../helpers/network-slot.js';

const berthBin = path.resolve('bin/berth.js');
let dir: string;
let env: Record<string, string>;

function berth(args: string[], cwd = path.join(dir, 'app')) {
  return execa(process.execPath, ['--', berthBin, ...args], {
    cwd,
    env,
    extendEnv: false,
    reject: false,
    timeout: 180_000,
  });
}

async function write(files: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, 'app', name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
}

async function containerIds(): Promise<Record<string, string>> {
  const result = await berth(['ps', '-a', '--format', 'json']);
  const out: Record<string, string> = {};
  for (const line of result.stdout.split('\n').filter((l) => l.trim() !== '')) {
    const row = JSON.parse(line) as { ID: string; Service: string };
    out[row.Service] = row.ID;
  }
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'berth-e2e-build-'));
  env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    BERTH_ROOT: path.join(dir, 'root'),
    BERTH_RUN: path.join(dir, 'run'),
    ...networkSlotEnv(dir),
    TOKEN_VALUE: 's3cr3t',
  };
  const image = await execa('bash', [path.resolve('scripts/busybox-image.sh')], {
    env,
    extendEnv: false,
    reject: false,
  });
  expect(image.stderr).toBe('');
  await write({
    'compose.yaml': [
      'name: buildproj',
      'services:',
      '  api:',
      '    build:',
      '      context: ./api',
      '      args:',
      '        VERSION: "1.2"',
      '      target: runtime',
      '      labels:',
      '        org.example.role: api',
      '      tags: ["buildproj/api:extra"]',
      '      additional_contexts:',
      '        shared: ./shared',
      '      secrets: [token]',
      '    command: ["sh", "-c", "cat /version /shared.txt /token-length; sleep 300"]',
      '  worker:',
      '    image: buildproj/worker:dev',
      '    build:',
      '      context: .',
      '      dockerfile_inline: |',
      '        FROM berth.local/busybox',
      '        RUN echo inline > /made-by',
      '    command: ["sleep", "300"]',
      'secrets:',
      '  token:',
      '    environment: TOKEN_VALUE',
    ].join('\n'),
    'api/Dockerfile': [
      'FROM berth.local/busybox AS base',
      'ARG VERSION',
      'RUN echo "version $VERSION" > /version',
      'FROM base AS runtime',
      'COPY --from=shared shared.txt /shared.txt',
      'RUN --mount=type=secret,id=token wc -c < /run/secrets/token > /token-length',
      'FROM runtime AS unused',
      'RUN exit 1',
    ].join('\n'),
    'shared/shared.txt': 'from the named context\n',
  });
});

afterAll(async () => {
  await berth(['down', '-v', '--remove-orphans', '-t', '0']);
  await berth(['engine', 'stop']);
  await rm(dir, { recursive: true, force: true });
});

describe('compose build', () => {
  it('`up -d` builds the services that need it, with args, target, named contexts and secrets', async () => {
    const up = await berth(['--progress', 'plain', 'up', '-d']);
    expect(up.stderr).toContain('Image buildproj-api  Built');
    expect(up.stderr).toContain('Image buildproj/worker:dev  Built');
    expect(up.exitCode).toBe(0);
    const logs = await berth(['exec', '-T', 'api', 'sh', '-c', 'cat /version /shared.txt /token-length']);
    expect(logs.stdout.split('\n').map((l) => l.trim())).toEqual([
      'version 1.2',
      'from the named context',
      '6',
    ]);
    const secretInImage = await berth(['exec', '-T', 'api', 'ls', '/run/secrets']);
    expect(secretInImage.stdout.trim()).toBe('');
    const worker = await berth(['exec', '-T', 'worker', 'cat', '/made-by']);
    expect(worker.stdout.trim()).toBe('inline');
    const images = await berth(['images', '--format', 'json']);
    expect(images.stdout).toContain('buildproj-api');
  });

  it('labels and extra tags reach the image', async () => {
    const inspect = await berth(['image', 'inspect', 'buildproj/api:extra']);
    expect(inspect.exitCode).toBe(0);
    const [image] = JSON.parse(inspect.stdout) as Array<{ Config: { Labels: Record<string, string> } }>;
    expect(image?.Config.Labels['org.example.role']).toBe('api');
  });

  it('a no-change `up --build` takes every step from the cache and recreates nothing', async () => {
    const before = await containerIds();
    const up = await berth(['--progress', 'plain', 'up', '-d', '--build']);
    expect(up.exitCode).toBe(0);
    expect(up.stderr).toContain('CACHED');
    expect(up.stderr).not.toContain('done in');
    expect(await containerIds()).toEqual(before);
  });

  it('`berth build SERVICE --build-arg` rebuilds only that service; up then recreates only it', async () => {
    const before = await containerIds();
    const build = await berth(['--progress', 'plain', 'build', '--build-arg', 'VERSION=2.0', 'api']);
    expect(build.exitCode).toBe(0);
    expect(build.stderr).not.toContain('buildproj/worker');
    const up = await berth(['up', '-d']);
    expect(up.exitCode).toBe(0);
    const after = await containerIds();
    expect(after.worker).toBe(before.worker);
    expect(after.api).not.toBe(before.api);
    const version = await berth(['exec', '-T', 'api', 'cat', '/version']);
    expect(version.stdout.trim()).toBe('version 2.0');
  });

  it('a failing build names the service, the step and its last output, and leaves the stack as it was', async () => {
    const before = await containerIds();
    await write({
      'api/Dockerfile': [
        'FROM berth.local/busybox AS runtime',
        'RUN echo "compiling…" && echo "error: missing semicolon" >&2 && exit 2',
      ].join('\n'),
    });
    const up = await berth(['up', '-d', '--build']);
    expect(up.exitCode).toBe(1);
    expect(up.stderr).toContain('service "api" failed to build');
    expect(up.stderr).toContain('(Dockerfile:2)');
    expect(up.stderr).toContain('error: missing semicolon');
    expect(await containerIds()).toEqual(before);
  });

  it('refuses build.ssh clearly, before building', async () => {
    await write({
      'compose.yaml': [
        'name: buildproj',
        'services:',
        '  api:',
        '    build:',
        '      context: ./api',
        '      ssh: [default]',
      ].join('\n'),
    });
    const up = await berth(['build']);
    expect(up.exitCode).toBe(1);
    expect(up.stderr).toContain('build.ssh is not supported');
  });
});
