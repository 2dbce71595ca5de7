// Lifecycle features through the built CLI on an engine of its own: post_start / pre_stop hooks and pre_start
// steps (they write files into a bind the test reads), depends_on `restart: true` (a dependant restarted after
// its dependency is recreated or restarted, the others left alone), optional dependencies that only warn,
// `push` to a local registry, and `--host` / DOCKER_HOST driving a second berth engine's socket.
import { execa } from 'execa';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { networkSlotEnv } from '../helpers/network-slot.js';
import { startRegistry, type Registry } from '../integration/registry/registry-fixture.js';
import { openTinyProject, type TinyProject } from './tiny-project.js';

let tiny: TinyProject;
let dir: string;
const berth: TinyProject['berth'] = (...args) => tiny.berth(...args);
const IMAGE = 'berth.local/busybox:latest';

async function composeFile(name: string, text: string): Promise<string> {
  const projectDir = path.join(dir, name);
  await mkdir(projectDir, { recursive: true });
  const file = path.join(projectDir, 'compose.yaml');
  await writeFile(file, text);
  return file;
}

async function startedAt(container: string, env: Record<string, string> = {}): Promise<string> {
  const result = await berth(['container', 'inspect', container], env);
  expect(result.exitCode).toBe(0);
  const parsed = JSON.parse(result.stdout) as unknown;
  const inspect = (Array.isArray(parsed) ? parsed[0] : parsed) as { State: { StartedAt: string } };
  return inspect.State.StartedAt;
}

const idle = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]`;

beforeAll(async () => {
  tiny = await openTinyProject('berth-e2e-lifecycle-');
  ({ dir } = tiny);
});

afterAll(async () => {
  await tiny?.close();
});

describe('lifecycle hooks', () => {
  let file: string;
  let out: string;

  beforeAll(async () => {
    out = path.join(dir, 'hooks-out');
    await mkdir(out, { recursive: true });
    await chmod(out, 0o777);
    file = await composeFile(
      'hooks',
      `name: hooks
services:
  app:
    image: ${IMAGE}
    command: ${idle}
    volumes: ["${out}:/out"]
    pre_start:
      - command: ["sh", "-c", "echo init-$$STEP >> /out/pre_start"]
        environment: { STEP: one }
      - command: ["sh", "-c", "echo init-two >> /out/pre_start"]
    post_start:
      - command: ["sh", "-c", "echo $$GREETING $$(id -u) $$(pwd) >> /out/post_start"]
        environment: { GREETING: started }
        user: "65534"
        working_dir: /tmp
    pre_stop:
      - command: ["sh", "-c", "echo stopping >> /out/pre_stop"]
  replicas:
    image: ${IMAGE}
    command: ${idle}
    scale: 2
    volumes: ["${out}:/out"]
    pre_start:
      - command: ["sh", "-c", "echo once >> /out/replicas"]
      - command: ["sh", "-c", "echo each >> /out/replicas"]
        per_replica: true
  broken:
    profiles: [broken]
    image: ${IMAGE}
    command: ${idle}
    post_start:
      - command: ["sh", "-c", "echo hook says no; exit 3"]
  broken-init:
    profiles: [broken]
    image: ${IMAGE}
    command: ${idle}
    pre_start:
      - command: ["sh", "-c", "echo init says no; exit 4"]
