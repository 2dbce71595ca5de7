// Health, restart policies, stats and events through the real docker CLI.
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE, startContainerEngine, type ContainerEngine } from '../container/fixture.js';
import { dockerCliEnv } from '../../helpers/docker-cli.js';

let e: ContainerEngine;
let env: Record<string, string>;
const docker = (args: string[]) => execa('docker', args, { env, reject: false, timeout: 60_000 });

async function eventually(probe: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  e = await startContainerEngine();
  env = await dockerCliEnv(e.dir, e.config.socket);
});
afterAll(async () => {
  await e?.cleanup();
});

describe('docker CLI: health, restarts, stats, events', () => {
  it('shows health in docker ps and docker inspect', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const run = await docker([
      'run', '-d', '--name', 'hc', '--health-cmd', 'echo probed', '--health-interval', '200ms',
      '--health-retries', '2', IMAGE, 'sleep', '60',
    ]); // prettier-ignore
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    await eventually(async () =>
      (await docker(['ps', '--format', '{{.Status}}'])).stdout.includes('(healthy)'),
    );
    const health = await docker([
      'inspect',
      '-f',
      '{{.State.Health.Status}} {{(index .State.Health.Log 0).Output}}',
      'hc',
    ]);
    expect(health.stdout).toBe('healthy probed\n');
    const filtered = await docker(['ps', '-q', '--filter', 'health=healthy']);
    expect(filtered.stdout.trim()).toBe(run.stdout.trim().slice(0, 12));

    await docker(['exec', 'hc', 'sh', '-c', 'head -c 300000 /dev/urandom > /stats-file; sync']);
    const stats = await docker([
      'stats',
      '--no-stream',
      '--format',
      '{{.Name}} {{.PIDs}} {{.BlockIO}}',
      'hc',
    ]);
    expect(stats.exitCode).toBe(0);
    expect(stats.stdout.trim()).toMatch(/^hc [1-9]\d* \S+ \/ \S+$/);

    expect((await docker(['rm', '-f', 'hc'])).exitCode).toBe(0);
    const until = Math.ceil(Date.now() / 1000) + 1;
    const events = await docker([
      'events', '--since', String(since), '--until', String(until), '--filter', 'container=hc',
      '--filter', 'type=container', '--format', '{{.Action}}',
    ]); // prettier-ignore
    const actions = events.stdout.split('\n').filter((line) => !line.startsWith('exec_'));
    expect(actions).toEqual(['create', 'start', 'health_status: healthy', 'kill', 'die', 'destroy']);
  });

  it('restarts by --restart on-failure:2 and reports RestartCount', async () => {
    const run = await docker([
      'run',
      '-d',
      '--name',
      'rf',
      '--restart',
      'on-failure:2',
      IMAGE,
      'sh',
      '-c',
      'exit 3',
    ]);
    expect(run.exitCode).toBe(0);
    await eventually(
      async () =>
        (await docker(['inspect', '-f', '{{.RestartCount}} {{.State.Status}}', 'rf'])).stdout === '2 exited',
    );
    expect((await docker(['inspect', '-f', '{{.State.ExitCode}}', 'rf'])).stdout).toBe('3');
    expect((await docker(['rm', 'rf'])).exitCode).toBe(0);
  });
});
