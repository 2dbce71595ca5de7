import { describe, expect, it } from 'vitest';
import type { ContainerSummary } from '../../engine/api/containers.js';
import { CONTAINER_HEADERS, containerCells, containerRows, formatPorts, statsRow } from './containers.js';
import { formatTable } from './table.js';

const NOW = 1_700_000_000_000;

function summary(overrides: Partial<ContainerSummary>): ContainerSummary {
  return {
    Id: 'abcdef0123456789'.padEnd(64, '0'),
    Names: ['/web-1'],
    Image: 'busybox',
    ImageID: `sha256:${'1'.repeat(64)}`,
    Command: 'sleep 1000',
    Created: NOW / 1000 - 5,
    Ports: [],
    Labels: {},
    State: 'running',
    Status: 'Up 3 seconds',
    HostConfig: { NetworkMode: 'bridge' },
    NetworkSettings: { Networks: {} },
    Mounts: [],
    ...overrides,
  };
}

describe('containerRows', () => {
  it('renders the Docker ps table', () => {
    const rows = containerRows(
      [
        summary({ Ports: [{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }] }),
        summary({
          Id: '1'.repeat(64),
          Names: ['/db', '/web-1/db'],
          Image: `sha256:${'9'.repeat(64)}`,
          Command: 'sh -c while true; do echo hi; done',
          State: 'exited',
          Status: 'Exited (0) 2 seconds ago',
        }),
      ],
      NOW,
    );
    expect(formatTable(CONTAINER_HEADERS, rows.map(containerCells))).toBe(
      [
        'CONTAINER ID   IMAGE          COMMAND                  CREATED         STATUS                     PORTS                  NAMES',
        'abcdef012345   busybox        "sleep 1000"             5 seconds ago   Up 3 seconds               0.0.0.0:8080->80/tcp   web-1',
        '111111111111   999999999999   "sh -c while true; d…"   5 seconds ago   Exited (0) 2 seconds ago                          db',
        '',
      ].join('\n'),
    );
  });
});

describe('formatPorts', () => {
  it('lists published ports, then exposed ones, without duplicates', () => {
    expect(
      formatPorts([
        { PrivatePort: 443, Type: 'tcp' },
        { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
        { IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
        { PrivatePort: 53, PublicPort: 5353, Type: 'udp' },
        { PrivatePort: 443, Type: 'tcp' },
      ]),
    ).toBe('443/tcp, 5353->53/udp, 0.0.0.0:8080->80/tcp, [::]:8080->80/tcp');
  });
});

describe('statsRow', () => {
  it('computes CPU from sample deltas and memory without the page cache', () => {
    const row = statsRow('abcdef0123456789', {
      name: '/web-1',
      cpu_stats: { cpu_usage: { total_usage: 3_000_000 }, system_cpu_usage: 20_000_000, online_cpus: 2 },
      precpu_stats: { cpu_usage: { total_usage: 1_000_000 }, system_cpu_usage: 10_000_000 },
      memory_stats: { usage: 12 * 2 ** 20, limit: 2 ** 30, stats: { total_inactive_file: 2 * 2 ** 20 } },
      networks: { eth0: { rx_bytes: 1500, tx_bytes: 500 } },
      blkio_stats: {
        io_service_bytes_recursive: [
          { op: 'Read', value: 4096 },
          { op: 'Write', value: 0 },
        ],
      },
      pids_stats: { current: 3 },
    });
    expect(row).toEqual({
      ID: 'abcdef012345',
      Name: 'web-1',
      CPUPerc: '40.00%',
      MemUsage: '10MiB / 1GiB',
      MemPerc: '0.98%',
      NetIO: '1.5kB / 500B',
      BlockIO: '4.1kB / 0B',
      PIDs: '3',
    });
  });
});
