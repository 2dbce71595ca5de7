import { describe, expect, it } from 'vitest';
import { containerPath, parseChmod } from './copy.js';

describe('containerPath', () => {
  it('resolves a destination against WORKDIR', () => {
    expect(containerPath('app/', '/srv')).toBe('/srv/app/');
    expect(containerPath('.', '/srv')).toBe('/srv');
    expect(containerPath('/abs/x', '/srv')).toBe('/abs/x');
    expect(containerPath('../../x', '/srv')).toBe('/x');
    expect(containerPath('x', '')).toBe('/x');
  });
});

describe('parseChmod', () => {
  it('reads octal modes and refuses the rest', () => {
    expect(parseChmod('755')).toBe(0o755);
    expect(parseChmod('0640')).toBe(0o640);
    expect(() => parseChmod('u+x')).toThrow(/invalid --chmod=u\+x/);
    expect(() => parseChmod('99')).toThrow(/octal/);
  });
});
