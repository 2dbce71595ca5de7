// Exec in a running container: the runc fast path (non-TTY) and conmon's exec with a TTY.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execProcessFromBundle, runExec, startMonitoredExec } from '../../../src/engine/runtime/exec.js';
import type { MonitoredContainer } from '../../../src/engine/runtime/monitor.js';
import { makeHarness, type Harness } from './harness.js';

let h: Harness;
let c: MonitoredContainer;
beforeAll(async () => {
  h = await makeHarness();
  c = await h.create('host', { process: { args: ['sleep', '1000'], env: ['FROM_IMAGE=1'] } });
  await c.start();
});
afterAll(async () => {
  await c?.stop({ timeoutMs: 0 }).catch(() => undefined);
  await h.cleanup();
});

describe('exec', () => {
  it('runs a non-TTY process with piped stdio and returns its exit code', async () => {
    const process = await execProcessFromBundle(c.record.bundleDir, {
      args: ['sh', '-c', 'read x; echo "in:$x env:$FROM_IMAGE:$EXTRA"; echo oops >&2; exit 5'],
      env: ['EXTRA=2'],
    });
    const result = await runExec(h.runc, 'host', process, {
      execDir: join(h.root, 'exec1'),
      stdin: 'data\n',
    });
    expect(result).toEqual({ exitCode: 5, stdout: 'in:data env:1:2\n', stderr: 'oops\n' });
  });

  it('kills an exec that outlives its timeout', async () => {
    const process = await execProcessFromBundle(c.record.bundleDir, { args: ['sleep', '100'] });
    const started = Date.now();
    const result = await runExec(h.runc, 'host', process, { execDir: join(h.root, 'exec2'), timeoutMs: 300 });
    expect(result.exitCode).toBe(137);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('runs a TTY exec through conmon with resize, exit code and inspect data', async () => {
    const process = await execProcessFromBundle(c.record.bundleDir, {
      args: ['sh', '-c', 'sleep 0.5; tty; stty size; exit 2'],
      terminal: true,
    });
    let out = '';
    const exec = await startMonitoredExec(
      { runc: h.runc },
      {
        containerId: 'host',
        execId: 'tty-exec',
        execDir: join(h.root, 'exec3'),
        process,
        onOutput: (_stream, data) => (out += data.toString()),
      },
    );
    expect(exec.pid).toBeGreaterThan(0);
    expect(await exec.inspect()).toEqual({ running: true, exitCode: undefined, pid: exec.pid });
    await exec.resize(33, 99);
    expect(await exec.wait()).toBe(2);
    await exec.attach.closed;
    expect(out).toMatch(/^\/dev\/pts\/\d+\r\n33 99\r\n$/);
    expect(await exec.inspect()).toEqual({ running: false, exitCode: 2, pid: exec.pid });
  });

  it('delivers all output of a TTY exec that exits at once without reading the stdin it was sent', async () => {
    // conmon leaves such stdin unread when it exits; the output must still arrive, every time.
    const process = await execProcessFromBundle(c.record.bundleDir, {
      args: ['sh', '-c', 'tty; exit 4'],
      terminal: true,
    });
    for (let round = 0; round < 40; round++) {
      let out = '';
      const exec = await startMonitoredExec(
        { runc: h.runc },
        {
          containerId: 'host',
          execId: `tty-quick-${round}`,
          execDir: join(h.root, `exec-quick-${round}`),
          process,
          stdin: true,
          onOutput: (_stream, data) => (out += data.toString()),
        },
      );
      exec.attach.write('unread input\n');
      expect(await exec.wait()).toBe(4);
      await exec.attach.closed;
      expect(out, `round ${round}`).toMatch(/\/dev\/pts\/\d+\r\n/);
    }
  });
});
