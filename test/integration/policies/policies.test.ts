// Healthchecks and restart policies on real containers: health turns by probe results (start period, retries,
// timeouts), restart policies with their limits, a user's stop that no policy undoes, containers that come
// back when an engine starts, and the events of each transition in order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventMessage } from '../../../src/engine/api/events.js';
import { startContainerEngine, type ContainerEngine } from '../container/fixture.js';

let e: ContainerEngine;
beforeAll(async () => {
  e = await startContainerEngine();
});
afterAll(async () => {
  await e?.cleanup();
});

const SECOND = 1e9;

interface Inspect {
  State: {
    Status: string;
    ExitCode: number;
    Restarting: boolean;
    Health?: { Status: string; FailingStreak: number; Log: Array<{ ExitCode: number; Output: string }> };
  };
  RestartCount: number;
}

const inspect = (id: string) => e.client.requestJson<Inspect>({ path: `/containers/${id}/json` });

/** Collects the container's events until `done` says so (or the time runs out, failing the test). */
function eventsOf(
  id: string,
  done: (events: EventMessage[]) => boolean,
  timeoutMs = 20_000,
): Promise<EventMessage[]> {
  const seen: EventMessage[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out; events so far: ${seen.map((event) => event.Action).join(', ')}`));
    }, timeoutMs);
    const unsubscribe = e.engine.services.events.subscribe((event) => {
      if (event.Actor.ID !== id) return;
      seen.push(event);
      if (done(seen)) {
        clearTimeout(timer);
        unsubscribe();
        resolve(seen);
      }
    });
  });
}

async function eventually(probe: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const actions = (events: EventMessage[]) => events.map((event) => event.Action);
const count = (events: EventMessage[], action: string) =>
  events.filter((event) => event.Action === action).length;

describe('healthchecks', () => {
  it('turns healthy after a passing probe, then unhealthy after `retries` failures, with events', async () => {
    const id = await e.create({
      Cmd: ['sh', '-c', 'touch /ok; sleep 60'],
      Healthcheck: { Test: ['CMD-SHELL', 'test -f /ok && echo fine'], Interval: 0.2 * SECOND, Retries: 2 },
    });
    const healthy = eventsOf(id, (events) => actions(events).includes('health_status: healthy'));
    await e.client.request({ method: 'POST', path: `/containers/${id}/start` });
    expect((await inspect(id)).State.Health?.Status).toBe('starting');
    await healthy;
    const state = (await inspect(id)).State.Health;
    expect(state?.Status).toBe('healthy');
    expect(state?.Log.at(-1)).toMatchObject({ ExitCode: 0, Output: 'fine\n' });

    const unhealthy = eventsOf(id, (events) => actions(events).includes('health_status: unhealthy'));
    await e.client
      .request({
        method: 'POST',
        path: `/containers/${id}/exec`,
        body: { Cmd: ['rm', '/ok'] },
      })
      .then(async (response) => {
        const { Id } = JSON.parse(response.body.toString()) as { Id: string };
        await e.client.request({ method: 'POST', path: `/exec/${Id}/start`, body: { Detach: false } });
      });
    const events = await unhealthy;
    expect(actions(events).filter((action) => action.startsWith('health_status'))).toEqual([
      'health_status: unhealthy',
    ]);
    const after = (await inspect(id)).State.Health;
    expect(after).toMatchObject({ Status: 'unhealthy', FailingStreak: 2 });
    expect(after?.Log.length).toBeLessThanOrEqual(5);
    await e.client.request({ method: 'DELETE', path: `/containers/${id}`, query: { force: 1 } });
  });

  it('does not count failures within the start period', async () => {
    const id = await e.create({
      Cmd: ['sleep', '60'],
      Healthcheck: {
        Test: ['CMD', 'false'],
        Interval: 0.2 * SECOND,
        StartPeriod: 1.5 * SECOND,
        StartInterval: 0.2 * SECOND,
        Retries: 1,
      },
    });
    const unhealthy = eventsOf(id, (events) => actions(events).includes('health_status: unhealthy'));
    const startedAt = Date.now();
    await e.client.request({ method: 'POST', path: `/containers/${id}/start` });
    await new Promise((resolve) => setTimeout(resolve, 900));
    const during = (await inspect(id)).State.Health;
    expect(during?.Status).toBe('starting');
    expect(during?.FailingStreak).toBe(0);
    expect(during?.Log.length).toBeGreaterThan(0);
    await unhealthy;
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1500);
    await e.client.request({ method: 'DELETE', path: `/containers/${id}`, query: { force: 1 } });
  });

  it('kills a hung probe at its timeout and counts it as a failure', async () => {
    const id = await e.create({
      Cmd: ['sleep', '60'],
      Healthcheck: {
        Test: ['CMD', 'sleep', '30'],
        Interval: 0.1 * SECOND,
        Timeout: 0.3 * SECOND,
        Retries: 1,
      },
    });
    const unhealthy = eventsOf(id, (events) => actions(events).includes('health_status: unhealthy'));
    await e.client.request({ method: 'POST', path: `/containers/${id}/start` });
    await unhealthy;
    const health = (await inspect(id)).State.Health;
    expect(health?.Log[0]).toMatchObject({ ExitCode: -1, Output: 'Health check exceeded timeout (300ms)' });
    // The probe was killed: no `sleep 30` is left in the container.
    const top = await e.client.requestJson<{ Processes: string[][] }>({ path: `/containers/${id}/top` });
    expect(top.Processes.filter((row) => row.join(' ').includes('sleep 30'))).toEqual([]);
    await e.client.request({ method: 'DELETE', path: `/containers/${id}`, query: { force: 1 } });
  });

  it('has no health for NONE, and lists by health', async () => {
    const none = await e.create({ Cmd: ['sleep', '60'], Healthcheck: { Test: ['NONE'] } });
    await e.client.request({ method: 'POST', path: `/containers/${none}/start` });
    expect((await inspect(none)).State.Health).toBeUndefined();
    const listed = await e.client.requestJson<Array<{ Id: string }>>({
      path: '/containers/json',
      query: { filters: JSON.stringify({ health: ['none'] }) },
    });
    expect(listed.map((c) => c.Id)).toContain(none);
    await e.client.request({ method: 'DELETE', path: `/containers/${none}`, query: { force: 1 } });
  });
});

describe('restart policies', () => {
  it('restarts on-failure:3 three times, then stops with the exit code', async () => {
    const id = await e.create({
      Cmd: ['sh', '-c', 'echo run; exit 3'],
      HostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 } },
    });
    const dies = eventsOf(id, (events) => count(events, 'die') === 4);
    await e.client.request({ method: 'POST', path: `/containers/${id}/start` });
    const events = await dies;
    expect(actions(events)).toEqual(['start', 'die', 'start', 'die', 'start', 'die', 'start', 'die']);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // more than the next back-off: nothing more
    const state = await inspect(id);
    expect(state.RestartCount).toBe(3);
    expect(state.State).toMatchObject({ Status: 'exited', ExitCode: 3, Restarting: false });
    expect(await e.logs(id)).toBe('run\nrun\nrun\nrun\n');
    await e.client.request({ method: 'DELETE', path: `/containers/${id}` });
  });

  it('never undoes a stop by the user, and a follower sees every run', async () => {
    const id = await e.create({
      Cmd: ['sh', '-c', 'echo up; sleep 0.2; exit 1'],
      HostConfig: { RestartPolicy: { Name: 'always' } },
    });
    const twice = eventsOf(id, (events) => count(events, 'start') >= 3);
    await e.client.request({ method: 'POST', path: `/containers/${id}/start` });
    await twice;
    const stop = await e.client.request({ method: 'POST', path: `/containers/${id}/stop`, query: { t: 1 } });
    expect([204, 304]).toContain(stop.status);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const state = await inspect(id);
    expect(state.State.Status).toBe('exited');
    expect(state.State.Restarting).toBe(false);
    expect(state.RestartCount).toBeGreaterThanOrEqual(2);
    await e.client.request({ method: 'DELETE', path: `/containers/${id}` });
  });

  it('refuses --rm with a restart policy and names a bad policy', async () => {
    await expect(
      e.create({ Cmd: ['true'], HostConfig: { AutoRemove: true, RestartPolicy: { Name: 'always' } } }),
    ).rejects.toThrow('Conflicting options: --restart and --rm');
    await expect(
      e.create({ Cmd: ['true'], HostConfig: { RestartPolicy: { Name: 'sometimes' } } }),
    ).rejects.toThrow("invalid restart policy 'sometimes'");
  });

  it('brings always and unless-stopped containers back when the engine starts, not stopped unless-stopped ones', async () => {
    const always = await e.create({
      Cmd: ['sleep', '60'],
      HostConfig: { RestartPolicy: { Name: 'always' } },
    });
    const unless = await e.create({
      Cmd: ['sleep', '60'],
      HostConfig: { RestartPolicy: { Name: 'unless-stopped' } },
    });
    const stopped = await e.create({
      Cmd: ['sleep', '60'],
      HostConfig: { RestartPolicy: { Name: 'unless-stopped' } },
    });
    for (const id of [always, unless, stopped])
      await e.client.request({ method: 'POST', path: `/containers/${id}/start` });
    await e.client.request({ method: 'POST', path: `/containers/${stopped}/stop`, query: { t: 0 } });
    await e.client.request({ method: 'POST', path: `/containers/${always}/stop`, query: { t: 0 } });
    await e.client.request({ method: 'POST', path: `/containers/${unless}/kill` }); // killed: a user's stop too
    await e.client.request({ method: 'POST', path: `/containers/${unless}/wait` });
    await e.client.request({ method: 'POST', path: `/containers/${unless}/start` }); // started again by its user

    await e.restart(); // the containers run on; `always` was stopped, so it comes back
    await eventually(async () => (await inspect(always)).State.Status === 'running');
    expect((await inspect(always)).State.Status).toBe('running');
    expect((await inspect(unless)).State.Status).toBe('running');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await inspect(stopped)).State.Status).toBe('exited');
    for (const id of [always, unless, stopped])
      await e.client.request({ method: 'DELETE', path: `/containers/${id}`, query: { force: 1 } });
  });
});

describe('restart policies across an engine outage', () => {
  it('restarts an on-failure container that failed while no engine ran', async () => {
    const id = await e.create({
      Cmd: ['sh', '-c', 'if [ -f /ran ]; then sleep 60; fi; touch /ran; sleep 0.5; exit 5'],
      HostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } },
    });
    await e.client.request({ method: 'POST', path: `/containers/${id}/start` });
    await e.engine.close();
    await new Promise((resolve) => setTimeout(resolve, 1200)); // it exits with 5 meanwhile
    await e.restart();
    await eventually(async () => (await inspect(id)).State.Status === 'running');
    expect((await inspect(id)).RestartCount).toBe(1);
    await e.client.request({ method: 'DELETE', path: `/containers/${id}`, query: { force: 1 } });
  });
});
