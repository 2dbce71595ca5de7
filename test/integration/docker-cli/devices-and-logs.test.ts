// Host devices and log options through the real docker CLI.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE, startContainerEngine, type ContainerEngine } from '../container/fixture.js';

let e: ContainerEngine;
let env: Record<string, string>;
const docker = (args: string[]) => execa('docker', args, { env, reject: false, timeout: 60_000 });

beforeAll(async () => {
  e = await startContainerEngine();
  await mkdir(path.join(e.dir, 'docker-config'), { recursive: true });
  env = {
    DOCKER_HOST: `unix://${e.config.socket}`,
    DOCKER_BUILDKIT: '0',
    DOCKER_CONFIG: path.join(e.dir, 'docker-config'),
    PATH: process.env.PATH ?? '/usr/bin:/bin',
  };
});
afterAll(async () => {
  await e?.cleanup();
});

describe('docker CLI: devices', () => {
  it('maps a host device into the container under another name', async () => {
    const result = await docker([
      'run',
      '--rm',
      '--device',
      '/dev/zero:/dev/myzero',
      IMAGE,
      'sh',
      '-c',
      'head -c 4 /dev/myzero | wc -c',
    ]);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('4');
  });

  it('refuses a device that does not exist, naming it', async () => {
    const result = await docker(['run', '--rm', '--device', '/dev/berth-no-such-device', IMAGE, 'true']);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('/dev/berth-no-such-device');
    const left = await docker(['ps', '-aq']);
    expect(left.stdout.trim()).toBe('');
  });

  it('keeps a container whose device is readable only when asked for read access', async () => {
    const result = await docker([
      'run',
      '--rm',
      '--device',
      '/dev/zero:/dev/z:r',
      IMAGE,
      'sh',
      '-c',
      'head -c 1 /dev/z | wc -c',
    ]);
    expect(result.stdout.trim()).toBe('1');
  });
});

describe('docker CLI: log options', () => {
  it('caps the log at max-size, keeping the newest lines', async () => {
    const script =
      'i=0; while [ $i -lt 400 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done';
    const run = await docker(['run', '-d', '--log-opt', 'max-size=2k', IMAGE, 'sh', '-c', script]);
    expect(run.exitCode).toBe(0);
    const id = run.stdout.trim();
    expect((await docker(['wait', id])).stdout.trim()).toBe('0');
    const logs = await docker(['logs', id]);
    expect(logs.stdout).toContain('line-399-');
    expect(logs.stdout).not.toContain('line-0-');
    expect(logs.stdout.length).toBeLessThan(4096);
    await docker(['rm', '-f', id]);
  });

  it('refuses a bad max-size at create', async () => {
    const result = await docker(['create', '--log-opt', 'max-size=lots', IMAGE, 'true']);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('invalid log option max-size "lots"');
  });
});