`,
    );
  });

  afterAll(async () => {
    await berth(['-f', file, '--profile', 'broken', 'down', '-t', '0']);
  });

  it('runs pre_start steps in order, then post_start in the started container with its user, dir and env', async () => {
    const up = await berth(['-f', file, '--progress', 'plain', 'up', '-d']);
    expect(up.stderr).toContain('Container hooks-app-1  Started');
    expect(up.exitCode).toBe(0);
    expect(await readFile(path.join(out, 'pre_start'), 'utf8')).toBe('init-one\ninit-two\n');
    expect(await readFile(path.join(out, 'post_start'), 'utf8')).toBe('started 65534 /tmp\n');
    // Steps without per_replica run once for the service, the others for each replica.
    expect(await readFile(path.join(out, 'replicas'), 'utf8')).toBe('once\neach\neach\n');
    // The steps' containers are gone once they succeeded; only the services' containers are left.
    const ps = await berth(['-f', file, 'ps', '-a', '--format', 'json']);
    const names = ps.stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { Name: string }).Name);
    expect(names).toEqual(['hooks-app-1', 'hooks-replicas-1', 'hooks-replicas-2']);
    // A second up changes nothing and runs no step again.
    expect((await berth(['-f', file, 'up', '-d'])).exitCode).toBe(0);
    expect(await readFile(path.join(out, 'pre_start'), 'utf8')).toBe('init-one\ninit-two\n');
  });

  it('runs pre_stop before stop and down, and post_start again on start', async () => {
    expect((await berth(['-f', file, 'stop'])).exitCode).toBe(0);
    expect(await readFile(path.join(out, 'pre_stop'), 'utf8')).toBe('stopping\n');
    expect((await berth(['-f', file, 'start'])).exitCode).toBe(0);
    expect(await readFile(path.join(out, 'post_start'), 'utf8')).toBe('started 65534 /tmp\n'.repeat(2));
    const down = await berth(['-f', file, 'down', '-t', '2']);
    expect(down.exitCode).toBe(0);
    expect(await readFile(path.join(out, 'pre_stop'), 'utf8')).toBe('stopping\nstopping\n');
  });

  it("fails a service's start with a failing hook's exit code and output", async () => {
    const post = await berth(['-f', file, '--profile', 'broken', 'up', '-d', 'broken']);
    expect(post.exitCode).not.toBe(0);
    expect(post.stderr).toContain('post_start hook 1');
    expect(post.stderr).toContain('exit code 3');
    expect(post.stderr).toContain('hook says no');
    const pre = await berth(['-f', file, '--profile', 'broken', 'up', '-d', 'broken-init']);
    expect(pre.exitCode).not.toBe(0);
    expect(pre.stderr).toContain('pre_start step 1');
    expect(pre.stderr).toContain('exit code 4');
    expect(pre.stderr).toContain('init says no');
    // The failed step's container is kept for its logs; the service's container is not, so the next up runs
    // the steps again.
    const kept = await berth(['container', 'logs', 'hooks-broken-init-1-pre_start-1']);
    expect(kept.stdout).toContain('init says no');
    expect((await berth(['container', 'inspect', 'hooks-broken-init-1'])).exitCode).not.toBe(0);
    // It is no replica of the service: ps leaves it out, and down removes it.
    const ps = await berth(['-f', file, '--profile', 'broken', 'ps', '-a', '--format', 'json']);
    expect(ps.stdout).not.toContain('pre_start');
    expect((await berth(['-f', file, '--profile', 'broken', 'down', '-t', '0'])).exitCode).toBe(0);
    expect((await berth(['container', 'inspect', 'hooks-broken-init-1-pre_start-1'])).exitCode).not.toBe(0);
  });
});

describe('depends_on restart and required', () => {
  let file: string;

  beforeAll(async () => {
    file = await composeFile(
      'deps',
      `name: deps
services:
  db:
    image: ${IMAGE}
    command: ${idle}
    environment: { VERSION: "\${DB_VERSION:-1}" }
  api:
    image: ${IMAGE}
    command: ${idle}
    depends_on:
      db: { condition: service_started, restart: true }
  other:
    image: ${IMAGE}
    command: ${idle}
    depends_on:
      db: { condition: service_started }
  broken:
    image: ${IMAGE}
    command: ${idle}
    post_start:
      - command: ["false"]
  app:
    image: ${IMAGE}
    command: ${idle}
    depends_on:
      broken: { condition: service_started, required: false }
      ghost: { condition: service_started, required: false }
  ghost:
    profiles: [never]
    image: ${IMAGE}
    command: ${idle}
`,
    );
  });

  afterAll(async () => {
    await berth(['-f', file, 'down', '-t', '0']);
  });

  it('brings the stack up when an optional dependency is disabled or fails, with a warning', async () => {
    const up = await berth(['-f', file, '--progress', 'plain', 'up', '-d']);
    expect(up.exitCode).toBe(0);
    // A disabled optional dependency (ghost) is dropped when the file is loaded, as Docker Compose does.
    expect(up.stderr).toContain('optional dependency "broken" failed to start');
    expect(up.stderr).toContain('Container deps-app-1  Started');
  });

  it('restarts the dependants that ask for it after their dependency is recreated, and only those', async () => {
    const api = await startedAt('deps-api-1');
    const other = await startedAt('deps-other-1');
    const up = await berth(['-f', file, '--progress', 'plain', 'up', '-d'], { DB_VERSION: '2' });
    expect(up.exitCode).toBe(0);
    expect(up.stderr).toContain('Container deps-db-1  Recreated');
    expect(up.stderr).toContain('Container deps-api-1  Restarted');
    expect(await startedAt('deps-api-1')).not.toBe(api);
    expect(await startedAt('deps-other-1')).toBe(other);
  });

  it('berth restart of a dependency restarts those dependants too', async () => {
    const api = await startedAt('deps-api-1');
    const other = await startedAt('deps-other-1');
    const restart = await berth(['-f', file, '--progress', 'plain', 'restart', '-t', '1', 'db'], {
      DB_VERSION: '2',
    });
    expect(restart.exitCode).toBe(0);
    expect(await startedAt('deps-api-1')).not.toBe(api);
    expect(await startedAt('deps-other-1')).toBe(other);
  });
});

describe('push', () => {
  let registry: Registry;
  let file: string;

  beforeAll(async () => {
    registry = await startRegistry();
    file = await composeFile(
      'push',
      `name: push
