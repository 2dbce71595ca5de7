// Container routes without a docker CLI verb of their own, through the API: resizing a container's terminal
// and an exec's, attach replaying the log without streaming, streamed stats, rename (with its event and
// conflicts), pause as inspect shows it, and an auto-remove container that cannot start.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerInspect } from '../../../src/engine/api/containers.js';
import { jsonLines } from '../../../src/engine/client/engine-client.js';
import { isBerthError } from '../../../src/shared/errors.js';
import { demuxStreams, startContainerEngine, type ContainerEngine } from './fixture.js';

let e: ContainerEngine;
beforeAll(async () => {
  e = await startContainerEngine();
});
afterAll(async () => {
  await e?.cleanup();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isBerthError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a failure');
}

async function startContainer(body: Record<string, unknown>, name?: string): Promise<string> {
  const id = await e.create(body, name);
  await e.client.request({ method: 'POST', path: `/containers/${id}/start` });
  return id;
}

async function execOutput(id: string, cmd: string[]): Promise<string> {
  const { Id } = await e.client.requestJson<{ Id: string }>({
    method: 'POST',
    path: `/containers/${id}/exec`,
    body: { AttachStdout: true, AttachStderr: true, Cmd: cmd },
  });
  const { socket } = await e.client.hijack({ path: `/exec/${Id}/start`, body: { Detach: false } });
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  return demuxStreams(Buffer.concat(chunks)).stdout;
}

const remove = (id: string) =>
  e.client.request({ method: 'DELETE', path: `/containers/${id}`, query: { force: 1 } });

describe('container routes without a CLI verb', () => {
  it('resizes a TTY container: stty inside sees the new size', async () => {
    const id = await startContainer({
      Tty: true,
      OpenStdin: true,
      Cmd: ['sh', '-c', 'while true; do stty size > /tmp/size; sleep 0.1; done'],
    });
    await e.client.request({ method: 'POST', path: `/containers/${id}/resize`, query: { h: 40, w: 100 } });
    let size = '';
    for (let i = 0; i < 50 && size !== '40 100\n'; i++) {
      await sleep(100);
      size = await execOutput(id, ['cat', '/tmp/size']);
    }
    expect(size).toBe('40 100\n');
    await remove(id);
  });

  it('resizes an exec terminal while it runs', async () => {
    const id = await startContainer({ Cmd: ['sleep', '60'] });
    const { Id } = await e.client.requestJson<{ Id: string }>({
      method: 'POST',
      path: `/containers/${id}/exec`,
      body: { AttachStdout: true, Tty: true, Cmd: ['sh', '-c', 'sleep 1; stty size'] },
    });
    const { socket } = await e.client.hijack({
      path: `/exec/${Id}/start`,
      body: { Detach: false, Tty: true },
    });
    const chunks: Buffer[] = [];
    const done = (async () => {
      for await (const chunk of socket) chunks.push(chunk as Buffer);
    })();
    await sleep(300);
    await e.client.request({ method: 'POST', path: `/exec/${Id}/resize`, query: { h: 30, w: 90 } });
    await done;
    expect(Buffer.concat(chunks).toString()).toBe('30 90\r\n');
    await remove(id);
  });

  it('attach with logs=1&stream=0 replays the log and ends', async () => {
    const { id, exitCode } = await e.run({ Cmd: ['sh', '-c', 'echo out; echo err >&2'] });
    expect(exitCode).toBe(0);
    const { socket } = await e.client.hijack({
      path: `/containers/${id}/attach`,
      query: { logs: 1, stream: 0, stdout: 1, stderr: 1 },
    });
    const chunks: Buffer[] = [];
    for await (const chunk of socket) chunks.push(chunk as Buffer);
    expect(demuxStreams(Buffer.concat(chunks))).toEqual({ stdout: 'out\n', stderr: 'err\n' });
    await remove(id);
  });

  it('streams stats until the client ends the stream', async () => {
    const id = await startContainer({ Cmd: ['sleep', '60'] });
    const controller = new AbortController();
    const response = await e.client.stream({
      path: `/containers/${id}/stats`,
      query: { stream: 1 },
      signal: controller.signal,
    });
    const documents: Array<{ id: string; memory_stats: { usage?: number }; read: string }> = [];
    try {
      for await (const line of jsonLines(response)) {
        documents.push(JSON.parse(line) as (typeof documents)[number]);
        if (documents.length === 2) break;
      }
    } finally {
      controller.abort();
      response.destroy();
    }
    expect(documents.length).toBe(2);
    expect(documents.map((d) => d.id)).toEqual([id, id]);
    expect(documents[0]?.memory_stats.usage).toBeGreaterThan(0);
    expect(Date.parse(documents[1]?.read ?? '')).toBeGreaterThan(Date.parse(documents[0]?.read ?? ''));
    await remove(id);
  });

  it('renames a container, with its event, and refuses a taken or equal name', async () => {
    const id = await e.create({ Cmd: ['true'] }, 'first');
    const other = await e.create({ Cmd: ['true'] }, 'taken');
    const since = Math.floor(Date.now() / 1000) - 1;
    await e.client.request({ method: 'POST', path: `/containers/first/rename`, query: { name: 'second' } });
    const inspect = await e.client.requestJson<ContainerInspect>({ path: `/containers/${id}/json` });
    expect(inspect.Name).toBe('/second');
    expect((await failure(e.client.request({ path: '/containers/first/json' }))).code).toBe('NotFound');
    const taken = await failure(
      e.client.request({ method: 'POST', path: `/containers/second/rename`, query: { name: 'taken' } }),
    );
    expect(taken.code).toBe('Conflict');
    expect(taken.message).toContain(`The container name "/taken" is already in use by container "${other}"`);
    const same = await failure(
      e.client.request({ method: 'POST', path: `/containers/second/rename`, query: { name: 'second' } }),
    );
    expect(same).toEqual({
      code: 'InvalidArgument',
      message: 'Renaming a container with the same name as its current name',
    });
    const events = await e.client.request({
      path: '/events',
      query: {
        since,
        until: Math.ceil(Date.now() / 1000) + 1,
        filters: JSON.stringify({ event: ['rename'] }),
      },
    });
    const renames = events.body
      .toString()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { Actor: { ID: string; Attributes: Record<string, string> } });
    expect(renames.map((r) => [r.Actor.ID, r.Actor.Attributes.name, r.Actor.Attributes.oldName])).toEqual([
      [id, 'second', '/first'],
    ]);
    await remove(id);
    await remove(other);
  });

  it('shows a paused container in inspect and refuses a second pause', async () => {
    const id = await startContainer({ Cmd: ['sleep', '60'] });
    await e.client.request({ method: 'POST', path: `/containers/${id}/pause` });
    const paused = await e.client.requestJson<ContainerInspect>({ path: `/containers/${id}/json` });
    expect(paused.State).toMatchObject({ Status: 'paused', Paused: true, Running: true });
    const again = await failure(e.client.request({ method: 'POST', path: `/containers/${id}/pause` }));
    expect(again).toEqual({ code: 'Conflict', message: `Container ${id} is already paused` });
    await e.client.request({ method: 'POST', path: `/containers/${id}/unpause` });
    const resumed = await e.client.requestJson<ContainerInspect>({ path: `/containers/${id}/json` });
    expect(resumed.State).toMatchObject({ Status: 'running', Paused: false, Running: true });
    await remove(id);
  });

  it('removes an auto-remove container whose start fails, so a waiter for removal returns', async () => {
    const id = await e.create({ Cmd: ['no-such-binary'], HostConfig: { AutoRemove: true } });
    const waiting = await e.client.stream({
      method: 'POST',
      path: `/containers/${id}/wait`,
      query: { condition: 'removed' },
    });
    const start = await failure(e.client.request({ method: 'POST', path: `/containers/${id}/start` }));
    expect(start.code).toBe('InvalidArgument');
    const chunks: Buffer[] = [];
    for await (const chunk of waiting) chunks.push(chunk as Buffer);
    expect(JSON.parse(Buffer.concat(chunks).toString())).toMatchObject({ StatusCode: 127 });
    expect((await failure(e.client.request({ path: `/containers/${id}/json` }))).code).toBe('NotFound');
  });
});
