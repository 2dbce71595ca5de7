// A container's life through the API: run to completion with its exit code, logs (timestamps, follow), stop
// within the grace period and kill after it, exec with and without a TTY, name conflicts, missing images,
// remove rules, and the inspect and list shapes clients read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerInspect } from '../../../src/engine/api/containers.js';
import { isBerthError } from '../../../src/shared/errors.js';
import { demux, demuxStreams, startContainerEngine, type ContainerEngine } from './fixture.js';

let e: ContainerEngine;
beforeAll(async () => {
  e = await startContainerEngine();
});
afterAll(async () => {
  await e?.cleanup();
});

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isBerthError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a failure');
}

async function startExec(
  id: string,
  body: Record<string, unknown>,
  tty = false,
): Promise<{ output: Buffer; exitCode: number | null }> {
  const { Id } = await e.client.requestJson<{ Id: string }>({
    method: 'POST',
    path: `/containers/${id}/exec`,
    body: { AttachStdout: true, AttachStderr: true, Tty: tty, ...body },
  });
  const { socket } = await e.client.hijack({ path: `/exec/${Id}/start`, body: { Detach: false, Tty: tty } });
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  const inspect = await e.client.requestJson<{ ExitCode: number | null; Running: boolean }>({
    path: `/exec/${Id}/json`,
  });
  expect(inspect.Running).toBe(false);
  return { output: Buffer.concat(chunks), exitCode: inspect.ExitCode };
}

