// `berth container ...` (the built CLI bundle) against an engine on its own temporary root, with a real busybox
// container run by runc: ls, inspect, logs, exec (exit codes, stdin), cp both ways, top, stats, stop, start,
// kill, rm. Skipped while the engine serves no container routes.

import { execa } from 'execa';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeModules } from '../../../src/engine/server/routes/index.js';
import { makeBusyboxTar } from '../../helpers/rootfs.js';
import { buildBerthBundle } from '../server/bundle.js';
import { startTestEngine, type TestEngine } from '../server/engine-fixture.js';

const hasContainerRoutes = routeModules.some((m) => m.name === 'containers');

let engine: TestEngine;
let bundle: string;

function berth(args: string[], options: { input?: string | Buffer; reject?: boolean } = {}) {
  return execa(process.execPath, [bundle, ...args], {
    env: {
      BERTH_ROOT: engine.config.root,
      BERTH_RUN: engine.config.runDir,
      BERTH_HOST: `unix://${engine.config.socket}`,
    },
    reject: options.reject ?? true,
    input: options.input ?? '',
    encoding: 'utf8',
  });
}

describe.skipIf(!hasContainerRoutes)('berth container', () => {
  let id = '';

  beforeAll(async () => {
    engine = await startTestEngine();
    bundle = await buildBerthBundle(path.join(engine.dir, 'bundle'));
    const tar = path.join(engine.dir, 'busybox.tar');
    await makeBusyboxTar(tar);
    await berth(['image', 'import', tar, 'bb:c']);
    const created = await engine.client.requestJson<{ Id: string }>({
      method: 'POST',
      path: '/containers/create',
      query: { name: 'web' },
      body: { Image: 'bb:c', Cmd: ['sh', '-c', 'echo out; echo err >&2; exec sleep 300'] },
    });
    id = created.Id;
    await engine.client.request({ method: 'POST', path: `/containers/${id}/start` });
  });

  afterAll(async () => {
    if (engine === undefined) return;
    await engine.client
      .request({ method: 'DELETE', path: '/containers/web', query: { force: true } })
      .catch(() => undefined);
    await engine.cleanup();
  });

  it('lists the running container as a table, IDs and JSON', async () => {
    const table = await berth(['container', 'ls']);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toMatch(/^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/);
    expect(lines[1]).toMatch(
      new RegExp(`^${id.slice(0, 12)}\\s+bb:c\\s+"sh -c .*"\\s+.+ ago\\s+Up .+\\s+web$`),
    );
    expect((await berth(['container', 'ls', '-q'])).stdout).toBe(id.slice(0, 12));
    const json = JSON.parse((await berth(['container', 'ls', '--format', 'json'])).stdout) as Record<
      string,
      string
    >;
    expect(json).toMatchObject({ ID: id.slice(0, 12), Names: 'web', State: 'running' });
  });

  it('inspects it', async () => {
    const [inspect] = JSON.parse((await berth(['container', 'inspect', 'web'])).stdout) as Array<{
      Id: string;
      Name: string;
      State: { Running: boolean };
    }>;
    expect(inspect).toMatchObject({ Id: id, Name: '/web', State: { Running: true } });
  });

  it('prints its logs split into stdout and stderr', async () => {
    const logs = await berth(['container', 'logs', 'web']);
    expect(logs.stdout).toBe('out');
    expect(logs.stderr).toBe('err');
    const stamped = await berth(['container', 'logs', '-t', '--tail', '1', 'web']);
    expect(stamped.stdout + stamped.stderr).toMatch(/^\d{4}-\d{2}-\d{2}T\S+Z (out|err)$/);
  });

  it('execs commands with their exit code and stdin', async () => {
    const result = await berth(['container', 'exec', 'web', 'sh', '-c', 'echo hi; echo oops >&2; exit 3'], {
      reject: false,
    });
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toBe('hi');
    expect(result.stderr).toBe('oops');
    const piped = await berth(['container', 'exec', '-i', 'web', 'cat'], { input: 'through stdin\n' });
    expect(piped.stdout).toBe('through stdin');
    const user = await berth(['container', 'exec', '-u', 'app', 'web', 'id', '-u']);
    expect(user.stdout).toBe('1000');
  });

  it('execs with a TTY when its stdin is a terminal', async () => {
    // `script` runs the CLI on a pseudo-terminal, as a user's shell would.
    const command = `${process.execPath} ${bundle} container exec web sh -c 'tty; exit 4'`;
    const result = await execa('script', ['-qec', command, '/dev/null'], {
      env: {
        BERTH_ROOT: engine.config.root,
        BERTH_RUN: engine.config.runDir,
        BERTH_HOST: `unix://${engine.config.socket}`,
      },
      reject: false,
      input: '',
      encoding: 'utf8',
    });
    expect(result.exitCode).toBe(4);
    // The pty echoes control characters (`^@`, `^D`) and carriage returns around the output: look for the name only.
    expect(result.stdout).toMatch(/\/dev\/pts\/\d+/);
  });

  it('copies files and directories in and out', async () => {
    const local = path.join(engine.dir, 'cp');
    await mkdir(path.join(local, 'tree', 'sub'), { recursive: true });
    await writeFile(path.join(local, 'note.txt'), 'hello from the host\n');
    await writeFile(path.join(local, 'tree', 'sub', 'deep.txt'), 'deep\n');
    await berth(['container', 'cp', path.join(local, 'note.txt'), 'web:/tmp/copied.txt']);
    await berth(['container', 'cp', path.join(local, 'tree'), 'web:/tmp/']);
    expect((await berth(['container', 'exec', 'web', 'cat', '/tmp/copied.txt'])).stdout).toBe(
      'hello from the host',
    );
    expect((await berth(['container', 'exec', 'web', 'cat', '/tmp/tree/sub/deep.txt'])).stdout).toBe('deep');

    await berth(['container', 'cp', 'web:/tmp/copied.txt', path.join(local, 'back.txt')]);
    expect(await readFile(path.join(local, 'back.txt'), 'utf8')).toBe('hello from the host\n');
    await mkdir(path.join(local, 'out'));
    await berth(['container', 'cp', 'web:/tmp/tree', path.join(local, 'out')]);
    expect(await readFile(path.join(local, 'out', 'tree', 'sub', 'deep.txt'), 'utf8')).toBe('deep\n');
    await berth(['container', 'cp', 'web:/etc/passwd', path.join(local, 'passwd-copy')]);
    expect(await readFile(path.join(local, 'passwd-copy'), 'utf8')).toContain('root:x:0:0');
  });

  it('shows processes and a stats snapshot', async () => {
    const top = await berth(['container', 'top', 'web']);
    expect(top.stdout.split('\n')[0]).toMatch(/PID/);
    expect(top.stdout).toContain('sleep 300');
    const stats = await berth(['container', 'stats', '--no-stream', 'web']);
    const [header, row] = stats.stdout.split('\n');
    expect(header).toMatch(
      /^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS$/,
    );
    expect(row).toMatch(
      new RegExp(`^${id.slice(0, 12)}\\s+web\\s+\\d+\\.\\d\\d%\\s+\\S+ / \\S+\\s+\\d+\\.\\d\\d%`),
    );
  });

  it('draws the stats table again as samples stream in, until interrupted', async () => {
    const live = berth(['container', 'stats', 'web'], { reject: false });
    let output = '';
    live.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 8_000;
    while ((output.match(/CONTAINER ID/g) ?? []).length < 2 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    live.kill('SIGINT');
    const result = await live;
    expect((output.match(/CONTAINER ID/g) ?? []).length).toBeGreaterThanOrEqual(2);
    expect(output).toContain(id.slice(0, 12));
    expect(result.exitCode).toBe(130);
  });

  it('stops, starts, kills and removes it', async () => {
    expect((await berth(['container', 'stop', '-t', '1', 'web'])).stdout).toBe('web');
    const stopped = await berth(['container', 'ls', '-a', '--format', 'json']);
    expect((JSON.parse(stopped.stdout) as { State: string; Status: string }).State).toBe('exited');
    expect((await berth(['container', 'start', 'web'])).stdout).toBe('web');
    expect((await berth(['container', 'kill', '-s', 'KILL', 'web'])).stdout).toBe('web');
    const missing = await berth(['container', 'rm', '-f', 'web', 'nope'], { reject: false });
    expect(missing.exitCode).toBe(1);
    expect(missing.stdout).toBe('web');
    expect(missing.stderr).toContain('nope');
    expect((await berth(['container', 'ls', '-a', '-q'])).stdout).toBe('');
  });
});
