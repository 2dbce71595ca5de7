import { describe, expect, it } from 'vitest';
import type { EventMessage } from '../api/events.js';
import { parseFilters } from '../api/filters.js';
import { matchEvent, withLegacyFields } from './filter.js';

function event(
  partial: Partial<EventMessage> & Pick<EventMessage, 'Type' | 'Action'>,
  attributes = {},
): EventMessage {
  return {
    Actor: { ID: 'f00dcafe1234', Attributes: attributes },
    scope: 'local',
    time: 1,
    timeNano: 1e9,
    ...partial,
  };
}

const web = event(
  { Type: 'container', Action: 'start' },
  { name: 'demo-web-1', image: 'nginx:1.27', 'com.docker.compose.project': 'demo' },
);
const health = event(
  { Type: 'container', Action: 'health_status: healthy' },
  { name: 'demo-web-1', image: 'nginx' },
);
const pulled = event({
  Type: 'image',
  Action: 'pull',
  Actor: { ID: 'nginx:1.27', Attributes: { name: 'nginx:1.27' } },
});
const net = event({
  Type: 'network',
  Action: 'create',
  Actor: { ID: 'abcd', Attributes: { name: 'demo_default' } },
});

const match = (e: EventMessage, filters: string) => matchEvent(e, parseFilters(filters));

describe('matchEvent', () => {
  it('passes everything without filters', () => {
    expect([web, health, pulled, net].every((e) => matchEvent(e, new Map()))).toBe(true);
  });

  it('filters by type and event, with prefix matching for suffixed actions', () => {
    expect([web, pulled, net].map((e) => match(e, '{"type":["container","network"]}'))).toEqual([
      true,
      false,
      true,
    ]);
    expect(match(web, '{"event":["start","die"]}')).toBe(true);
    expect(match(web, '{"event":["die"]}')).toBe(false);
    expect(match(health, '{"event":["health_status"]}')).toBe(true);
    expect(match(health, '{"event":["health_status: healthy"]}')).toBe(true);
    expect(match(health, '{"event":["health"]}')).toBe(false);
  });

  it('filters containers by id prefix or name prefix', () => {
    expect(match(web, '{"container":["f00d"]}')).toBe(true);
    expect(match(web, '{"container":["demo-web"]}')).toBe(true);
    expect(match(web, '{"container":["other"]}')).toBe(false);
    expect(match(net, '{"container":["f00d"]}')).toBe(false);
    expect(match(net, '{"network":["demo_"]}')).toBe(true);
  });

  it('filters by image with or without tag', () => {
    expect(match(web, '{"image":["nginx"]}')).toBe(true);
    expect(match(web, '{"image":["nginx:1.27"]}')).toBe(true);
    expect(match(web, '{"image":["redis"]}')).toBe(false);
    expect(match(pulled, '{"image":["nginx"]}')).toBe(true);
  });

  it('filters by labels in the attributes (both dialects)', () => {
    expect(match(web, '{"label":["com.docker.compose.project=demo"]}')).toBe(true);
    expect(match(web, '{"label":{"com.docker.compose.project=other":true}}')).toBe(false);
    expect(match(pulled, '{"label":["com.docker.compose.project"]}')).toBe(false);
  });
});

describe('withLegacyFields', () => {
  it('adds status, id and from for container events before API 1.52', () => {
    const legacy = withLegacyFields(web, '1.44');
    expect([legacy.status, legacy.id, legacy.from]).toEqual(['start', 'f00dcafe1234', 'nginx:1.27']);
    expect(withLegacyFields(pulled, '1.41')).toMatchObject({ status: 'pull', id: 'nginx:1.27' });
    expect(withLegacyFields(net, '1.41')).toBe(net);
    expect(withLegacyFields(web, '1.52')).toBe(web);
  });
});