describe('container lifecycle', () => {
  it('runs to completion and reports the exit code and output', async () => {
    const { id, exitCode } = await e.run({ Cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'] });
    expect(exitCode).toBe(3);
    expect(await e.logs(id)).toBe('out\nerr\n');
    expect(await e.logs(id, { stderr: 1 })).toBe('err\n');
    const inspect = await e.client.requestJson<ContainerInspect>({ path: `/containers/${id}/json` });
    expect(inspect.State).toMatchObject({
      Status: 'exited',
      ExitCode: 3,
      Running: false,
      OOMKilled: false,
      Pid: 0,
    });
    expect(inspect.Path).toBe('sh');
    expect(inspect.Args).toEqual(['-c', 'echo out; echo err >&2; exit 3']);
    expect(inspect.Mounts).toEqual([]);
    expect(inspect.NetworkSettings.Ports).toEqual({});
    // an exited container still names the default network it joins, without an address
    expect(Object.keys(inspect.NetworkSettings.Networks)).toEqual(['bridge']);
    expect(inspect.NetworkSettings.Networks.bridge?.IPAddress).toBe('');
    expect(inspect.Config.Labels).toEqual({});
    expect(inspect.HostConfig.NetworkMode).toBe('bridge');
    expect(inspect.Name).toMatch(/^\/[a-z]+_[a-z]+$/);
  });

  it('prefixes log lines with timestamps and follows until the exit', async () => {
    const id = await e.create({ Cmd: ['sh', '-c', 'for i in 1 2 3; do echo n$i; sleep 0.2; done'] });
    await e.client.request({ method: 'POST', path: `/containers/${id}/start` });
    const stream = await e.client.stream({
      path: `/containers/${id}/logs`,
      query: { stdout: 1, follow: 1, timestamps: 1 },
    });
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const lines = demux(Buffer.concat(chunks)).trim().split('\n');
    expect(lines).toHaveLength(3);
    for (const [index, line] of lines.entries())
      expect(line).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z n${index + 1}$`));
    expect(await e.logs(id, { stdout: 1, tail: 1 })).toBe('n3\n');
  });

  it('stops within the grace period, and kills after it', async () => {
    const polite = await e.create({
      Cmd: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.1; done'],
    });
    const stubborn = await e.create({ Cmd: ['sh', '-c', 'trap "" TERM; while true; do sleep 0.1; done'] });
    for (const id of [polite, stubborn])
      await e.client.request({ method: 'POST', path: `/containers/${id}/start` });
    let started = Date.now();
    await e.client.request({ method: 'POST', path: `/containers/${polite}/stop`, query: { t: 10 } });
    expect(Date.now() - started).toBeLessThan(2000);
    started = Date.now();
    await e.client.request({ method: 'POST', path: `/containers/${stubborn}/stop`, query: { t: 1 } });
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(1000);
    expect(took).toBeLessThan(4000);
    const states = await Promise.all(
      [polite, stubborn].map((id) =>
        e.client.requestJson<{ State: { ExitCode: number } }>({ path: `/containers/${id}/json` }),
      ),
    );
    expect(states.map((s) => s.State.ExitCode)).toEqual([0, 137]);
    const again = await e.client.request({ method: 'POST', path: `/containers/${polite}/stop` });
    expect(again.status).toBe(304);
  });

  it('runs execs with and without a TTY and reports their exit codes', async () => {
    const id = await e.create({ Cmd: ['sleep', '60'] }, 'exec-target');
    await e.client.request({ method: 'POST', path: `/containers/${id}/start` });
    const plain = await startExec(id, { Cmd: ['sh', '-c', 'echo o; echo e >&2; exit 6'] });
    expect(demuxStreams(plain.output)).toEqual({ stdout: 'o\n', stderr: 'e\n' });
    expect(plain.exitCode).toBe(6);
    const tty = await startExec(id, { Cmd: ['sh', '-c', 'tty; exit 2'] }, true);
    expect(tty.output.toString()).toMatch(/^\/dev\/pts\/\d+\r\n$/);
    expect(tty.exitCode).toBe(2);
    const missing = await startExec(id, { Cmd: ['no-such-binary'] });
    expect(missing.exitCode).toBe(127);
    const user = await startExec(id, { Cmd: ['id', '-u'], User: 'app' });
    expect(demux(user.output)).toBe('1000\n');
    await e.client.request({ method: 'DELETE', path: `/containers/${id}`, query: { force: 1 } });
  });

  it('refuses a taken name, a missing image, and removing a running container', async () => {
    const id = await e.create({ Cmd: ['sleep', '60'] }, 'taken');
    const conflict = await failure(e.create({ Cmd: ['true'] }, 'taken'));
    expect(conflict.code).toBe('Conflict');
    expect(conflict.message).toBe(
      `Conflict. The container name "/taken" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`,
    );
    const missing = await failure(e.create({ Image: 'nope:1', Cmd: ['true'] }));
    expect(missing).toEqual({ code: 'NotFound', message: 'No such image: nope:1' });
    await e.client.request({ method: 'POST', path: `/containers/taken/start` });
    const running = await failure(e.client.request({ method: 'DELETE', path: '/containers/taken' }));
    expect(running.code).toBe('Conflict');
    expect(running.message).toMatch(
      /^You cannot remove a running container [0-9a-f]{64}\. Stop the container/,
    );
    const list = await e.client.requestJson<Array<{ Names: string[]; State: string; Status: string }>>({
      path: '/containers/json',
      query: { filters: JSON.stringify({ name: ['taken'] }) },
    });
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ Names: ['/taken'], State: 'running' });
    expect(list[0]?.Status).toMatch(/^Up /);
    const removed = e.client.requestJson<{ StatusCode: number }>({
      method: 'POST',
      path: '/containers/taken/wait',
      query: { condition: 'removed' },
    });
    await e.client.request({ method: 'DELETE', path: '/containers/taken', query: { force: 1 } });
    expect((await removed).StatusCode).toBe(137);
    expect((await failure(e.client.request({ path: '/containers/taken/json' }))).code).toBe('NotFound');
  });

  it('filters the list by label and status in both encodings', async () => {
    const id = await e.create({ Cmd: ['true'], Labels: { tier: 'web' } });
    for (const filters of [
      { label: ['tier=web'], status: ['created'] },
      { label: { 'tier=web': true }, status: { created: true } },
    ]) {
      const list = await e.client.requestJson<Array<{ Id: string }>>({
        path: '/containers/json',
        query: { all: 1, filters: JSON.stringify(filters) },
      });
      expect(list.map((c) => c.Id)).toEqual([id]);
    }
  });

  it('removes an AutoRemove container after it exits', async () => {
    const id = await e.create({ Cmd: ['true'], HostConfig: { AutoRemove: true } });
    const removed = e.client.requestJson<{ StatusCode: number }>({
      method: 'POST',
      path: `/containers/${id}/wait`,
      query: { condition: 'removed' },
    });
    await e.client.request({ method: 'POST', path: `/containers/${id}/start` });
    expect((await removed).StatusCode).toBe(0);
    expect((await failure(e.client.request({ path: `/containers/${id}/json` }))).code).toBe('NotFound');
  });
});
