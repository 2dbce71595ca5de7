import { describe, expect, it } from 'vitest';
import { resolveDevices, splitDeviceNumber } from './devices.js';

describe('host devices', () => {
  it('splits device numbers as Linux encodes them', () => {
    expect(splitDeviceNumber(0x0103)).toEqual({ major: 1, minor: 3 }); // /dev/null
    expect(splitDeviceNumber(0x11032c)).toEqual({ major: 259, minor: 300 }); // minor above 255
  });

  it('reads a host character device', async () => {
    const [device] = await resolveDevices([{ PathOnHost: '/dev/zero', PathInContainer: '/dev/myzero' }]);
    expect(device).toMatchObject({ path: '/dev/myzero', type: 'c', major: 1, minor: 5, permissions: 'rwm' });
  });

  it('names a missing device and a non-device', async () => {
    await expect(resolveDevices([{ PathOnHost: '/dev/does-not-exist' }])).rejects.toThrow(
      'error gathering device information while adding custom device "/dev/does-not-exist": no such file or directory',
    );
    await expect(resolveDevices([{ PathOnHost: '/etc/hostname' }])).rejects.toThrow('not a device node');
  });
});
