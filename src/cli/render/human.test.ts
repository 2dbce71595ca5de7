import { describe, expect, it } from 'vitest';
import { ellipsis, humanBinarySize, humanDuration, humanSize, shortId, timeAgo } from './human.js';

describe('humanSize', () => {
  it('prints decimal units with three significant digits', () => {
    expect(humanSize(0)).toBe('0B');
    expect(humanSize(999)).toBe('999B');
    expect(humanSize(1500)).toBe('1.5kB');
    expect(humanSize(4_261_234)).toBe('4.26MB');
    expect(humanSize(12_345_678)).toBe('12.3MB');
    expect(humanSize(123_456_789)).toBe('123MB');
    expect(humanSize(2_000_000_000)).toBe('2GB');
  });
});

describe('humanBinarySize', () => {
  it('prints binary units', () => {
    expect(humanBinarySize(512)).toBe('512B');
    expect(humanBinarySize(1536)).toBe('1.5KiB');
    expect(humanBinarySize(12.5 * 2 ** 20)).toBe('12.5MiB');
    expect(humanBinarySize(2 ** 30)).toBe('1GiB');
  });
});

describe('humanDuration and timeAgo', () => {
  it('speaks like Docker', () => {
    expect(humanDuration(300)).toBe('Less than a second');
    expect(humanDuration(1000)).toBe('1 second');
    expect(humanDuration(3000)).toBe('3 seconds');
    expect(humanDuration(61_000)).toBe('About a minute');
    expect(humanDuration(2 * 60_000 + 5000)).toBe('2 minutes');
    expect(humanDuration(3_600_000)).toBe('About an hour');
    expect(humanDuration(5 * 3_600_000)).toBe('5 hours');
    expect(humanDuration(3 * 24 * 3_600_000)).toBe('3 days');
    expect(humanDuration(20 * 24 * 3_600_000)).toBe('2 weeks');
    expect(humanDuration(90 * 24 * 3_600_000)).toBe('3 months');
    expect(humanDuration(800 * 24 * 3_600_000)).toBe('2 years');
  });
  it('adds "ago" and knows the unknown time', () => {
    expect(timeAgo(1_700_000_000, 1_700_000_120_000)).toBe('2 minutes ago');
    expect(timeAgo(0, 1_700_000_000_000)).toBe('N/A');
  });
});

describe('shortId and ellipsis', () => {
  it('shortens IDs and text', () => {
    expect(shortId(`sha256:${'ab'.repeat(32)}`)).toBe('abababababab');
    expect(shortId('0123456789abcdef0123')).toBe('0123456789ab');
    expect(ellipsis('sleep 1000', 20)).toBe('sleep 1000');
    expect(ellipsis('sh -c while true; do echo hi; done', 20)).toBe('sh -c while true; d…');
  });
});
