// The compose verbs beyond up/down on examples/tiny, through the built CLI on an engine of its own: create
// (containers left in state created), images, wait (exit codes of stopped services), cp both ways, events
// (followed by a child process), and pull's failure path (an unreachable registry, and --ignore-pull-failures).
import { execa } from 'execa';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTinyProject, type TinyProject } from './tiny-project.js';

let tiny: TinyProject;
let dir: string;
const berth: TinyProject['berth'] = (...args) => tiny.berth(...args);

async function psStates(): Promise<Array<[string, string]>> {
  const result = await berth(['ps', '-a', '--format', 'json']);
  return result.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { Name: string; State: string })
    .map((row) => [row.Name, row.State]);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  tiny = await openTinyProject('berth-e2e-verbs-');
  ({ dir } = tiny);
});

afterAll(async () => {
  await tiny?.close();
});

describe('compose verbs on examples/tiny', () => {
  it('create makes the containers without starting them', async () => {
    const created = await berth(['--progress', 'plain', 'create']);
    expect(created.exitCode).toBe(0);
    expect(created.stderr).toContain('Container tiny-web-1  Created');
    expect(await psStates()).toEqual([
      ['tiny-seed-1', 'created'],
      ['tiny-web-1', 'created'],
      ['tiny-worker-1', 'created'],
    ]);
    // Nothing changed, so --no-recreate and a second create keep the same containers.
    const again = await berth(['--progress', 'plain', 'create', '--no-recreate']);
    expect(again.exitCode).toBe(0);
    expect(again.stderr).not.toContain('Recreate');
    expect((await berth(['create', '--force-recreate', '--no-recreate'])).exitCode).not.toBe(0);
  });

  it('images lists the image of each container, as a table, IDs only, or JSON', async () => {
    const table = await berth(['images', 'web']);
    expect(table.exitCode).toBe(0);
    const [header, row, ...rest] = table.stdout.split('\n');
    expect(header?.split(/\s{2,}/)).toEqual(['CONTAINER', 'REPOSITORY', 'TAG', 'IMAGE ID', 'SIZE']);
    expect(row?.split(/\s{2,}/).slice(0, 3)).toEqual(['tiny-web-1', 'berth.local/busybox', 'latest']);
    expect(rest).toEqual([]);
    const quiet = await berth(['images', '-q']);
    expect(quiet.stdout).toMatch(/^sha256:[0-9a-f]{64}$/);
    const json = JSON.parse((await berth(['images', '--format', 'json'])).stdout) as Array<{
      ContainerName: string;
      Repository: string;
      Tag: string;
      ID: string;
      Size: number;
    }>;
    expect(json.map((entry) => entry.ContainerName)).toEqual(['tiny-seed-1', 'tiny-web-1', 'tiny-worker-1']);
    for (const entry of json) {
      expect(entry).toMatchObject({ Repository: 'berth.local/busybox', Tag: 'latest', ID: quiet.stdout });
      expect(entry.Size).toBeGreaterThan(0);
    }
  });

  it('wait prints the exit codes of services once their containers stop', async () => {
    expect((await berth(['up', '-d', '--wait'])).exitCode).toBe(0);
    const seed = await berth(['wait', 'seed']);
    expect(seed.stdout).toBe('0');
    expect(seed.exitCode).toBe(0);
    // The worker's shell (PID 1) ignores SIGTERM, so stop kills it at the grace period: 137.
    const waiting = berth(['wait', 'worker']);
    await sleep(1000);
    expect((await berth(['stop', '-t', '1', 'worker'])).exitCode).toBe(0);
    const worker = await waiting;
    expect(worker.stdout).toBe('137');
    expect(worker.exitCode).toBe(137);
    expect((await berth(['wait', 'nosuch'])).stderr).toContain('no such service: nosuch');
  });

  it('cp copies into and out of a service container', async () => {
    const local = path.join(dir, 'note.txt');
    await writeFile(local, 'copied in\n');
    const copiedIn = await berth(['cp', '--index', '1', local, 'web:/tmp/note.txt']);
    expect(copiedIn.exitCode).toBe(0);
    expect((await berth(['exec', '-T', 'web', 'cat', '/tmp/note.txt'])).stdout).toBe('copied in');
    expect((await berth(['exec', '-T', 'web', 'sh', '-c', 'echo changed >> /tmp/note.txt'])).exitCode).toBe(
      0,
    );
    const out = path.join(dir, 'back.txt');
    const copiedOut = await berth(['cp', 'web:/tmp/note.txt', out]);
    expect(copiedOut.exitCode).toBe(0);
    expect(await readFile(out, 'utf8')).toBe('copied in\nchanged\n');
    // Paths in the service's volume are reached too (the container's own view of its mounts).
    const page = path.join(dir, 'page.html');
    expect((await berth(['cp', 'web:/www/index.html', page])).exitCode).toBe(0);
    expect(await readFile(page, 'utf8')).toBe('<h1>hello from berth</h1>\n');
    expect((await berth(['cp', local, 'web:/www/note.txt'])).exitCode).toBe(0);
    expect((await berth(['run', '--rm', '-T', '--no-deps', 'seed', 'cat', '/www/note.txt'])).stdout).toBe(
      'copied in',
    );
    const missing = await berth(['cp', '--index', '2', 'web:/tmp/note.txt', out]);
    expect(missing.exitCode).not.toBe(0);
    expect(missing.stderr).toContain('service "web" has no container number 2');
    const unknown = await berth(['cp', 'nosuch:/tmp/note.txt', out]);
    expect(unknown.stderr).toContain('no such service: nosuch');
  });

  it('events follows the project container events, as JSON lines and as text', async () => {
    const follow = (args: string[]): { child: ReturnType<TinyProject['berth']>; output: () => string } => {
      const child = berth(['events', ...args]);
      let text = '';
      child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      return { child, output: () => text };
    };
    const json = follow(['--json', 'web']);
    const plain = follow([]);
    const seen = () =>
      json
        .output()
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as { service: string; action: string; id: string; type: string });
    // Subscriptions take a moment: restart until the followers see it (bounded).
    for (let attempt = 0; attempt < 5 && !seen().some((e) => e.action === 'start'); attempt++) {
      await sleep(1000);
      expect((await berth(['restart', '-t', '1', 'web'])).exitCode).toBe(0);
      for (let poll = 0; poll < 20 && !seen().some((e) => e.action === 'start'); poll++) await sleep(100);
    }
    const events = seen();
    expect(events.some((e) => e.action === 'restart' || e.action === 'start')).toBe(true);
    expect(events.every((e) => e.service === 'web' && e.type === 'container')).toBe(true);
    for (let poll = 0; poll < 20 && !plain.output().includes(' container start '); poll++) await sleep(100);
    expect(plain.output()).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} container start [0-9a-f]{64} \(.*name=tiny-web-1.*\)$/m,
    );
    for (const { child } of [json, plain]) {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
      const ended = await child;
      expect(ended.exitCode).toBe(0);
    }
  });

  it('pull names the service and image that cannot be pulled, and --ignore-pull-failures goes on', async () => {
    const project = path.join(dir, 'pull');
    await execa('mkdir', ['-p', project]);
    await writeFile(
      path.join(project, 'compose.yaml'),
      [
        'name: verbspull',
        'services:',
        '  broken:',
        '    image: 127.0.0.1:9/none:1',
        '  built:',
        '    build: .',
        '  both:',
        '    image: 127.0.0.1:9/none:2',
        '    build: .',
        '',
      ].join('\n'),
    );
    const file = path.join(project, 'compose.yaml');
    const failed = await berth(['-f', file, '--progress', 'plain', 'pull']);
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toContain('service "broken": cannot pull image 127.0.0.1:9/none:1');
    expect(failed.stderr).toContain('Skipping built: it has no image, only a build');
    const ignored = await berth(['-f', file, '--progress', 'plain', 'pull', '--ignore-pull-failures']);
    expect(ignored.exitCode).toBe(0);
    expect(ignored.stderr).toContain('service "broken": cannot pull image 127.0.0.1:9/none:1');
    // A service that can also be built only warns.
    const buildable = await berth(['-f', file, '--progress', 'plain', 'pull', 'both']);
    expect(buildable.exitCode).toBe(0);
    expect(buildable.stderr).toContain('service "both": cannot pull image 127.0.0.1:9/none:2');
    expect(buildable.stderr).toContain('(it will be built)');
    const skipped = await berth(['-f', file, '--progress', 'plain', 'pull', '--ignore-buildable', 'both']);
    expect(skipped.exitCode).toBe(0);
    expect(skipped.stderr).toContain('Skipping both: it can be built (--ignore-buildable)');
    const quiet = await berth(['-f', file, 'pull', '-q', 'broken']);
    expect(quiet.exitCode).toBe(1);
    expect(quiet.stderr).toContain('127.0.0.1:9/none:1');
  });

  it('wait --down-project takes the project down once the first container has stopped', async () => {
    expect((await psStates()).length).toBe(3);
    const waited = await berth(['--progress', 'plain', 'wait', '--down-project', 'seed', 'web']);
    expect(waited.stdout).toBe('0');
    expect(waited.exitCode).toBe(0);
    expect(waited.stderr).toContain('Container tiny-web-1  Removed');
    expect(await psStates()).toEqual([]);
  });
});
