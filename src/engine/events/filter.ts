// Which events a /events subscriber receives: Docker's filter rules, and the legacy fields older clients read.
// Invariant: an absent filter name never excludes anything; every present name must match.

import type { EventMessage } from '../api/events.js';
import { matchLabels, type Filters } from '../api/filters.js';
import { apiVersionAtLeast } from '../api/version.js';

/** Actions that carry a suffix ("health_status: healthy", "exec_start: sh -c ..."); matched by prefix. */
const SUFFIXED_ACTIONS = ['health_status', 'exec_create', 'exec_start', 'exec_die'];

export function matchEvent(event: EventMessage, filters: Filters): boolean {
  const attributes = event.Actor.Attributes;
  return (
    exact(filters.get('type'), [event.Type]) &&
    matchAction(event.Action, filters.get('event')) &&
    exact(filters.get('scope'), [event.scope]) &&
    byName(event, 'container', filters) &&
    byName(event, 'network', filters) &&
    byName(event, 'volume', filters) &&
    byName(event, 'daemon', filters) &&
    matchImage(event, filters.get('image')) &&
    matchLabels(attributes, filters.get('label'))
  );
}

/** Adds status/id/from for clients before API 1.52 (compose v1 reads `status`). */
export function withLegacyFields(event: EventMessage, apiVersion: string): EventMessage {
  if (apiVersionAtLeast(apiVersion, '1.52')) return event;
  if (event.Type === 'container') {
    const from = event.Actor.Attributes.image;
    return { ...event, status: event.Action, id: event.Actor.ID, ...(from === undefined ? {} : { from }) };
  }
  if (event.Type === 'image') return { ...event, status: event.Action, id: event.Actor.ID };
  return event;
}

function exact(wanted: readonly string[] | undefined, candidates: readonly string[]): boolean {
  return wanted === undefined || wanted.some((w) => candidates.includes(w));
}

function matchAction(action: string, wanted: readonly string[] | undefined): boolean {
  if (wanted === undefined) return true;
  return wanted.some((w) => w === action || (SUFFIXED_ACTIONS.includes(w) && action.startsWith(`${w}:`)));
}

/** `container=x` (and network, volume, daemon): a prefix of the actor's ID or of its name. */
function byName(event: EventMessage, kind: string, filters: Filters): boolean {
  const wanted = filters.get(kind);
  if (wanted === undefined) return true;
  const name = event.Actor.Attributes.name ?? '';
  return wanted.some((w) => event.Actor.ID.startsWith(w) || (name !== '' && name.startsWith(w)));
}

/** `image=x`: the image of a container event, or the image of an image event, with or without its tag. */
function matchImage(event: EventMessage, wanted: readonly string[] | undefined): boolean {
  if (wanted === undefined) return true;
  const name = event.Actor.Attributes[event.Type === 'image' ? 'name' : 'image'] ?? '';
  const candidates = [event.Actor.ID, name, stripTag(event.Actor.ID), stripTag(name)].filter((c) => c !== '');
  return wanted.some((w) => candidates.includes(w));
}

function stripTag(reference: string): string {
  const at = reference.indexOf('@');
  if (at !== -1) return reference.slice(0, at);
  const colon = reference.lastIndexOf(':');
  return colon > reference.lastIndexOf('/') ? reference.slice(0, colon) : reference;
}
