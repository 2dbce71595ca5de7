import { describe, expect, it } from 'vitest';
import { parseLocalOptions } from './local-options.js';

describe('parseLocalOptions', () => {
  it('treats no options as a plain directory', () => {
    expect(parseLocalOptions('v', {})).toBeUndefined();
  });
  it('parses a bind of a host dir', () => {
    expect(parseLocalOptions('v', { type: 'none', o: 'bind', device: '/srv/x' })).toEqual({
      type: 'none',
      device: '/srv/x',
      options: 'bind',
      bind: true,
    });
  });
  it('parses tmpfs and defaults the device to the type', () => {
    expect(parseLocalOptions('v', { type: 'tmpfs', o: 'size=1m,mode=700' })).toEqual({
      type: 'tmpfs',
      device: 'tmpfs',
      options: 'size=1m,mode=700',
      bind: false,
    });
  });
  it('rejects unknown options and a bind without device', () => {
    expect(() => parseLocalOptions('v', { foo: '1' })).toThrow('create v: invalid option: "foo"');
    expect(() => parseLocalOptions('v', { type: 'none', o: 'bind' })).toThrow(
      'create v: missing required option: "device"',
    );
    expect(() => parseLocalOptions('v', { size: '10m' })).toThrow(
      'create v: quota size requested but no quota support',
    );
    expect(() => parseLocalOptions('v', { o: 'bind', device: '/x' })).toThrow(
      'missing required option: "type"',
    );
  });
});
