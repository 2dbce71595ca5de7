import { expect, it } from 'vitest';
import { parseNetDev, statsDocument } from './stats.js';

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:     240       4    0    0    0     0          0         0      240       4    0    0    0     0       0          0
  eth0:    1296      12    1    2    0     0          0         0      866       9    3    4    0     0       0          0
`;

it('reads interface counters without loopback', () => {
  expect(parseNetDev(NET_DEV)).toEqual({
    eth0: {
      rx_bytes: 1296,
      rx_packets: 12,
      rx_errors: 1,
      rx_dropped: 2,
      tx_bytes: 866,
      tx_packets: 9,
      tx_errors: 3,
      tx_dropped: 4,
    },
  });
  expect(parseNetDev('')).toEqual({});
});

it('puts block I/O and networks in Docker shape, leaving networks out when there are none', () => {
  const read = new Date('2026-11-23T10:00:00Z');
  const stats = {
    blkio: { ioServiceBytesRecursive: [{ major: 8, minor: 0, op: 'Read', value: 4096 }] },
  };
  const doc = statsDocument(
    { id: 'c', name: 'web' },
    { stats, systemNs: 1, read, networks: parseNetDev(NET_DEV) },
    undefined,
  );
  expect(doc.blkio_stats).toMatchObject({
    io_service_bytes_recursive: [{ major: 8, minor: 0, op: 'Read', value: 4096 }],
    io_serviced_recursive: null,
  });
  expect((doc.networks as Record<string, unknown>).eth0).toMatchObject({ rx_bytes: 1296, tx_bytes: 866 });
  expect(
    statsDocument({ id: 'c', name: 'web' }, { stats: {}, systemNs: 1, read }, undefined),
  ).not.toHaveProperty('networks');
});
