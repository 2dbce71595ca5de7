// GET /events over the socket: live streaming with filters (both dialects), replay with since/until, legacy
// fields, and streams ended by the engine's shutdown.

import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventMessage } from '../../../src/engine/api/events.js';
import { jsonLines } from '../../../src/engine/client/index.js';
import type { EventBus } from '../../../src/engine/events/bus.js';
import { startTestEngine, type TestEngine } from './engine-fixture.js';

let t: TestEngine;
let bus: EventBus;
beforeAll(async () => {
  t = await startTestEngine();
  bus = t.engine.services.events;
});
afterAll(async () => {
  await t.cleanup();
});

const container = (action: string, name: string, labels: Record<string, string> = {}) =>
  bus.publish({
    type: 'container',
    action,
    actor: { id: `${name}-id`, attributes: { name, image: 'busybox', ...labels } },
  });

/** Collects `count` events from the stream, publishing with `publish` once the subscription is live. */
async function collect(
  iterable: AsyncIterable<EventMessage>,
  count: number,
  publish: () => void,
  controller: AbortController,
): Promise<EventMessage[]> {
  const seen: EventMessage[] = [];
  const iterator = iterable[Symbol.asyncIterator]();
  const first = iterator.next();
  await waitFor(() => bus.subscriberCount > 0);
  publish();
  for (let result = await first; !result.done; result = await iterator.next()) {
    seen.push(result.value);
    if (seen.length === count) break;
  }
  controller.abort();
  await iterator.return?.(undefined);
  return seen;
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
}

describe('engine server: /events', () => {
  it('streams live events that pass the filters, with legacy fields', async () => {
    const controller = new AbortController();
    const events = t.client.events({
      filters: { type: ['container'], event: ['start', 'die'], label: ['com.docker.compose.project=demo'] },
      signal: controller.signal,
    });
    const seen = await collect(
      events,
      2,
      () => {
        container('create', 'a', { 'com.docker.compose.project': 'demo' });
        container('start', 'b', { 'com.docker.compose.project': 'other' });
        bus.publish({ type: 'network', action: 'start', actor: { id: 'n', attributes: {} } });
        container('start', 'c', { 'com.docker.compose.project': 'demo' });
        container('die', 'c', { 'com.docker.compose.project': 'demo', exitCode: '0' });
      },
      controller,
    );
    expect(seen.map((e) => `${e.Action} ${e.Actor.Attributes.name}`)).toEqual(['start c', 'die c']);
    expect(seen[1]).toMatchObject({
      Type: 'container',
      scope: 'local',
      status: 'die',
      id: 'c-id',
      from: 'busybox',
      Actor: { ID: 'c-id', Attributes: { exitCode: '0' } },
    });
    await waitFor(() => bus.subscriberCount === 0);
  });

  it('accepts the docker-py filter dialect', async () => {
    const controller = new AbortController();
    const response = await t.client.stream({
      path: '/events',
      query: { filters: JSON.stringify({ container: ['py-'] }) },
      signal: controller.signal,
    });
    const lines = jsonLines(response)[Symbol.asyncIterator]();
    const next = lines.next();
    await waitFor(() => bus.subscriberCount > 0);
    container('start', 'other');
    container('start', 'py-one');
    const line = await next;
    expect(JSON.parse(line.value as string)).toMatchObject({ Action: 'start', Actor: { ID: 'py-one-id' } });
    controller.abort();
    response.destroy();
    await waitFor(() => bus.subscriberCount === 0);
  });

  it('replays kept events between since and until, then ends when until is past', async () => {
    const before = container('start', 'replay-1');
    const middle = container('stop', 'replay-2');
    const seen: EventMessage[] = [];
    const since = (before.timeNano / 1e9).toFixed(9);
    const until = (middle.timeNano / 1e9).toFixed(9);
    for await (const event of t.client.events({ since, until, filters: { container: ['replay-'] } }))
      seen.push(event);
    expect(seen.map((e) => e.Actor.ID)).toEqual(['replay-1-id', 'replay-2-id']);
  });

  it('replays from since and then continues live until `until`', async () => {
    const old = container('start', 'window-old');
    const until = String(Math.ceil(Date.now() / 1000) + 1);
    const started = Date.now();
    const iterable = t.client.events({
      since: (old.timeNano / 1e9).toFixed(6),
      until,
      filters: { container: ['window-'] },
    });
    const seen: string[] = [];
    const iterator = iterable[Symbol.asyncIterator]();
    const first = await iterator.next();
    seen.push((first.value as EventMessage).Actor.ID);
    container('start', 'window-live');
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) seen.push(r.value.Actor.ID);
    expect(seen).toEqual(['window-old-id', 'window-live-id']);
    // It ended by itself at `until`, not later.
    expect(Date.now()).toBeLessThan(Number(until) * 1000 + 1000);
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('rejects bad filters and timestamps with 400', async () => {
    await expect(
      t.client.request({ path: '/events', query: { filters: '{"colour":["red"]}' } }),
    ).rejects.toThrow("invalid filter 'colour'");
    await expect(t.client.request({ path: '/events', query: { since: 'yesterday' } })).rejects.toThrow(
      'invalid timestamp "yesterday"',
    );
    await expect(t.client.request({ path: '/events', query: { since: '20', until: '10' } })).rejects.toThrow(
      '`since` time cannot be after `until` time',
    );
  });

  it('sends headers before the first event so clients see the 200 at once', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.get({ socketPath: t.config.socket, path: '/v1.41/events' }, (res) => {
        resolve(res.statusCode ?? 0);
        res.destroy();
      });
      req.on('error', reject);
    });
    expect(status).toBe(200);
  });
});

describe('engine server: shutdown', () => {
  it('ends open event streams when the engine closes', async () => {
    const other = await startTestEngine();
    const events = other.client.events();
    const iterator = events[Symbol.asyncIterator]();
    const next = iterator.next();
    await new Promise((r) => setTimeout(r, 50));
    const closing = other.cleanup();
    expect((await next).done).toBe(true);
    await closing;
  });
});
