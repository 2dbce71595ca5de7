// Host devices and log options through the real docker CLI.
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE, startContainerEngine, type ContainerEngine } from '../container/fixture.js';
import { dockerCliEnv } from '../../helpers/docker-cli.js';

let e: ContainerEngine;
let env: Record<string, string>;
const docker = (args: string[]) => execa('docker', args, { env, reject: false, timeout: 60_000 });

beforeAll(async () => {
  e = await startContainerEngine();
  env = await dockerCliEnv(e.dir, e.config.socket);
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

  it('keeps JSON lines at LogPath, rotated into max-file files, and reads across them', async () => {
    const script = 'i=0; while [ $i -lt 300 ]; do echo entry-$i; i=$((i+1)); done; echo oops >&2';
    const run = await docker([
      'run', '-d', '--log-opt', 'max-size=1k', '--log-opt', 'max-file=3', IMAGE, 'sh', '-c', script,
    ]); // prettier-ignore
    const id = run.stdout.trim();
    expect((await docker(['wait', id])).stdout.trim()).toBe('0');
    const logPath = (await docker(['inspect', '-f', '{{.LogPath}}', id])).stdout.trim();
    const files = [`${logPath}.2`, `${logPath}.1`, logPath];
    const lines: Array<{ log: string; stream: string; time: string }> = [];
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      expect(text.length).toBeLessThanOrEqual(1024);
      for (const line of text.split('\n').filter((l) => l !== '')) lines.push(JSON.parse(line));
    }
    await expect(readFile(`${logPath}.3`)).rejects.toThrow();
    expect(lines.at(-1)).toMatchObject({ log: 'oops\n', stream: 'stderr' });
    expect(lines[0]?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    // The kept lines are the newest, with no gap between files.
    const numbers = lines
      .filter((l) => l.stream === 'stdout')
      .map((l) => Number(/entry-(\d+)/.exec(l.log)?.[1]));
    expect(numbers.at(-1)).toBe(299);
    expect(numbers).toEqual(numbers.map((_, index) => (numbers[0] ?? 0) + index));
    const logs = await docker(['logs', id]);
    expect(logs.stdout.trim().split('\n')).toEqual(numbers.map((n) => `entry-${n}`));
    expect(logs.stderr).toBe('oops');
    await docker(['rm', '-f', id]);
  });

  it('keeps no log with the none driver and says so on docker logs', async () => {
    const run = await docker(['run', '-d', '--log-driver', 'none', IMAGE, 'echo', 'unseen']);
    const id = run.stdout.trim();
    expect((await docker(['wait', id])).stdout.trim()).toBe('0');
    const logs = await docker(['logs', id]);
    expect(logs.exitCode).not.toBe(0);
    expect(logs.stderr).toContain('configured logging driver does not support reading');
    expect((await docker(['create', '--log-driver', 'syslog', IMAGE, 'true'])).stderr).toContain(
      'logging driver "syslog" is not supported',
    );
    await docker(['rm', '-f', id]);
  });

  it('refuses a bad max-size at create', async () => {
    const result = await docker(['create', '--log-opt', 'max-size=lots', IMAGE, 'true']);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('invalid log option max-size "lots"');
  });
});
