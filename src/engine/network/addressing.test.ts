import { describe, expect, it } from 'vitest';
import { allocateAddress, choosePoolSubnet, resolveAddressing } from './addressing.js';
import { parseCidr } from './ipv4.js';

const pool = { base: '10.213.0.0/16', size: 24 };

describe('choosePoolSubnet', () => {
  it('takes the first subnet not overlapping any taken block', () => {
    expect(choosePoolSubnet(pool, [])).toBe('10.213.0.0/24');
    expect(choosePoolSubnet(pool, [parseCidr('10.213.0.0/24'), parseCidr('10.213.1.128/25')])).toBe(
      '10.213.2.0/24',
    );
    // a wide host route covering the start of the pool
    expect(choosePoolSubnet(pool, [parseCidr('10.213.0.0/20')])).toBe('10.213.16.0/24');
    // a route covering the whole pool
    expect(() => choosePoolSubnet(pool, [parseCidr('10.0.0.0/8')])).toThrow(
      'no free /24 subnet is left in the pool 10.213.0.0/16',
    );
  });
});

describe('resolveAddressing', () => {
  it('fills in a pool subnet, the first host as gateway and the whole subnet as range', () => {
    expect(resolveAddressing({}, pool, [parseCidr('10.213.0.0/24')])).toEqual({
      subnet: '10.213.1.0/24',
      gateway: '10.213.1.1',
      ipRange: '10.213.1.0/24',
    });
  });
  it('honours a user subnet, gateway and range', () => {
    expect(
      resolveAddressing(
        { subnet: '172.30.0.0/16', gateway: '172.30.0.254', ipRange: '172.30.5.0/24' },
        pool,
        [],
      ),
    ).toEqual({ subnet: '172.30.0.0/16', gateway: '172.30.0.254', ipRange: '172.30.5.0/24' });
  });
  it('rejects clashes and inconsistent requests', () => {
    expect(() => resolveAddressing({ subnet: '10.213.0.0/24' }, pool, [parseCidr('10.213.0.0/16')])).toThrow(
      'subnet 10.213.0.0/24 overlaps 10.213.0.0/16, which is already in use on this host',
    );
    expect(() => resolveAddressing({ subnet: '10.1.0.0/24', gateway: '10.2.0.1' }, pool, [])).toThrow(
      'gateway 10.2.0.1 is not a usable address of subnet 10.1.0.0/24',
    );
    expect(() => resolveAddressing({ subnet: '10.1.0.0/24', ipRange: '10.1.0.0/23' }, pool, [])).toThrow(
      'ip_range 10.1.0.0/23 is not within subnet 10.1.0.0/24',
    );
    expect(() => resolveAddressing({ subnet: '10.1.0.5/24' }, pool, [])).toThrow('host bits are set');
    expect(() => resolveAddressing({ gateway: '10.1.0.1' }, pool, [])).toThrow(
      'a gateway or ip_range needs a subnet',
    );
  });
});

describe('allocateAddress', () => {
  const addressing = { subnet: '10.9.0.0/29', gateway: '10.9.0.1', ipRange: '10.9.0.0/29' };
  it('hands out the lowest free host address, skipping the gateway', () => {
    expect(allocateAddress(addressing, new Set())).toBe('10.9.0.2');
    expect(allocateAddress(addressing, new Set(['10.9.0.2', '10.9.0.3']))).toBe('10.9.0.4');
  });
  it('never hands out the broadcast address and reports exhaustion', () => {
    const used = new Set(['10.9.0.2', '10.9.0.3', '10.9.0.4', '10.9.0.5', '10.9.0.6']);
    expect(() => allocateAddress(addressing, used)).toThrow('no free address is left in 10.9.0.0/29');
  });
  it('allocates from the ip range only', () => {
    const ranged = { subnet: '10.9.0.0/24', gateway: '10.9.0.1', ipRange: '10.9.0.128/25' };
    expect(allocateAddress(ranged, new Set())).toBe('10.9.0.128');
  });
  it('honours a static address, even outside the range, and refuses taken or reserved ones', () => {
    const ranged = { subnet: '10.9.0.0/24', gateway: '10.9.0.1', ipRange: '10.9.0.128/25' };
    expect(allocateAddress(ranged, new Set(), '10.9.0.9')).toBe('10.9.0.9');
    expect(() => allocateAddress(ranged, new Set(['10.9.0.9']), '10.9.0.9')).toThrow(
      'address 10.9.0.9 is already in use on this network',
    );
    for (const bad of ['10.9.0.1', '10.9.0.0', '10.9.0.255', '10.9.1.3']) {
      expect(() => allocateAddress(ranged, new Set(), bad)).toThrow(`address ${bad} is not available`);
    }
  });
});
