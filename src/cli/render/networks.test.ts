import { describe, expect, it } from 'vitest';
import type { NetworkResource } from '../../engine/api/networks.js';
import { createRequest, keyValues } from '../commands/network.js';
import { networkRows, networkTable } from './networks.js';
import { formatTable } from './table.js';

function network(name: string, id: string, driver = 'bridge'): NetworkResource {
  return {
    Name: name,
    Id: id,
    Created: '2026-01-01T00:00:00Z',
    Scope: 'local',
    Driver: driver,
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: null, Config: [] },
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: {},
    Options: {},
    Labels: { b: '2', a: '1' },
  };
}

describe('network ls rendering', () => {
  it("prints Docker's table, sorted by name, with short ids", () => {
    const rows = networkRows([network('none', 'c'.repeat(64), 'null'), network('bridge', 'a'.repeat(64))]);
    const { headers, cells } = networkTable(rows);
    expect(formatTable(headers, cells)).toBe(
      [
        'NETWORK ID     NAME     DRIVER   SCOPE',
        'aaaaaaaaaaaa   bridge   bridge   local',
        'cccccccccccc   none     null     local',
        '',
      ].join('\n'),
    );
    expect(rows[1]).toMatchObject({ Labels: 'b=2,a=1', Internal: 'false', IPv6: 'false' });
    expect(networkRows([network('x', 'f'.repeat(64))], { noTrunc: true })[0]?.ID).toBe('f'.repeat(64));
  });
});

describe('network create flags', () => {
  it('become a create request', () => {
    expect(
      createRequest('app', {
        subnet: '10.1.0.0/24',
        gateway: '10.1.0.254',
        internal: true,
        label: ['a=b', 'flag'],
      }),
    ).toMatchObject({
      Name: 'app',
      Driver: 'bridge',
      Internal: true,
      IPAM: { Driver: 'default', Config: [{ Subnet: '10.1.0.0/24', Gateway: '10.1.0.254' }] },
      Labels: { a: 'b', flag: '' },
    });
    expect(() => createRequest('app', { gateway: '10.1.0.1' })).toThrow(
      'a --gateway or --ip-range needs a --subnet',
    );
    expect(keyValues(['k=v=w'])).toEqual({ k: 'v=w' });
  });
});
