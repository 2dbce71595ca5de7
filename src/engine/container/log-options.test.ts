import { expect, it } from 'vitest';
import { logSettings, logSizeLimit } from './log-options.js';

it('reads max-size with Docker units', () => {
  expect(logSizeLimit(undefined)).toBeUndefined();
  expect(logSizeLimit({ 'max-file': '3' })).toBeUndefined();
  expect(logSizeLimit({ 'max-size': '10m' })).toBe(10 * 1024 * 1024);
  expect(logSizeLimit({ 'max-size': '512k' })).toBe(512 * 1024);
  expect(logSizeLimit({ 'max-size': '2048' })).toBe(2048);
  expect(() => logSizeLimit({ 'max-size': 'lots' })).toThrow('invalid log option max-size "lots"');
});

it('reads drivers, max-file and the options that only warn', () => {
  expect(logSettings(undefined)).toEqual({ keep: true, limits: { maxFiles: 1 }, warnings: [] });
  expect(logSettings({ Type: 'json-file', Config: { 'max-size': '1k', 'max-file': '3' } })).toEqual({
    keep: true,
    limits: { maxSize: 1024, maxFiles: 3 },
    warnings: [],
  });
  expect(logSettings({ Type: 'none' }).keep).toBe(false);
  expect(logSettings({ Type: 'local', Config: { tag: '{{.Name}}' } }).warnings).toEqual([
    "log option 'tag' has no effect: berth's log lines carry no attributes",
  ]);
  expect(() => logSettings({ Type: 'syslog' })).toThrow('logging driver "syslog" is not supported');
  expect(() => logSettings({ Type: 'json-file', Config: { 'max-buffer-size': '1m' } })).toThrow(
    "unknown log opt 'max-buffer-size' for json-file log driver",
  );
  expect(() => logSettings({ Config: { 'max-file': '0' } })).toThrow('max-file cannot be less than 1');
  expect(() => logSettings({ Config: { 'max-file': '2' } })).toThrow(
    'max-file cannot be set without max-size',
  );
});
