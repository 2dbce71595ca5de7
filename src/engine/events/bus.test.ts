import { describe, expect, it } from 'vitest';
import { EventBus } from './bus.js';

const start = {
  type: 'container',
  action: 'start',
  actor: { id: 'c1', attributes: { name: 'web' } },
} as const;

describe('EventBus', () => {
  it('stamps events with the clock and hands them to subscribers in order', () => {
    let now = 1_700_000_000_123.456;
    const bus = new EventBus({ now: () => now });
    const seen: string[] = [];
    const unsubscribe = bus.subscribe((e) => seen.push(`${e.Action}@${e.timeNano}`));
    const event = bus.publish(start);
    expect(event).toEqual({
      Type: 'container',
      Action: 'start',
      Actor: { ID: 'c1', Attributes: { name: 'web' } },
      scope: 'local',
      time: 1_700_000_000,
      timeNano: 1_700_000_000_123_456_000,
    });
    now -= 5; // the wall clock stepped back: order must not
    bus.publish({ ...start, action: 'die' });
    unsubscribe();
    bus.publish({ ...start, action: 'destroy' });
    expect(seen).toEqual(['start@1700000000123456000', 'die@1700000000123456000']);
    expect(bus.subscriberCount).toBe(0);
  });

  it('keeps a bounded ring of recent events for replay by time', () => {
    let now = 1000;
    const bus = new EventBus({ capacity: 3, now: () => now });
    for (const action of ['a', 'b', 'c', 'd']) {
      bus.publish({ ...start, action });
      now += 1000;
    }
    expect(bus.recent().map((e) => e.Action)).toEqual(['b', 'c', 'd']);
    expect(bus.recent(3000e6).map((e) => e.Action)).toEqual(['c', 'd']);
    expect(bus.recent(0, 3000e6).map((e) => e.Action)).toEqual(['b', 'c']);
  });

  it('does not share attribute objects with the publisher', () => {
    const attributes = { name: 'web' };
    const bus = new EventBus();
    const event = bus.publish({ type: 'container', action: 'start', actor: { id: 'c1', attributes } });
    attributes.name = 'changed';
    expect(event.Actor.Attributes.name).toBe('web');
  });
});
