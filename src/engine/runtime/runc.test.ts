import { describe, expect, it } from 'vitest';
import { Runc, runtimeMessage, type CommandRunner } from './runc.js';

function fake(result: { stdout?: string; stderr?: string; exitCode?: number } = {}) {
  const calls: { file: string; args: readonly string[]; input?: string }[] = [];
  const run: CommandRunner = async (file, args, options = {}) => {
    calls.push({ file, args, ...(options.input === undefined ? {} : { input: options.input }) });
    return { stdout: result.stdout ?? '', stderr: result.stderr ?? '', exitCode: result.exitCode ?? 0 };
  };
  return { calls, run };
}

describe('Runc', () => {
  it('passes its own state root to every verb', async () => {
    const f = fake({ stdout: '[1,2]' });
    const runc = new Runc({ root: '/state', binary: '/usr/sbin/runc', run: f.run });
    await runc.start('c1');
    await runc.kill('c1', 'SIGKILL', { all: true });
    await runc.delete('c1', { force: true });
    expect(await runc.ps('c1')).toEqual([1, 2]);
    await runc.update('c1', { pids: { limit: 5 } });
    expect(f.calls.map((c) => c.args.join(' '))).toEqual([
      '--root /state start c1',
      '--root /state kill --all c1 SIGKILL',
      '--root /state delete --force c1',
      '--root /state ps --format json c1',
      '--root /state update --resources - c1',
    ]);
    expect(f.calls[4]?.input).toBe('{"pids":{"limit":5}}');
    expect(f.calls.every((c) => c.file === '/usr/sbin/runc')).toBe(true);
  });

  it('maps a missing container to undefined state and NotFound errors', async () => {
    const stderr = 'time="2026-11-23T11:29:37Z" level=error msg="container does not exist"\n';
    const runc = new Runc({ root: '/s', run: fake({ stderr, exitCode: 1 }).run });
    expect(await runc.state('x')).toBeUndefined();
    await expect(runc.start('x')).rejects.toMatchObject({
      code: 'NotFound',
      message: 'runtime start x: container does not exist',
    });
    await expect(runc.delete('x')).resolves.toBeUndefined();
  });

  it('reads stats from `events --stats`', async () => {
    const runc = new Runc({
      root: '/s',
      run: fake({ stdout: '{"type":"stats","id":"c","data":{"pids":{"current":3}}}' }).run,
    });
    expect(await runc.stats('c')).toEqual({ pids: { current: 3 } });
  });

  it('keeps only the messages of runc logs', () => {
    expect(runtimeMessage('time="t" level=error msg="a \\"quoted\\" thing"\nplain line\n')).toBe(
      'a "quoted" thing; plain line',
    );
  });
});
