// More of the real docker CLI against berth's engine: restart, pause/unpause (a paused process does not
// advance), kill with signals, attach (with --sig-proxy=false, and detaching from a TTY), detached exec,
// container prune, run flags (--init, --read-only, -u, --ulimit, -m, --cap-drop, --privileged,
// --security-opt, --rm), logs --since/--until/--tail, wait, rename and top -o.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE, startContainerEngine, type ContainerEngine } from '../container/fixture.js';
import { dockerCliEnv } from '../../helpers/docker-cli.js';

let e: ContainerEngine;
let env: Record<string, string>;
const docker = (args: string[], options: { timeout?: number; input?: string } = {}) =>
  execa('docker', args, { env, reject: false, timeout: options.timeout ?? 60_000, input: options.input });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns true, at most `ms`. */
async function eventually(probe: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await sleep(100);
  }
  throw new Error('condition not met in time');
}

async function inspect<T>(name: string, format: string): Promise<T> {
  const result = await docker(['inspect', '--format', `{{json ${format}}}`, name]);
  expect(result.exitCode).toBe(0);
  return JSON.parse(result.stdout) as T;
}

const COUNTER = 'i=0; while true; do i=$((i+1)); echo $i > /tmp/count; sleep 0.1; done';

beforeAll(async () => {
  e = await startContainerEngine();
  env = await dockerCliEnv(e.dir, e.config.socket);
});
afterAll(async () => {
  await e?.cleanup();
});

