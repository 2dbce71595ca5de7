import { describe, expect, it } from 'vitest';
import {
  addressOfPtrName,
  cidrsOverlap,
  formatCidr,
  formatIpv4,
  maskOf,
  parseCidr,
  parseIpv4,
  ptrNameOf,
  tryParseIpv4,
} from './ipv4.js';

describe('ipv4', () => {
  it('parses and formats addresses', () => {
    expect(parseIpv4('10.213.5.7')).toBe(0x0ad50507);
    expect(formatIpv4(0xffffffff)).toBe('255.255.255.255');
    expect(formatIpv4(parseIpv4('192.0.2.1'))).toBe('192.0.2.1');
    expect(tryParseIpv4('256.0.0.1')).toBeUndefined();
    expect(tryParseIpv4('01.2.3.4')).toBeUndefined();
    expect(tryParseIpv4('1.2.3')).toBeUndefined();
    expect(() => parseIpv4('x')).toThrow('invalid IPv4 address: x');
  });
  it('parses CIDRs strictly or by clearing host bits', () => {
    expect(parseCidr('10.213.4.0/24')).toEqual({ network: 0x0ad50400, prefix: 24 });
    expect(formatCidr(parseCidr('10.213.4.9/24', false))).toBe('10.213.4.0/24');
    expect(formatCidr(parseCidr('0.0.0.0/0'))).toBe('0.0.0.0/0');
    expect(formatCidr(parseCidr('192.0.2.2'))).toBe('192.0.2.2/32');
    expect(() => parseCidr('10.213.4.9/24')).toThrow('did you mean 10.213.4.0/24?');
    expect(() => parseCidr('10.0.0.0/33')).toThrow('invalid IPv4 subnet: 10.0.0.0/33');
    expect(maskOf(0)).toBe(0);
    expect(maskOf(32)).toBe(0xffffffff);
  });
  it('tells overlapping blocks', () => {
    expect(cidrsOverlap(parseCidr('10.0.0.0/8'), parseCidr('10.213.0.0/24'))).toBe(true);
    expect(cidrsOverlap(parseCidr('10.213.0.0/24'), parseCidr('10.213.1.0/24'))).toBe(false);
    expect(cidrsOverlap(parseCidr('0.0.0.0/0'), parseCidr('1.2.3.4/32'))).toBe(true);
  });
  it('maps addresses to PTR names and back', () => {
    expect(ptrNameOf(parseIpv4('10.213.5.7'))).toBe('7.5.213.10.in-addr.arpa');
    expect(addressOfPtrName('7.5.213.10.in-addr.arpa.')).toBe(parseIpv4('10.213.5.7'));
    expect(addressOfPtrName('5.213.10.in-addr.arpa')).toBeUndefined();
  });
});
