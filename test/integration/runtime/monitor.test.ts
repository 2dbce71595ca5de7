// Containers run by runc under conmon: exit codes, logs, stop, limits, users, security defaults, attach.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveUser } from '../../../src/engine/runtime/user.js';
import {
  followCaptureLog as followLogs,
  readCaptureLog as readLogs,
} from '../../../src/engine/runtime/capture-log.js';
import type { LogEntry } from '../../../src/engine/runtime/log-entry.js';
import { findInitBinary } from '../../../src/engine/runtime/init-binary.js';
import { makeHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await makeHarness();
});
afterAll(async () => {
  await h.cleanup();
});

const MiB = 1024 * 1024;

/** Runs a container to completion and returns its exit code and log. */
async function run(
  id: string,
  args: string[],
  spec: Parameters<Harness['create']>[1] extends infer S
    ? Omit<S, 'process'> & { process?: object }
    : never = {},
) {
  const c = await h.create(id, { ...spec, process: { args, ...(spec.process ?? {}) } });
  await c.start();
  const exitCode = await c.wait();
  const logs = await readLogs(h.paths(id).logPath);
  await c.delete();
  return {
    exitCode,
    logs,
    container: c,
    text: (stream: 'stdout' | 'stderr') =>
      logs
        .filter((e) => e.stream === stream)
        .map((e) => e.message)
        .join(''),
  };
}

