import { expect, it } from 'vitest';
import { logSizeLimit } from './log-options.js';

it('reads max-size with Docker units', () => {
  expect(logSizeLimit(undefined)).toBeUndefined();
  expect(logSizeLimit({ 'max-file': '3' })).toBeUndefined();
  expect(logSizeLimit({ 'max-size': '10m' })).toBe(10 * 1024 * 1024);
  expect(logSizeLimit({ 'max-size': '512k' })).toBe(512 * 1024);
  expect(logSizeLimit({ 'max-size': '2048' })).toBe(2048);
  expect(() => logSizeLimit({ 'max-size': 'lots' })).toThrow('invalid log option max-size "lots"');
});
