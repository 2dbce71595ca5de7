import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

describe('createLogger', () => {
  it('writes lines at or above its level to every sink, with quoted fields where needed', () => {
    const a = new PassThrough();
    const b = new PassThrough();
    const log = createLogger('info', [a, b], () => new Date('2026-01-02T03:04:05.678Z'));
    log.debug('hidden');
    log.info('GET /_ping', { status: 200, ms: 0.4, agent: 'Docker-Client/28 (linux)', skip: undefined });
    log.error('failed', { error: new Error('no space left') });
    const expected =
      '2026-01-02T03:04:05.678Z info GET /_ping status=200 ms=0.4 agent="Docker-Client/28 (linux)"\n' +
      '2026-01-02T03:04:05.678Z error failed error="no space left"\n';
    expect(String(a.read())).toBe(expected);
    expect(String(b.read())).toBe(expected);
  });
});
