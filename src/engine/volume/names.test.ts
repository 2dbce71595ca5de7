import { describe, expect, it } from 'vitest';
import { generateVolumeName, isValidVolumeName, validateVolumeName } from './names.js';

describe('volume names', () => {
  it('accepts Docker-style names', () => {
    for (const name of ['db', 'my_vol.1', 'A-b', 'project_data', '0x']) {
      expect(isValidVolumeName(name)).toBe(true);
    }
  });
  it('rejects names Docker rejects', () => {
    for (const name of ['a', '_x', '.x', '-x', 'a/b', '..', 'a b', '', 'x:y']) {
      expect(isValidVolumeName(name)).toBe(false);
    }
    expect(() => validateVolumeName('a/b')).toThrow(
      'create a/b: "a/b" includes invalid characters for a local volume name',
    );
  });
  it('generates 64 hex characters for anonymous volumes', () => {
    expect(generateVolumeName()).toMatch(/^[0-9a-f]{64}$/);
    expect(generateVolumeName(() => Buffer.alloc(32, 0xab))).toBe('ab'.repeat(32));
  });
});
