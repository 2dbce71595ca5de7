import { describe, expect, it } from 'vitest';
import { parseMountInfo } from './mountinfo.js';

describe('parseMountInfo', () => {
  it('reads mount point, type, source and options, unescaping octal', () => {
    const text = [
      '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
      '90 22 0:50 / /var/lib/berth/containers-rw/c\\0401/merged rw,relatime - overlay overlay rw,lowerdir=l/A:l/B,upperdir=u,workdir=w',
      '',
    ].join('\n');
    expect(parseMountInfo(text)).toEqual([
      { mountpoint: '/', fsType: 'ext4', source: '/dev/sda1', options: 'rw' },
      {
        mountpoint: '/var/lib/berth/containers-rw/c 1/merged',
        fsType: 'overlay',
        source: 'overlay',
        options: 'rw,lowerdir=l/A:l/B,upperdir=u,workdir=w',
      },
    ]);
  });
});
