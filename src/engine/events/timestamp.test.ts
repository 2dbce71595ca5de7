import { describe, expect, it } from 'vitest';
import { parseTimestampNano } from './timestamp.js';

const now = 1_700_000_000_000_000_000;

describe('parseTimestampNano', () => {
  it('reads unix seconds with an optional fraction', () => {
    expect(parseTimestampNano('1700000000', now)).toBe(1_700_000_000e9);
    expect(parseTimestampNano('1700000000.5', now)).toBe(1_700_000_000e9 + 500_000_000);
    expect(parseTimestampNano('12.000000007', now)).toBe(12_000_000_007);
  });

  it('reads RFC 3339 dates', () => {
    expect(parseTimestampNano('2023-11-14T22:13:20Z', now)).toBe(1_700_000_000e9);
  });

  it('reads durations back from now', () => {
    expect(parseTimestampNano('10m', now)).toBe(now - 600e9);
    expect(parseTimestampNano('1h30m', now)).toBe(now - 5400e9);
    expect(parseTimestampNano('1.5s', now)).toBe(now - 1.5e9);
  });

  it('rejects anything else', () => {
    expect(() => parseTimestampNano('yesterday', now)).toThrow('invalid timestamp "yesterday"');
  });
});