describe('docker CLI: more container verbs', () => {
  it('docker restart keeps the id, starts anew and the log continues', async () => {
    const run = await docker(['run', '-d', '--name', 'rs', IMAGE, 'sh', '-c', `echo started; ${COUNTER}`]);
    expect(run.exitCode).toBe(0);
    const id = run.stdout.trim();
    await eventually(async () => (await docker(['logs', 'rs'])).stdout === 'started');
    const before = await inspect<string>('rs', '.State.StartedAt');
    // A follower goes on across the restart and ends when the container stops for good.
    const follow = execa('docker', ['logs', '-f', 'rs'], { env, reject: false, timeout: 30_000 });
    let followed = '';
    follow.stdout?.on('data', (chunk: Buffer) => (followed += chunk.toString()));
    await eventually(async () => followed === 'started\n');
    const restart = await docker(['restart', '-t', '1', 'rs'], { timeout: 20_000 });
    expect(restart.exitCode).toBe(0);
    expect(restart.stdout).toBe('rs');
    const after = await inspect<{ Id: string; State: { Status: string; StartedAt: string } }>('rs', '.');
    expect(after.Id).toBe(id);
    expect(after.State.Status).toBe('running');
    expect(Date.parse(after.State.StartedAt)).toBeGreaterThan(Date.parse(before));
    await eventually(async () => (await docker(['logs', 'rs'])).stdout === 'started\nstarted');
    await eventually(async () => followed === 'started\nstarted\n');
    expect(follow.exitCode).toBeNull();
    expect((await docker(['stop', '-t', '1', 'rs'])).exitCode).toBe(0);
    expect((await follow).exitCode).toBe(0);
    expect((await docker(['rm', '-f', 'rs'])).exitCode).toBe(0);
  });

  it('docker pause freezes the process and unpause resumes it, with events', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    expect((await docker(['run', '-d', '--name', 'pz', IMAGE, 'sh', '-c', COUNTER])).exitCode).toBe(0);
    const read = async () => Number((await docker(['exec', 'pz', 'cat', '/tmp/count'])).stdout);
    await eventually(async () => (await read()) > 2);
    expect((await docker(['pause', 'pz'])).exitCode).toBe(0);
    const paused = await inspect<{ Status: string; Paused: boolean; Running: boolean }>('pz', '.State');
    expect(paused).toMatchObject({ Status: 'paused', Paused: true, Running: true });
    // The rootfs is readable while paused: take the file out through the archive route.
    const cpOut = path.join(e.dir, 'count-paused');
    expect((await docker(['cp', 'pz:/tmp/count', cpOut])).exitCode).toBe(0);
    const first = Number(await readFile(cpOut, 'utf8'));
    await sleep(700);
    expect((await docker(['cp', 'pz:/tmp/count', cpOut])).exitCode).toBe(0);
    expect(Number(await readFile(cpOut, 'utf8'))).toBe(first);
    expect((await docker(['exec', 'pz', 'true'])).exitCode).not.toBe(0);
    expect((await docker(['unpause', 'pz'])).exitCode).toBe(0);
    expect(await inspect<boolean>('pz', '.State.Paused')).toBe(false);
    await eventually(async () => (await read()) > first + 2);
    const until = Math.ceil(Date.now() / 1000) + 1;
    const events = await docker(
      [
        'events',
        '--since',
        String(since),
        '--until',
        String(until),
        '--filter',
        'container=pz',
        '--format',
        '{{.Action}}',
      ],
      { timeout: 10_000 },
    );
    const actions = events.stdout.split('\n').filter((a) => a === 'pause' || a === 'unpause');
    expect(actions).toEqual(['pause', 'unpause']);
    expect((await docker(['rm', '-f', 'pz'])).exitCode).toBe(0);
  });

  it('docker kill -s USR1 reaches a trap, and docker kill ends the container with 137', async () => {
    const script = 'trap "echo got-usr1" USR1; echo ready; while true; do sleep 0.1; done';
    expect((await docker(['run', '-d', '--name', 'kl', IMAGE, 'sh', '-c', script])).exitCode).toBe(0);
    await eventually(async () => (await docker(['logs', 'kl'])).stdout === 'ready');
    const usr1 = await docker(['kill', '-s', 'USR1', 'kl']);
    expect(usr1.exitCode).toBe(0);
    await eventually(async () => (await docker(['logs', 'kl'])).stdout === 'ready\ngot-usr1');
    expect(await inspect<string>('kl', '.State.Status')).toBe('running');
    expect((await docker(['kill', 'kl'])).exitCode).toBe(0);
    await eventually(async () => (await inspect<string>('kl', '.State.Status')) === 'exited');
    expect(await inspect<number>('kl', '.State.ExitCode')).toBe(137);
    const again = await docker(['kill', 'kl']);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain('is not running');
    expect((await docker(['rm', '-f', 'kl'])).exitCode).toBe(0);
  });

  it('docker attach --sig-proxy=false receives the output of a running container', async () => {
    const script = 'while true; do echo tick; sleep 0.2; done';
    expect((await docker(['run', '-d', '--name', 'at', IMAGE, 'sh', '-c', script])).exitCode).toBe(0);
    const attach = execa('docker', ['attach', '--sig-proxy=false', 'at'], {
      env,
      reject: false,
      timeout: 20_000,
    });
    await sleep(1500);
    // The client's end is the attachment's end; without a signal proxy the container is not told.
    attach.kill('SIGKILL');
    const result = await attach;
    expect(result.stdout.split('\n').filter((l) => l === 'tick').length).toBeGreaterThanOrEqual(3);
    expect(await inspect<string>('at', '.State.Status')).toBe('running');
    expect((await docker(['rm', '-f', 'at'])).exitCode).toBe(0);
  });

  it('docker attach to a TTY container detaches on ctrl-p ctrl-q and leaves it running', async () => {
    expect((await docker(['run', '-dit', '--name', 'dt', IMAGE, 'sh'])).exitCode).toBe(0);
    const attach = execa('script', ['-qec', 'docker attach dt', '/dev/null'], {
      env,
      reject: false,
      timeout: 20_000,
      stdin: 'pipe',
    });
    await sleep(1000);
    attach.stdin?.write('echo hello-$((6*7))\r');
    await sleep(700);
    attach.stdin?.write('\x10\x11');
    const result = await attach;
    expect(result.timedOut).toBe(false);
    expect(result.stdout).toContain('hello-42');
    expect(result.stdout).toContain('read escape sequence');
    expect(await inspect<string>('dt', '.State.Status')).toBe('running');
    expect((await docker(['rm', '-f', 'dt'])).exitCode).toBe(0);
  });

  it('docker exec -d runs in the background', async () => {
    expect((await docker(['run', '-d', '--name', 'ed', IMAGE, 'sleep', '60'])).exitCode).toBe(0);
    const exec = await docker(['exec', '-d', 'ed', 'sh', '-c', 'sleep 0.3; echo done > /tmp/bg']);
    expect(exec.exitCode).toBe(0);
    expect(exec.stdout).toBe('');
    await eventually(async () => (await docker(['exec', 'ed', 'cat', '/tmp/bg'])).stdout === 'done');
    expect((await docker(['rm', '-f', 'ed'])).exitCode).toBe(0);
  });

  it('docker container prune removes stopped containers only', async () => {
    const stopped = (await docker(['create', '--name', 'pr-old', IMAGE, 'true'])).stdout.trim();
    expect((await docker(['run', '-d', '--name', 'pr-up', IMAGE, 'sleep', '60'])).exitCode).toBe(0);
    const prune = await docker(['container', 'prune', '-f']);
    expect(prune.exitCode).toBe(0);
    expect(prune.stdout).toContain(stopped);
    const names = await docker(['ps', '-a', '--format', '{{.Names}}']);
    expect(names.stdout).toBe('pr-up');
    expect((await docker(['rm', '-f', 'pr-up'])).exitCode).toBe(0);
  });

  it('docker run --init makes the init PID 1', async () => {
    const result = await docker(['run', '--rm', '--init', IMAGE, 'sh', '-c', 'cat /proc/1/comm; echo $$']);
    expect(result.exitCode).toBe(0);
    const [comm, shellPid] = result.stdout.split('\n');
    expect(comm).toMatch(/^(tini|tini-static|catatonit|docker-init)/);
    expect(Number(shellPid)).toBeGreaterThan(1);
  });

  it('docker run --read-only --tmpfs /tmp', async () => {
    const result = await docker([
      'run',
      '--rm',
      '--read-only',
      '--tmpfs',
      '/tmp',
      IMAGE,
      'sh',
      '-c',
      'touch /x 2>/dev/null && echo wrote || echo refused; touch /tmp/x && echo tmp-ok',
    ]);
    expect(result.stdout).toBe('refused\ntmp-ok');
  });

  it('docker run -u 1000:1000 and --ulimit nofile=1024:2048', async () => {
    expect((await docker(['run', '--rm', '-u', '1000:1000', IMAGE, 'id'])).stdout).toMatch(
      /^uid=1000\(app\) gid=1000\(app\)/,
    );
    const ulimit = await docker([
      'run',
      '--rm',
      '--ulimit',
      'nofile=1024:2048',
      IMAGE,
      'sh',
      '-c',
      'ulimit -n; ulimit -Hn',
    ]);
    expect(ulimit.stdout).toBe('1024\n2048');
  });

  it('docker run -m 32m: a hog is OOM-killed', async () => {
    const result = await docker([
      'run',
      '--name',
      'oom',
      '-m',
      '32m',
      '--memory-swap',
      '32m',
      IMAGE,
      'sh',
      '-c',
      'head -c 200m /dev/zero | tail',
    ]);
    expect(result.exitCode).not.toBe(0);
    expect(await inspect<boolean>('oom', '.State.OOMKilled')).toBe(true);
    expect(await inspect<number>('oom', '.HostConfig.Memory')).toBe(32 * 1024 * 1024);
    expect((await docker(['rm', 'oom'])).exitCode).toBe(0);
  });

  it('docker run --cap-drop ALL, --privileged and --security-opt no-new-privileges', async () => {
    const capEff = (text: string) => /^CapEff:\s*([0-9a-f]+)$/m.exec(text)?.[1];
    const dropped = await docker(['run', '--rm', '--cap-drop', 'ALL', IMAGE, 'cat', '/proc/self/status']);
    expect(capEff(dropped.stdout)).toBe('0000000000000000');
    const privileged = await docker(['run', '--rm', '--privileged', IMAGE, 'cat', '/proc/self/status']);
    // Root on the host holds every capability the kernel knows: the privileged container holds the same.
    const hostBounding = /^CapBnd:\s*([0-9a-f]+)$/m.exec(await readFile('/proc/self/status', 'utf8'))?.[1];
    expect(capEff(privileged.stdout)).toBe(hostBounding);
    expect((await docker(['run', '-d', '--name', 'px', IMAGE, 'sleep', '60'])).exitCode).toBe(0);
    const privilegedExec = await docker(['exec', '--privileged', 'px', 'cat', '/proc/self/status']);
    expect(capEff(privilegedExec.stdout)).toBe(hostBounding);
    expect((await docker(['rm', '-f', 'px'])).exitCode).toBe(0);
    const nnp = await docker([
      'run',
      '--rm',
      '--security-opt',
      'no-new-privileges',
      IMAGE,
      'grep',
      'NoNewPrivs',
      '/proc/self/status',
    ]);
    expect(nnp.stdout).toMatch(/^NoNewPrivs:\s+1$/);
    const plain = await docker(['run', '--rm', IMAGE, 'grep', 'NoNewPrivs', '/proc/self/status']);
    expect(plain.stdout).toMatch(/^NoNewPrivs:\s+0$/);
  });

  it('docker run --rm with a nonzero exit keeps the code and removes the container', async () => {
    const result = await docker(['run', '--rm', '--name', 'gone', IMAGE, 'sh', '-c', 'echo bye; exit 7']);
    expect(result.exitCode).toBe(7);
    expect(result.stdout).toBe('bye');
    await eventually(async () => (await docker(['inspect', 'gone'])).exitCode === 1, 5000);
  });

  it('docker run --rm of a missing command returns 127 and leaves no container', async () => {
    const result = await docker(['run', '--rm', '--name', 'nocmd', IMAGE, 'no-such-binary'], {
      timeout: 20_000,
    });
    expect(result.timedOut).toBe(false);
    expect(result.exitCode).toBe(127);
    expect(result.stderr).toContain('no-such-binary');
    expect((await docker(['inspect', 'nocmd'])).exitCode).toBe(1);
  });

  it('docker logs --since, --until and --tail', async () => {
    const script = 'echo one; echo two; sleep 1.5; echo three';
    expect((await docker(['run', '-d', '--name', 'lg', IMAGE, 'sh', '-c', script])).exitCode).toBe(0);
    await eventually(async () => (await docker(['logs', 'lg'])).stdout === 'one\ntwo');
    await sleep(300);
    const middle = new Date().toISOString();
    expect((await docker(['wait', 'lg'], { timeout: 10_000 })).stdout).toBe('0');
    expect((await docker(['logs', '--tail', '2', 'lg'])).stdout).toBe('two\nthree');
    expect((await docker(['logs', '--tail', '0', 'lg'])).stdout).toBe('');
    expect((await docker(['logs', '--since', middle, 'lg'])).stdout).toBe('three');
    expect((await docker(['logs', '--until', middle, 'lg'])).stdout).toBe('one\ntwo');
    expect((await docker(['rm', 'lg'])).exitCode).toBe(0);
  });

  it('docker wait prints the exit code', async () => {
    const run = await docker(['run', '-d', '--name', 'wt', IMAGE, 'sh', '-c', 'sleep 0.5; exit 5']);
    expect(run.exitCode).toBe(0);
    const wait = await docker(['wait', 'wt'], { timeout: 10_000 });
    expect(wait.exitCode).toBe(0);
    expect(wait.stdout).toBe('5');
    expect((await docker(['rm', 'wt'])).exitCode).toBe(0);
  });

  it('docker rename', async () => {
    expect((await docker(['create', '--name', 'before', IMAGE, 'true'])).exitCode).toBe(0);
    const rename = await docker(['rename', 'before', 'after']);
    expect(rename.exitCode).toBe(0);
    expect(await inspect<string>('after', '.Name')).toBe('/after');
    expect((await docker(['inspect', 'before'])).exitCode).toBe(1);
    expect((await docker(['rm', 'after'])).exitCode).toBe(0);
  });

  it('docker top -o pid,comm', async () => {
    expect((await docker(['run', '-d', '--name', 'tp', IMAGE, 'sleep', '60'])).exitCode).toBe(0);
    const top = await docker(['top', 'tp', '-o', 'pid,comm']);
    expect(top.exitCode).toBe(0);
    const lines = top.stdout.split('\n');
    expect(lines[0]).toMatch(/^PID\s+COMMAND$/);
    expect(lines.slice(1).map((l) => l.trim().split(/\s+/)[1])).toEqual(['sleep']);
    expect((await docker(['rm', '-f', 'tp'])).exitCode).toBe(0);
  });
});
