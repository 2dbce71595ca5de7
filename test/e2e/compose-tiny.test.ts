// examples/tiny through the built CLI on an engine of its own (auto-started by the first command): up -d
// --wait, the page through the published port, ps, logs, exec, a recreate of only the changed service,
// scaling, stop/start, down keeping the volume and down -v removing it. The engine is stopped at the end.
import { execa } from 'execa';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTinyProject, type TinyProject } from './tiny-project.js';

let tiny: TinyProject;
let dir: string;
const berth: TinyProject['berth'] = (...args) => tiny.berth(...args);
let env: Record<string, string>;
let port: number;

interface PsRow {
  ID: string;
  Name: string;
  Service: string;
  State: string;
  Health: string;
}

async function ps(all = false): Promise<PsRow[]> {
  const result = await berth(['ps', '--format', 'json', ...(all ? ['-a'] : [])]);
  expect(result.stderr).toBe('');
  return result.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as PsRow);
}

beforeAll(async () => {
  tiny = await openTinyProject('berth-e2e-tiny-');
  ({ dir, env, port } = tiny);
});

afterAll(async () => {
  await tiny?.close();
});

describe('examples/tiny', () => {
  it('comes up, serves its page through the published port, and shows in ps and logs', async () => {
    const up = await berth(['--progress', 'plain', 'up', '-d', '--wait']);
    expect(up.exitCode).toBe(0);
    expect(up.stderr).toContain('Container tiny-web-1  Healthy');
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(await page.text()).toBe('<h1>hello from berth</h1>\n');
    const rows = await ps();
    expect(rows.map((row) => [row.Name, row.State, row.Health])).toEqual([
      ['tiny-web-1', 'running', 'healthy'],
      ['tiny-worker-1', 'running', ''],
    ]);
    // The worker reaches web by its service name on the project network.
    for (let attempt = 0; attempt < 50; attempt++) {
      const logs = await berth(['logs', '--no-color', 'worker']);
      if (logs.stdout.includes('worker-1  | <h1>hello from berth</h1>')) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect((await berth(['logs', '--no-color', 'worker'])).stdout).toContain(
      'worker-1  | <h1>hello from berth</h1>',
    );
    const exec = await berth(['exec', '-T', 'web', 'cat', '/www/index.html']);
    expect(exec.stdout).toBe('<h1>hello from berth</h1>');
    expect((await berth(['port', 'web', '8080'])).stdout).toBe(`127.0.0.1:${port}`);
    expect((await berth(['top', 'web'])).stdout).toContain('httpd -f -v -p 8080');
    const stats = await berth(['stats', '--no-stream']);
    expect(stats.stdout.split('\n')[0]).toMatch(/^CONTAINER ID\s+NAME\s+CPU %/);
    expect(stats.stdout).toContain('tiny-web-1');
    expect(stats.stdout).toContain('tiny-worker-1');
    const projects = JSON.parse((await berth(['ls', '--format', 'json'])).stdout) as Array<{
      Name: string;
      Status: string;
    }>;
    expect(projects).toEqual([
      expect.objectContaining({ Name: 'tiny', Status: expect.stringContaining('running(2)') }),
    ]);
  });

  it('runs one-off containers that reach the services by name and pass on their exit code', async () => {
    const fetched = await berth(['run', '--rm', '-T', 'worker', 'wget', '-q', '-O', '-', 'http://web:8080/']);
    expect(fetched.stdout).toBe('<h1>hello from berth</h1>');
    expect(fetched.exitCode).toBe(0);
    const failed = await berth([
      'run',
      '--rm',
      '-T',
      '--no-deps',
      'seed',
      'sh',
      '-c',
      'echo oops >&2; exit 3',
    ]);
    expect(failed.exitCode).toBe(3);
    expect(failed.stderr).toContain('oops');
    // One-offs are not service containers, and --rm removed them.
    expect((await ps(true)).map((row) => row.Name)).toEqual(['tiny-seed-1', 'tiny-web-1', 'tiny-worker-1']);
  });

  it('recreates only the service whose config changed, and scales by container number', async () => {
    const before = await ps();
    const up = await berth(['--progress', 'plain', 'up', '-d', '-t', '1'], { GREETING: 'changed' });
    expect(up.exitCode).toBe(0);
    expect(up.stderr).toContain('Container tiny-worker-1  Recreate');
    const after = await ps();
    expect(after.find((row) => row.Service === 'web')?.ID).toBe(
      before.find((row) => row.Service === 'web')?.ID,
    );
    expect(after.find((row) => row.Service === 'worker')?.ID).not.toBe(
      before.find((row) => row.Service === 'worker')?.ID,
    );
    const scaled = await berth(['--progress', 'plain', 'up', '-d', '-t', '1', '--scale', 'worker=3'], {
      GREETING: 'changed',
    });
    expect(scaled.exitCode).toBe(0);
    expect((await ps()).filter((row) => row.Service === 'worker').map((row) => row.Name)).toEqual([
      'tiny-worker-1',
      'tiny-worker-2',
      'tiny-worker-3',
    ]);
    const back = await berth(['--progress', 'plain', 'up', '-d', '-t', '1'], { GREETING: 'changed' });
    expect(back.stderr).toContain('Container tiny-worker-3  Removed');
    expect((await ps()).filter((row) => row.Service === 'worker').map((row) => row.Name)).toEqual([
      'tiny-worker-1',
    ]);
  });

  it('stops and starts, and down keeps the volume while down -v removes it', async () => {
    expect((await berth(['stop', '-t', '1'])).exitCode).toBe(0);
    expect(await ps()).toEqual([]);
    expect((await berth(['start'])).exitCode).toBe(0);
    expect((await ps()).map((row) => row.Name)).toContain('tiny-web-1');
    const down = await berth(['--progress', 'plain', 'down', '-t', '1']);
    expect(down.exitCode).toBe(0);
    expect(await ps(true)).toEqual([]);
    const volumes = await execa('docker', ['volume', 'ls', '-q'], {
      env: { DOCKER_HOST: `unix://${path.join(dir, 'run', 'berth.sock')}`, PATH: env.PATH ?? '' },
    });
    expect(volumes.stdout.trim()).toBe('tiny_site');
    const again = await berth(['--progress', 'plain', 'up', '-d', '--wait']);
    expect(again.exitCode).toBe(0);
    expect((await berth(['--progress', 'plain', 'down', '-v', '-t', '0'])).stderr).toContain(
      'Volume tiny_site  Removed',
    );
    const none = await execa('docker', ['volume', 'ls', '-q'], {
      env: { DOCKER_HOST: `unix://${path.join(dir, 'run', 'berth.sock')}`, PATH: env.PATH ?? '' },
    });
    expect(none.stdout.trim()).toBe('');
  });
});
