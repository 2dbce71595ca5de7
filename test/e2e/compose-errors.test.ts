// The failures a user meets most, through the built CLI on an engine of its own, each told clearly and leaving
// nothing behind once the project is down: a published port already in use (which port, which service, what
// holds it), an image that cannot be pulled (which service, which reference, why; --quiet-pull hides only the
// progress), and a service that exits at start (its exit code and last output) under --wait and as a dependency.
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type Registry } from '../integration/registry/registry-fixture.js';
import { openTinyProject, type TinyProject } from './tiny-project.js';

let tiny: TinyProject;
const projects: string[] = [];
const berth: TinyProject['berth'] = (...args) => tiny.berth(...args);
const IMAGE = 'berth.local/busybox:latest';

async function composeFile(name: string, text: string): Promise<string> {
  const projectDir = path.join(tiny.dir, name);
  await mkdir(projectDir, { recursive: true });
  const file = path.join(projectDir, 'compose.yaml');
  await writeFile(file, `name: ${name}\n${text}`);
  projects.push(file);
  return file;
}

/** Name → state (with the exit code of an exited one) of the project's containers. */
async function states(args: string[]): Promise<Record<string, string>> {
  const ps = await berth([...args, 'ps', '-a', '--format', 'json']);
  expect(ps.exitCode).toBe(0);
  const lines = ps.stdout.trim() === '' ? [] : ps.stdout.trim().split('\n');
  return Object.fromEntries(
    lines.map((line) => {
      const entry = JSON.parse(line) as { Name: string; State: string; ExitCode?: number };
      return [entry.Name, `${entry.State}${entry.State === 'exited' ? ` ${entry.ExitCode}` : ''}`];
    }),
  );
}

/** After `down`, the project has no container and no network left. */
async function expectGone(args: string[], project: string): Promise<void> {
  expect((await berth([...args, 'down', '-v', '-t', '0'])).exitCode).toBe(0);
  expect(await states(args)).toEqual({});
  const networks = await berth(['network', 'ls']);
  expect(networks.stdout).not.toContain(`${project}_`);
  const containers = await berth(['container', 'ls', '-a', '-q']);
  expect(containers.stdout.trim()).toBe('');
}

beforeAll(async () => {
  tiny = await openTinyProject('berth-e2e-errors-');
});

afterEach(async () => {
  for (const file of projects) await berth(['-f', file, 'down', '-v', '--remove-orphans', '-t', '0']);
});

afterAll(async () => {
  await tiny?.close();
});

describe('a published port already in use', () => {
  it('names the port, the service and the process holding it', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(tiny.port, '127.0.0.1', resolve));
    try {
      const up = await berth(['up', '-d']);
      expect(up.exitCode).toBe(1);
      expect(up.stderr).toContain('service "web"');
      expect(up.stderr).toContain(`port ${tiny.port} is already in use by process ${process.pid}`);
      // What ran before the failure is there, the failed container created but not started.
      expect(await states([])).toEqual({ 'tiny-seed-1': 'exited 0', 'tiny-web-1': 'created' });
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
    await expectGone([], 'tiny');
  });
});

describe('an image that cannot be pulled', () => {
  let registry: Registry;

  beforeAll(async () => {
    registry = await startRegistry();
  });

  afterAll(async () => {
    await registry?.stop();
  });

  it('names the service, the reference and the reason, before anything is created', async () => {
    const reference = `${registry.host}/berth/nothing-here:1`;
    const file = await composeFile(
      'nopull',
      `services:
  app:
    image: ${reference}
  db:
    image: ${IMAGE}
    command: ["sleep", "60"]
`,
    );
    const up = await berth(['-f', file, 'up', '-d']);
    expect(up.exitCode).toBe(1);
    expect(up.stderr).toContain(`service "app": cannot pull image ${reference}`);
    expect(up.stderr).toMatch(/not found|unknown/i);
    expect(await states(['-f', file])).toEqual({});
    expect((await berth(['network', 'ls'])).stdout).not.toContain('nopull_');
    const run = await berth(['-f', file, 'run', '--rm', 'app']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(`service "app": cannot pull image ${reference}`);
    expect((await berth(['network', 'ls'])).stdout).not.toContain('nopull_');
    await expectGone(['-f', file], 'nopull');
  });

  it('--quiet-pull pulls without reporting it', async () => {
    const reference = `${registry.host}/berth/busybox:1`;
    expect((await berth(['image', 'tag', IMAGE, reference])).exitCode).toBe(0);
    expect((await berth(['image', 'push', '-q', reference])).exitCode).toBe(0);
    expect((await berth(['image', 'rm', reference])).exitCode).toBe(0);
    const file = await composeFile(
      'quietpull',
      `services:
  app:
    image: ${reference}
    command: ["sleep", "60"]
`,
    );
    const up = await berth(['-f', file, '--progress', 'plain', 'up', '-d', '--quiet-pull']);
    expect(up.stderr).not.toContain('Pulling');
    expect(up.stderr).not.toContain('Pulled');
    expect(up.stderr).toContain('Container quietpull-app-1  Started');
    expect(up.exitCode).toBe(0);
    await expectGone(['-f', file], 'quietpull');
  });
});

describe('a service that exits at start', () => {
  let file: string;

  beforeAll(async () => {
    file = await composeFile(
      'crash',
      `services:
  broken:
    image: ${IMAGE}
    command: ["sh", "-c", "echo reading config; echo 'fatal: no config' >&2; exit 3"]
  fine:
    image: ${IMAGE}
    command: ["sleep", "60"]
  checked:
    image: ${IMAGE}
    command: ["sh", "-c", "echo checked dying; exit 4"]
    healthcheck: { test: ["CMD", "true"], interval: 1s }
  needs-checked:
    image: ${IMAGE}
    command: ["sleep", "60"]
    depends_on: { checked: { condition: service_healthy } }
  migrate:
    image: ${IMAGE}
    command: ["sh", "-c", "echo migration failed; exit 5"]
  needs-migrate:
    image: ${IMAGE}
    command: ["sleep", "60"]
    depends_on: { migrate: { condition: service_completed_successfully } }
`,
    );
  });

  it('--wait gives its exit code and last output', async () => {
    const up = await berth(['-f', file, 'up', '-d', '--wait', 'broken', 'fine']);
    expect(up.exitCode).toBe(1);
    expect(up.stderr).toContain('service "broken": container crash-broken-1 exited with code 3');
    expect(up.stderr).toContain('reading config');
    expect(up.stderr).toContain('fatal: no config');
    expect(await states(['-f', file])).toEqual({ 'crash-broken-1': 'exited 3', 'crash-fine-1': 'running' });
    await expectGone(['-f', file], 'crash');
  });

  it('a dependency that dies gives its exit code and last output; the dependant is not created', async () => {
    const healthy = await berth(['-f', file, 'up', '-d', 'needs-checked']);
    expect(healthy.exitCode).toBe(1);
    expect(healthy.stderr).toContain('container crash-checked-1 of service "checked" exited with code 4');
    expect(healthy.stderr).toContain('checked dying');
    const completed = await berth(['-f', file, 'up', '-d', 'needs-migrate']);
    expect(completed.exitCode).toBe(1);
    expect(completed.stderr).toContain('service "migrate" didn\'t complete successfully');
    expect(completed.stderr).toContain('exited with code 5');
    expect(completed.stderr).toContain('migration failed');
    expect(await states(['-f', file])).toEqual({
      'crash-checked-1': 'exited 4',
      'crash-migrate-1': 'exited 5',
    });
    await expectGone(['-f', file], 'crash');
  });
});
