import { describe, expect, it } from 'vitest';
import { parseRelease } from './release.js';

describe('parseRelease', () => {
  it('reads the codename and the Date as SOURCE_DATE_EPOCH', () => {
    const text = [
      'Origin: Debian',
      'Suite: stable',
      'Codename: bookworm',
      'Date: Sat, 10 May 2025 09:29:01 UTC',
      'Architectures: all amd64',
    ].join('\n');
    expect(parseRelease(text, 'u')).toEqual({ codename: 'bookworm', epoch: 1746869341, url: 'u' });
  });

  it('refuses a file without a Date', () => {
    expect(() => parseRelease('<html>not found</html>', 'u')).toThrow(/not a Release file/);
  });
});
