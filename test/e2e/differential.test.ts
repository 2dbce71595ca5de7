// The differential set: one compose project (networks with aliases, named and anonymous volumes, a bind, env and
// env_file, published ports, labels, a healthcheck, depends_on conditions, scale, a one-shot job and a failing
// one, post_start and pre_start hooks, then a change to one service) brought up by berth's compose layer once on berth's embedded engine and
// once on Docker Engine (a private dockerd, driven with --host), and the resulting containers compared: names,
// compose labels, networks and aliases, mounts, env, published ports, states and exit codes, and which
// containers the change recreated. Skipped, saying why, when dockerd is not installed.
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerInspect, ContainerSummary } from '../../src/engine/api/containers.js';
import { EngineClient } from '../../src/engine/client/engine-client.js';
import { dockerdPath, importBusybox, startDockerd, type PrivateDockerd } from './private-dockerd.js';
import { openTinyProject, type TinyProject } from './tiny-project.js';

const dockerd = dockerdPath();
const skipReason = dockerd === undefined ? ' (skipped: dockerd is not installed)' : '';
const IMAGE = 'berth.local/busybox:latest';
const idle = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]`;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const composeText = (port: number) => `name: diff
services:
  db:
    image: ${IMAGE}
    command: ${idle}
    # The healthcheck passes once the post_start hook has run.
    post_start:
      - command: ["touch", "/tmp/ready"]
    networks:
      back:
        aliases: [database, store]
    volumes:
      - data:/data
      - /anon
    environment:
      ROLE: db
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 1s
      retries: 30
    labels:
      tier: data
  migrate:
    image: ${IMAGE}
    command: ["sh", "-c", "echo migrated > /data/migrated"]
    volumes: [data:/data]
    networks: [back]
    depends_on:
      db: { condition: service_healthy }
  api:
    image: ${IMAGE}
    command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
    networks:
      front:
        aliases: [api.local]
      back: {}
    ports:
      - "127.0.0.1:${port}:8080"
      - "127.0.0.1::9000/udp"
    env_file: [api.env]
    environment:
      API_VERSION: \${API_VERSION:-1}
      EMPTY: ""
    volumes:
      - ./site:/www:ro
    labels:
      - com.example.role=api
    depends_on:
      migrate: { condition: service_completed_successfully }
      db: { condition: service_started }
  worker:
    image: ${IMAGE}
    command: ${idle}
    scale: 2
    depends_on: [api]
    pre_start:
      - command: ["sh", "-c", "test -f /data/migrated"]
    volumes:
      - data:/data:ro
  failing:
    image: ${IMAGE}
    command: ["sh", "-c", "exit 3"]
volumes:
  data: {}
networks:
  front: {}
  back: {}
