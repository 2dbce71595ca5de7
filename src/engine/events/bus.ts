// The engine's event bus: subsystems publish what happened (container start, image pull, ...); /events
// subscribers receive it live, and a bounded ring of recent events lets `since` replay the past.
// Invariant: events are delivered to every subscriber in publication order, with non-decreasing timeNano,
// and the ring never holds more than `capacity` events.

import type { EventMessage, EventType } from '../api/events.js';

export interface PublishedEvent {
  type: EventType;
  action: string;
  actor: { id: string; attributes?: Record<string, string> };
}

export type EventListener = (event: EventMessage) => void;

export interface EventBusOptions {
  /** How many recent events are kept for replay (Docker keeps 256). */
  capacity?: number;
  /** Current time in milliseconds, fractional allowed (injected by tests). */
  now?: () => number;
}

export class EventBus {
  private readonly capacity: number;
  private readonly now: () => number;
  private readonly ring: EventMessage[] = [];
  private readonly listeners = new Set<EventListener>();
  private lastNano = 0;

  constructor(options: EventBusOptions = {}) {
    this.capacity = options.capacity ?? 256;
    // The wall clock clients use for since/until (performance.now drifts from it by a millisecond or so).
    this.now = options.now ?? (() => Date.now());
  }

  /**
   * Records an event and hands it to every subscriber.
   *
   *   bus.publish({ type: 'container', action: 'start', actor: { id, attributes: { name: 'web-1', image: 'nginx' } } })
   */
  publish(input: PublishedEvent): EventMessage {
    // Microsecond precision: a float64 holds unix nanoseconds only to ~256 ns, and ordering must not go back.
    const nano = Math.max(Math.round(this.now() * 1000) * 1000, this.lastNano);
    this.lastNano = nano;
    const event: EventMessage = {
      Type: input.type,
      Action: input.action,
      Actor: { ID: input.actor.id, Attributes: { ...input.actor.attributes } },
      scope: 'local',
      time: Math.floor(nano / 1e9),
      timeNano: nano,
    };
    this.ring.push(event);
    if (this.ring.length > this.capacity) this.ring.shift();
    for (const listener of [...this.listeners]) listener(event);
    return event;
  }

  /** Registers a listener for future events; returns the function that removes it. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Kept events with sinceNano <= timeNano <= untilNano, oldest first. */
  recent(sinceNano = 0, untilNano = Number.POSITIVE_INFINITY): EventMessage[] {
    return this.ring.filter((e) => e.timeNano >= sinceNano && e.timeNano <= untilNano);
  }

  /** Number of live subscribers (reported as NEventsListener by /info). */
  get subscriberCount(): number {
    return this.listeners.size;
  }

  /** Current time in unix nanoseconds on the bus's clock (for since/until arithmetic). */
  nowNano(): number {
    return Math.round(this.now() * 1000) * 1000;
  }
}
