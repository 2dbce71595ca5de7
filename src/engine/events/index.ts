// The engine's event bus and the rules /events applies to it.

export { EventBus, type EventBusOptions, type EventListener, type PublishedEvent } from './bus.js';
export { matchEvent, withLegacyFields } from './filter.js';
export { parseTimestampNano } from './timestamp.js';
