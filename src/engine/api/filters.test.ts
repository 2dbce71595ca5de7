import { describe, expect, it } from 'vitest';
import { checkFilterNames, encodeFilters, matchAny, matchLabels, parseFilters } from './filters.js';

describe('filters', () => {
  it('reads both dialects to the same value', () => {
    const py = parseFilters('{"label":["a=b","c"],"status":["running"]}');
    const go = parseFilters('{"label":{"a=b":true,"c":true,"off":false},"status":{"running":true}}');
    expect([...py]).toEqual([
      ['label', ['a=b', 'c']],
      ['status', ['running']],
    ]);
    expect([...go]).toEqual([...py]);
  });

  it('treats absent or empty as no filters and rejects malformed JSON', () => {
    expect(parseFilters(null).size).toBe(0);
    expect(parseFilters('').size).toBe(0);
    expect(() => parseFilters('{label')).toThrow('invalid filter: not JSON');
    expect(() => parseFilters('[1]')).toThrow('expected an object');
    expect(() => parseFilters('{"label":[1]}')).toThrow("invalid filter 'label': values must be strings");
    expect(() => parseFilters('{"label":{"a":"yes"}}')).toThrow('expected {"value": true}');
  });

  it('encodes the Go dialect', () => {
    expect(encodeFilters({ label: ['a=b'], type: ['container', 'image'] })).toBe(
      '{"label":{"a=b":true},"type":{"container":true,"image":true}}',
    );
  });

  it('matches labels by key or key=value, all of them', () => {
    const labels = { 'com.docker.compose.project': 'demo', tier: '' };
    expect(matchLabels(labels, undefined)).toBe(true);
    expect(matchLabels(labels, ['com.docker.compose.project'])).toBe(true);
    expect(matchLabels(labels, ['com.docker.compose.project=demo', 'tier='])).toBe(true);
    expect(matchLabels(labels, ['com.docker.compose.project=other'])).toBe(false);
    expect(matchLabels(labels, ['com.docker.compose.project=demo', 'missing'])).toBe(false);
  });

  it('matches plain values and checks names', () => {
    expect(matchAny(['running'], ['exited', 'running'])).toBe(true);
    expect(matchAny(['running'], ['exited'])).toBe(false);
    expect(matchAny(['running'], undefined)).toBe(true);
    expect(() => checkFilterNames(parseFilters('{"colour":["red"]}'), ['label'])).toThrow(
      "invalid filter 'colour'",
    );
  });
});