services:
  app:
    image: ${registry.host}/berth/app:1
    build: ./app
  missing:
    image: ${registry.host}/berth/missing:1
    build: ./app
  plain:
    image: ${IMAGE}
`,
    );
    await mkdir(path.join(dir, 'push', 'app'), { recursive: true });
    await writeFile(path.join(dir, 'push', 'app', 'Dockerfile'), `FROM ${IMAGE}\n`);
    expect((await berth(['image', 'tag', IMAGE, `${registry.host}/berth/app:1`])).exitCode).toBe(0);
  });

  afterAll(async () => {
    await registry?.stop();
  });

  it('pushes the images of services that build and name one; failures fail it unless ignored', async () => {
    const strict = await berth(['-f', file, '--progress', 'plain', 'push']);
    expect(strict.exitCode).not.toBe(0);
    expect(strict.stderr).toContain(`service "missing": cannot push image ${registry.host}/berth/missing:1`);
    const ignored = await berth(['-f', file, '--progress', 'plain', 'push', '--ignore-push-failures']);
    expect(ignored.exitCode).toBe(0);
    expect(ignored.stderr).toContain(`Image ${registry.host}/berth/app:1  Pushed`);
    expect(ignored.stderr).not.toContain(IMAGE);
    const tags = await fetch(`http://${registry.host}/v2/berth/app/tags/list`);
    expect(await tags.json()).toEqual({ name: 'berth/app', tags: ['1'] });
    const quiet = await berth(['-f', file, 'push', '-q', 'app']);
    expect(quiet.exitCode).toBe(0);
    expect(quiet.stdout + quiet.stderr).toBe('');
  });
});

describe('--host and DOCKER_HOST', () => {
  let second: Record<string, string>;
  let socket: string;
  let file: string;

  beforeAll(async () => {
    const root = path.join(dir, 'second');
    await mkdir(root, { recursive: true });
    second = {
      ...tiny.env,
      BERTH_ROOT: path.join(root, 'root'),
      BERTH_RUN: path.join(root, 'run'),
      ...networkSlotEnv(root),
    };
    socket = path.join(root, 'run', 'berth.sock');
    const image = await execa('bash', [path.resolve('scripts/busybox-image.sh')], {
      env: second,
      extendEnv: false,
      reject: false,
    });
    expect(image.exitCode).toBe(0);
    file = await composeFile(
      'remote',
      `name: remote
services:
  one:
    image: ${IMAGE}
    command: ${idle}
`,
    );
  });

  afterAll(async () => {
    if (second === undefined) return;
    await berth(['-f', file, 'down', '-t', '0'], second);
    await berth(['engine', 'stop'], second);
  });

  it('runs the compose verbs on the engine behind the socket, not the embedded one', async () => {
    const up = await berth(['-H', `unix://${socket}`, '-f', file, 'up', '-d']);
    expect(up.exitCode).toBe(0);
    const there = await berth(['-f', file, 'ps', '-q'], second);
    expect(there.stdout.trim()).toMatch(/^[0-9a-f]{12,64}$/);
    const here = await berth(['-f', file, 'ps', '-q']);
    expect(here.stdout.trim()).toBe('');
    const viaEnv = await berth(['-f', file, 'ps', '--services'], { DOCKER_HOST: `unix://${socket}` });
    expect(viaEnv.stdout.trim()).toBe('one');
    const down = await berth(['-f', file, 'down', '-t', '0'], { DOCKER_HOST: `unix://${socket}` });
    expect(down.exitCode).toBe(0);
    expect((await berth(['-f', file, 'ps', '-a', '-q'], second)).stdout.trim()).toBe('');
  });

  it('never starts an engine behind --host', async () => {
    const missing = path.join(dir, 'nothing.sock');
    const result = await berth(['-H', `unix://${missing}`, '-f', file, 'ps']);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain(`no engine is answering at ${missing}`);
    const tcp = await berth(['-H', 'tcp://127.0.0.1:2375', '-f', file, 'ps']);
    expect(tcp.exitCode).not.toBe(0);
    expect(tcp.stderr).toContain('must be a unix socket');
  });
});