describe('runtime under conmon', () => {
  it('runs to completion with the exit code and timestamped stdout/stderr in the log', async () => {
    const r = await run('exit3', [
      'sh',
      '-c',
      'echo out; echo err >&2; printf part; sleep 0.1; echo ial; exit 3',
    ]);
    expect(r.exitCode).toBe(3);
    expect(r.text('stdout')).toBe('out\npartial\n');
    expect(r.text('stderr')).toBe('err\n');
    for (const entry of r.logs)
      expect(entry.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}[+-]\d\d:\d\d$/);
  });

  it('stops a runner that handles SIGTERM within the grace period', async () => {
    const c = await h.create('trap', {
      process: { args: ['sh', '-c', 'trap "exit 7" TERM; while true; do sleep 0.1; done'] },
    });
    await c.start();
    const started = Date.now();
    expect(await c.stop({ timeoutMs: 5000 })).toBe(7);
    expect(Date.now() - started).toBeLessThan(3000);
    await c.delete();
  });

  it('SIGKILLs a runner that ignores SIGTERM after the grace period', async () => {
    const c = await h.create('stubborn', { process: { args: ['sleep', '1000'] } });
    await c.start();
    expect((await c.state())?.status).toBe('running');
    const started = Date.now();
    expect(await c.stop({ timeoutMs: 1000 })).toBe(137);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(5000);
    await c.delete();
    expect(await h.runc.state('stubborn')).toBeUndefined();
  });

  it('OOM-kills a process allocating beyond the memory limit', async () => {
    const r = await run('oom', ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=128M', 'count=1'], {
      resources: { memory: 32 * MiB, memorySwap: 32 * MiB },
    });
    expect(r.exitCode).toBe(137);
    expect(await r.container.oomKilled()).toBe(true);
  });

  it('bounds a fork bomb with the pids limit', async () => {
    // ash gives up at the first failed fork: keep the bomb in a subshell so the test shell survives it.
    const script = '(for i in $(seq 100); do sleep 30 & done) 2>/dev/null; echo spawned; exec sleep 1000';
    const c = await h.create('pids', {
      process: { args: ['sh', '-c', script] },
      resources: { pidsLimit: 20 },
    });
    await c.start();
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 5000).unref();
    await followLogs(
      h.paths('pids').logPath,
      (entry) => {
        if (entry.message === 'spawned\n') abort.abort();
      },
      { signal: abort.signal },
    );
    const pids = await h.runc.ps('pids');
    expect(pids.length).toBeGreaterThan(10);
    expect(pids.length).toBeLessThanOrEqual(20);
    expect(await c.stop({ signal: 'SIGKILL', timeoutMs: 1000 })).toBe(137);
    await c.delete();
  });

  it('switches to the user resolved from /etc/passwd and /etc/group', async () => {
    const user = await resolveUser(h.rootfs, 'app');
    expect(user).toEqual({ uid: 1000, gid: 1000, additionalGids: [10], home: '/home/app' });
    const r = await run('user', ['id'], { process: { user } });
    expect(r.text('stdout')).toBe('uid=1000(app) gid=1000(app) groups=10(wheel)\n');
  });

  it('refuses writes to a read-only rootfs', async () => {
    const r = await run('ro', ['touch', '/newfile'], { readonlyRootfs: true });
    expect(r.exitCode).toBe(1);
    expect(r.text('stderr')).toBe('touch: /newfile: Read-only file system\n');
  });

  it('applies ulimits, the default capabilities and the masked paths', async () => {
    const r = await run(
      'security',
      [
        'sh',
        '-c',
        'ulimit -n; grep CapEff /proc/self/status; stat -c %t:%T /proc/timer_list; ls /proc/acpi | wc -l; (echo 1 > /proc/sys/vm/overcommit_memory) 2>&1; true',
      ],
      {
        process: { rlimits: [{ type: 'nofile', soft: 1234, hard: 2048 }] },
      },
    );
    expect(r.text('stdout').split('\n').slice(0, 5)).toEqual([
      '1234',
      'CapEff:\t00000000a80425fb',
      '1:3',
      '0',
      "sh: can't create /proc/sys/vm/overcommit_memory: Read-only file system",
    ]);
  });

  it('filters syscalls with the default seccomp profile unless unconfined', async () => {
    const script = 'grep Seccomp: /proc/self/status; busybox unshare -U true 2>&1; echo $?';
    const confined = await run('seccomp', ['sh', '-c', script]);
    expect(confined.text('stdout')).toBe(
      'Seccomp:\t2\nunshare: unshare(0x10000000): Operation not permitted\n1\n',
    );
    const unconfined = await run('unconfined', ['sh', '-c', 'grep Seccomp: /proc/self/status'], {
      seccomp: 'unconfined',
    });
    expect(unconfined.text('stdout')).toBe('Seccomp:\t0\n');
  });

  it('runs a reaping init as PID 1 with init: true', async () => {
    const init = await findInitBinary();
    expect(init).toBeDefined();
    const r = await run('init', ['sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "'], {
      init: { hostPath: init as string },
    });
    expect(r.exitCode).toBe(0);
    expect(r.text('stdout')).toMatch(/^\/sbin\/docker-init -- sh -c /);
  });

  it('attaches stdin and the output streams', async () => {
    const c = await h.create(
      'attach',
      { process: { args: ['sh', '-c', 'read line; echo got:$line; echo e >&2'] } },
      { stdin: true },
    );
    const out: string[] = [];
    const session = await c.attach({ onOutput: (stream, data) => out.push(`${stream}:${data.toString()}`) });
    await c.start();
    session.write('hello\n');
    expect(await c.wait()).toBe(0);
    await session.closed;
    expect(out.join('')).toContain('stdout:got:hello\n');
    expect(out.join('')).toContain('stderr:e\n');
    await c.delete();
  });

  it('gives a TTY container its terminal and resizes it', async () => {
    const c = await h.create(
      'tty',
      { process: { args: ['sh', '-c', 'sleep 0.5; stty size; tty'], terminal: true } },
      { terminal: true },
    );
    let out = '';
    const session = await c.attach({ onOutput: (_stream, data) => (out += data.toString()) });
    await c.start();
    await c.resize(40, 120);
    expect(await c.wait()).toBe(0);
    await session.closed;
    expect(out).toMatch(/40 120\r\n\/dev\/pts\/\d+\r\n/);
    await c.delete();
  });

  it('follows the log across rotation and across restarts', async () => {
    const { logPath } = h.paths('follow');
    const seen: LogEntry[] = [];
    const abort = new AbortController();
    let notify: () => void = () => undefined;
    const following = followLogs(
      logPath,
      (entry) => {
        seen.push(entry);
        notify();
      },
      { signal: abort.signal },
    );
    const waitFor = (text: string) =>
      new Promise<void>((resolve) => {
        notify = () => {
          if (seen.some((e) => e.message === text)) resolve();
        };
        notify();
      });
    const script =
      'for i in $(seq 40); do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; sleep 0.02; done';
    let c = await h.create('follow', { process: { args: ['sh', '-c', script] } }, { logSizeMax: 1024 });
    await c.start();
    expect(await c.wait()).toBe(0);
    await waitFor('line-40-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n');
    await c.delete();
    c = await h.create('follow', { process: { args: ['echo', 'second run'] } }, { logSizeMax: 1024 });
    await c.start();
    expect(await c.wait()).toBe(0);
    await waitFor('second run\n');
    await c.delete();
    abort.abort();
    await following;
    const lines = seen.map((e) => e.message.trim());
    expect(lines.slice(0, 40)).toEqual(
      Array.from({ length: 40 }, (_, i) => `line-${i + 1}-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx`),
    );
    expect(lines[40]).toBe('second run');
  });
});
