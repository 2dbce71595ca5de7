// The real docker CLI against berth's engine: run (with --rm, exit codes, detached), ps, logs -f, exec with
// and without a TTY (through a real pty from `script`), stop, inspect, cp both ways, top, stats, rm -f, and a
// clear error for a missing image.
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE, startContainerEngine, type ContainerEngine } from '../container/fixture.js';
import { dockerCliEnv } from '../../helpers/docker-cli.js';

let e: ContainerEngine;
let env: Record<string, string>;
const docker = (args: string[], options: { timeout?: number } = {}) =>
  execa('docker', args, { env, reject: false, timeout: options.timeout ?? 60_000 });

beforeAll(async () => {
  e = await startContainerEngine();
  env = await dockerCliEnv(e.dir, e.config.socket);
});
afterAll(async () => {
  await e?.cleanup();
});

describe('docker CLI: containers', () => {
  it('docker run --rm prints the output and removes the container', async () => {
    const result = await docker(['run', '--rm', IMAGE, 'echo', 'hi']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('hi');
    expect(result.exitCode).toBe(0);
    const ps = await docker(['ps', '-aq']);
    expect(ps.stdout).toBe('');
  });

  it('docker run propagates the exit code', async () => {
    const result = await docker(['run', '--rm', IMAGE, 'sh', '-c', 'exit 3']);
    expect(result.exitCode).toBe(3);
  });

  it('docker run -i passes stdin, and docker run -it gets a terminal', async () => {
    const piped = await execa('docker', ['run', '-i', '--rm', IMAGE, 'sh', '-c', 'cat; echo done'], {
      env,
      input: 'from stdin\n',
      reject: false,
      timeout: 30_000,
    });
    expect(piped.stdout).toBe('from stdin\ndone');
    expect(piped.exitCode).toBe(0);
    const tty = await execa(
      'script',
      ['-qec', `docker run -it --rm ${IMAGE} sh -c "tty; exit 9"`, '/dev/null'],
      {
        env,
        reject: false,
        timeout: 30_000,
      },
    );
    expect(tty.stdout).toMatch(/^\/dev\/pts\/\d+\r?$/m);
    expect(tty.exitCode).toBe(9);
  });

  it('docker run -d, ps -a, logs -f, exec, stop, inspect, rm -f', async () => {
    const run = await docker([
      'run',
      '-d',
      '--name',
      'ticker',
      IMAGE,
      'sh',
      '-c',
      'trap "exit 0" TERM; echo start; while true; do sleep 0.1; done',
    ]);
    expect(run.exitCode).toBe(0);
    const id = run.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);

    const ps = await docker(['ps', '-a', '--format', '{{.Names}} {{.Status}}']);
    expect(ps.stdout).toMatch(/^ticker Up /m);

    const exec = await docker(['exec', 'ticker', 'sh', '-c', 'echo in-$HOSTNAME; exit 4']);
    expect(exec.stdout).toBe(`in-${id.slice(0, 12)}`);
    expect(exec.exitCode).toBe(4);

    const top = await docker(['top', 'ticker']);
    expect(top.exitCode).toBe(0);
    expect(top.stdout).toMatch(/^UID\s+PID\s+PPID/);
    expect(top.stdout).toContain('while true');

    const stats = await docker(['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}}', 'ticker']);
    expect(stats.exitCode).toBe(0);
    expect(stats.stdout).toMatch(/^ticker \d/);

    const started = Date.now();
    const stop = await docker(['stop', 'ticker']);
    expect(stop.exitCode).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);

    const inspect = await docker(['inspect', 'ticker']);
    const [doc] = JSON.parse(inspect.stdout) as Array<{
      Name: string;
      State: { Status: string; ExitCode: number };
    }>;
    expect(doc?.Name).toBe('/ticker');
    expect(doc?.State).toMatchObject({ Status: 'exited', ExitCode: 0 });

    const logs = await docker(['logs', 'ticker']);
    expect(logs.stdout).toBe('start');
    expect((await docker(['rm', '-f', 'ticker'])).exitCode).toBe(0);
    expect((await docker(['inspect', 'ticker'])).exitCode).toBe(1);
  });

  it('docker logs -f follows until the container exits', async () => {
    const run = await docker([
      'run',
      '-d',
      IMAGE,
      'sh',
      '-c',
      'for i in 1 2 3; do echo line $i; sleep 0.3; done',
    ]);
    const id = run.stdout.trim();
    const logs = await docker(['logs', '-f', id], { timeout: 20_000 });
    expect(logs.stdout).toBe('line 1\nline 2\nline 3');
    expect((await docker(['rm', '-f', id])).exitCode).toBe(0);
  });

  it('docker exec -it runs through a pty', async () => {
    const run = await docker(['run', '-d', '--name', 'tty', IMAGE, 'sleep', '60']);
    expect(run.exitCode).toBe(0);
    const result = await execa('script', ['-qec', 'docker exec -it tty sh -c "tty; exit 5"', '/dev/null'], {
      env,
      reject: false,
      timeout: 30_000,
    });
    expect(result.stdout).toMatch(/\/dev\/pts\/\d+/);
    expect(result.exitCode).toBe(5);
    expect((await docker(['rm', '-f', 'tty'])).exitCode).toBe(0);
  });

  it('docker cp copies in and out', async () => {
    const run = await docker(['run', '-d', '--name', 'cp', IMAGE, 'sleep', '60']);
    expect(run.exitCode).toBe(0);
    const local = path.join(e.dir, 'local.txt');
    await writeFile(local, 'from the host\n');
    expect((await docker(['cp', local, 'cp:/tmp/in.txt'])).exitCode).toBe(0);
    const cat = await docker(['exec', 'cp', 'cat', '/tmp/in.txt']);
    expect(cat.stdout).toBe('from the host');
    await docker(['exec', 'cp', 'sh', '-c', 'mkdir -p /data/sub && echo inside > /data/sub/file']);
    const out = path.join(e.dir, 'out');
    expect((await docker(['cp', 'cp:/data', out])).exitCode).toBe(0);
    expect(await readFile(path.join(out, 'sub', 'file'), 'utf8')).toBe('inside\n');
    await rm(out, { recursive: true, force: true });
    expect((await docker(['rm', '-f', 'cp'])).exitCode).toBe(0);
  });

  it('gives a clear error for a missing image', async () => {
    const result = await docker(['run', '--rm', 'no-such-image-here:1', 'true']);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/no-such-image-here/);
  });
});
