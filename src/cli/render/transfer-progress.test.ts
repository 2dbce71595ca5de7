import { describe, expect, it } from 'vitest';
import { ProgressRenderer } from './transfer-progress.js';

function capture(tty: boolean) {
  let text = '';
  return { renderer: new ProgressRenderer({ write: (t: string) => (text += t) }, tty), text: () => text };
}

describe('ProgressRenderer', () => {
  it('prints status changes as plain lines, leaving out byte counts', () => {
    const { renderer, text } = capture(false);
    renderer.handle({ status: 'Pulling from app', id: 'v1' });
    renderer.handle({ status: 'Pulling fs layer', id: 'abc' });
    renderer.handle({ status: 'Downloading', id: 'abc', progressDetail: { current: 1, total: 2 } });
    renderer.handle({ status: 'Pull complete', id: 'abc' });
    expect(text()).toBe('v1: Pulling from app\nabc: Pulling fs layer\nabc: Pull complete\n');
  });

  it('redraws layer lines in place on a terminal and reports errors', () => {
    const { renderer, text } = capture(true);
    renderer.handle({ status: 'Pulling fs layer', id: 'a' });
    renderer.handle({ status: 'Pulling fs layer', id: 'b' });
    renderer.handle({ status: 'Pull complete', id: 'a' });
    expect(text()).toContain('\x1b[2A');
    expect(text().endsWith('\r\x1b[2Ka: Pull complete\n\r\x1b[2Kb: Pulling fs layer\n')).toBe(true);
    expect(renderer.handle({ error: 'boom', errorDetail: { message: 'boom' } })).toBe('boom');
  });
});
