import { describe, expect, it } from 'vitest';
import { parseOsRelease, probeHost } from './host-info.js';

describe('host info', () => {
  it('parses os-release lines, unquoting values', () => {
    expect(
      parseOsRelease('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_ID="12"\nID=debian\n# comment\n'),
    ).toEqual({
      PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)',
      VERSION_ID: '12',
      ID: 'debian',
    });
  });

  it('probes this host without throwing', async () => {
    const host = await probeHost();
    expect(host.ncpu).toBeGreaterThan(0);
    expect(host.memTotal).toBeGreaterThan(0);
    expect(['1', '2']).toContain(host.cgroupVersion);
    expect(host.goArch).not.toBe('x64');
  });
});