`;

interface Snapshot {
  name: string;
  labels: Record<string, string>;
  networks: Record<string, string[]>;
  mounts: Array<{ type: string; name?: string; source?: string; destination: string; rw: boolean }>;
  env: string[];
  ports: Record<string, string[]>;
  state: string;
  exitCode: number;
  health?: string;
}

/** A container as the comparison sees it: engine-specific IDs, paths and ephemeral ports left out. */
function snapshotOf(inspect: ContainerInspect): Snapshot {
  const id = inspect.Id;
  const labels = { ...(inspect.Config?.Labels ?? {}) };
  // The image ID label differs: the same files imported into two stores get different IDs.
  delete labels['com.docker.compose.image'];
  const networks: Record<string, string[]> = {};
  for (const [name, endpoint] of Object.entries(inspect.NetworkSettings?.Networks ?? {}))
    networks[name] = (endpoint?.Aliases ?? []).filter((alias) => !id.startsWith(alias)).sort();
  const mounts = (inspect.Mounts ?? [])
    .map((mount) => ({
      type: mount.Type ?? '',
      ...(mount.Type === 'volume'
        ? { name: /^[0-9a-f]{64}$/.test(mount.Name ?? '') ? '<anonymous>' : mount.Name }
        : { source: mount.Source }),
      destination: mount.Destination ?? '',
      rw: mount.RW === true,
    }))
    .sort((a, b) => a.destination.localeCompare(b.destination));
  const ports: Record<string, string[]> = {};
  for (const [port, bindings] of Object.entries(inspect.NetworkSettings?.Ports ?? {}))
    ports[port] = (bindings ?? []).map(
      (b) => `${b.HostIp}:${/^\d+$/.test(b.HostPort) ? 'port' : b.HostPort}`,
    );
  return {
    name: (inspect.Name ?? '').replace(/^\//, ''),
    labels,
    networks,
    mounts,
    env: [...(inspect.Config?.Env ?? [])].sort(),
    ports,
    state: inspect.State?.Status ?? '',
    exitCode: inspect.State?.ExitCode ?? -1,
    ...(inspect.State?.Health === undefined ? {} : { health: inspect.State.Health.Status }),
  };
}

async function containersOf(client: EngineClient): Promise<ContainerInspect[]> {
  const list = await client.requestJson<ContainerSummary[]>({
    path: '/containers/json',
    query: { all: true, filters: JSON.stringify({ label: ['com.docker.compose.project=diff'] }) },
  });
  const inspected = await Promise.all(
    list.map((c) => client.requestJson<ContainerInspect>({ path: `/containers/${c.Id}/json` })),
  );
  return inspected.sort((a, b) => (a.Name ?? '').localeCompare(b.Name ?? ''));
}

/** Waits (bounded) until the one-shot containers have exited and the checked ones report healthy. */
async function settled(client: EngineClient): Promise<ContainerInspect[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const containers = await containersOf(client);
    const done = containers.every((c) => {
      const name = c.Name ?? '';
      if (/-(failing|migrate)-/.test(name)) return c.State?.Status === 'exited';
      if (c.State?.Health !== undefined) return c.State.Health.Status === 'healthy';
      return c.State?.Status === 'running';
    });
    if (done || Date.now() > deadline) return containers;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

interface Run {
  first: Snapshot[];
  afterChange: Snapshot[];
  recreated: string[];
  volumesAfterDown: string[];
  leftAfterDown: number;
  verbs: Record<string, unknown>;
}

describe.skipIf(dockerd === undefined)(`differential: berth's engine and Docker Engine${skipReason}`, () => {
  let tiny: TinyProject;
  let docker: PrivateDockerd | undefined;
  let projectDir: string;
  let port: number;
  const runs: Record<'berth' | 'docker', Run | undefined> = { berth: undefined, docker: undefined };

  beforeAll(async () => {
    tiny = await openTinyProject('berth-e2e-diff-');
    projectDir = path.join(tiny.dir, 'diff');
    await mkdir(path.join(projectDir, 'site'), { recursive: true });
    await writeFile(path.join(projectDir, 'site', 'index.html'), 'same on both\n');
    await writeFile(path.join(projectDir, 'api.env'), 'FROM_FILE=yes\nSHARED=from-file\n');
    port = await freePort();
    await writeFile(path.join(projectDir, 'compose.yaml'), composeText(port));
    docker = await startDockerd();
    await importBusybox(docker.host);
  });

  afterAll(async () => {
    await tiny?.close();
    await docker?.stop();
  });

  async function runOn(engine: 'berth' | 'docker'): Promise<Run> {
    const host = engine === 'docker' ? ['-H', (docker as PrivateDockerd).host] : [];
    const socket =
      engine === 'docker'
        ? (docker as PrivateDockerd).socket
        : path.join(tiny.env.BERTH_RUN as string, 'berth.sock');
    const client = new EngineClient({ socket });
    await client.negotiate();
    const berth = (args: string[], env: Record<string, string> = {}) =>
      tiny.berth([...host, '-f', path.join(projectDir, 'compose.yaml'), '--progress', 'plain', ...args], env);
    try {
      const up = await berth(['up', '-d']);
      expect(up.stderr, `up on ${engine}`).not.toMatch(/^Error|error:/m);
      expect(up.exitCode, `up on ${engine}:\n${up.stderr}`).toBe(0);
      const first = await settled(client);
      const before = new Map(first.map((c) => [c.Name, c.Id]));
      const change = await berth(['up', '-d'], { API_VERSION: '2' });
      expect(change.exitCode, `second up on ${engine}:\n${change.stderr}`).toBe(0);
      const after = await settled(client);
      const recreated = after
        .filter((c) => before.get(c.Name) !== c.Id)
        .map((c) => (c.Name ?? '').replace(/^\//, ''));
      // The page is served through the published port on both.
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(await page.text()).toBe('same on both\n');
      // The everyday verbs answer the same on both.
      const verbs = {
        ps: (await berth(['ps', '-a', '--format', 'json'])).stdout
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => {
            const row = JSON.parse(line) as { Name: string; Service: string; State: string };
            return `${row.Name} ${row.Service} ${row.State}`;
          }),
        exec: (await berth(['exec', '-T', 'db', 'sh', '-c', 'test -f /tmp/ready && echo ready'])).stdout,
        port: (await berth(['port', 'api', '8080'])).stdout,
        logs: (await berth(['logs', '--no-log-prefix', 'migrate'])).stdout,
        restart: (await berth(['restart', '-t', '1', 'worker'])).exitCode,
        stop: (await berth(['stop', '-t', '1', 'api'])).exitCode,
        start: (await berth(['start', 'api'])).exitCode,
      };
      const down = await berth(['down', '-v', '-t', '1']);
      expect(down.exitCode, `down on ${engine}:\n${down.stderr}`).toBe(0);
      const volumes = await client.requestJson<{ Volumes: Array<{ Name: string }> | null }>({
        path: '/volumes',
      });
      return {
        first: first.map(snapshotOf),
        afterChange: after.map(snapshotOf),
        recreated,
        volumesAfterDown: (volumes.Volumes ?? []).map((v) => v.Name).filter((n) => n.startsWith('diff_')),
        leftAfterDown: (await containersOf(client)).length,
        verbs,
      };
    } finally {
      client.close();
    }
  }

  it('brings the project up, changes one service and takes it down on berth', async () => {
    runs.berth = await runOn('berth');
    expect(runs.berth.recreated).toEqual(['diff-api-1']);
    expect(runs.berth.leftAfterDown).toBe(0);
    expect(runs.berth.volumesAfterDown).toEqual([]);
  });

  it('does the same on Docker Engine', async () => {
    runs.docker = await runOn('docker');
    expect(runs.docker.recreated).toEqual(['diff-api-1']);
    expect(runs.docker.leftAfterDown).toBe(0);
    expect(runs.docker.volumesAfterDown).toEqual([]);
  });

  it('leaves the same containers on both', () => {
    const berth = runs.berth as Run;
    const docker = runs.docker as Run;
    expect(berth.first.map((c) => c.name)).toEqual(docker.first.map((c) => c.name));
    for (const [index, container] of berth.first.entries())
      expect(container, `${container.name} after the first up`).toEqual(docker.first[index]);
    for (const [index, container] of berth.afterChange.entries())
      expect(container, `${container.name} after the change`).toEqual(docker.afterChange[index]);
    expect(berth.verbs).toEqual(docker.verbs);
    expect(berth.verbs.exec).toBe('ready');
    expect(berth.verbs.port).toBe(`127.0.0.1:${port}`);
  });
});

// The reason shows in the run's output when the set is skipped.
if (dockerd === undefined)
  process.stderr.write('differential set skipped: dockerd is not installed (or BERTH_TEST_DOCKERD=none)\n');
