// Wire type of GET /events messages. Clients before API 1.52 (compose v1 among them) read the legacy
// status/id/from fields, so those are sent alongside the structured ones.

export type EventType =
  'container' | 'image' | 'volume' | 'network' | 'daemon' | 'plugin' | 'node' | 'service';

export interface EventActor {
  ID: string;
  Attributes: Record<string, string>;
}

export interface EventMessage {
  Type: EventType;
  Action: string;
  Actor: EventActor;
  scope: 'local';
  /** Unix seconds. */
  time: number;
  /** Unix nanoseconds (a number, as Docker sends it; precise to the microsecond in JavaScript). */
  timeNano: number;
  /** Legacy (API < 1.52): the action, for container and image events. */
  status?: string;
  /** Legacy: the actor's ID. */
  id?: string;
  /** Legacy: the container's image. */
  from?: string;
}

/** The filter names GET /events accepts. */
export const EVENT_FILTERS = [
  'type',
  'event',
  'container',
  'image',
  'label',
  'network',
  'volume',
  'daemon',
  'scope',
] as const;
