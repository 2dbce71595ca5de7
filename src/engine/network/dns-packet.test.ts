import { describe, expect, it } from 'vitest';
import {
  decodeQuery,
  decodeResponse,
  encodeQuery,
  encodeResponse,
  RCODE_NXDOMAIN,
  readName,
  TYPE_A,
  TYPE_PTR,
} from './dns-packet.js';

describe('dns packets', () => {
  it('decodes a query and lower-cases its name', () => {
    const query = decodeQuery(encodeQuery(0x1234, 'Web.Example.', TYPE_A));
    expect(query).toMatchObject({
      id: 0x1234,
      opcode: 0,
      recursionDesired: true,
      name: 'web.example',
      type: 1,
      qclass: 1,
    });
    expect(query?.questionBytes.length).toBe(1 + 3 + 1 + 7 + 1 + 4);
  });

  it('encodes A and PTR answers that decode back, echoing id and question', () => {
    const query = decodeQuery(encodeQuery(7, 'web', TYPE_A))!;
    const packet = encodeResponse(query, 0, [
      { type: 'A', address: '10.213.5.2' },
      { type: 'A', address: '10.213.5.3' },
    ]);
    expect(packet.readUInt16BE(2)).toBe(0x8580);
    expect(decodeResponse(packet)).toEqual({
      id: 7,
      rcode: 0,
      answers: [
        { type: 'A', address: '10.213.5.2' },
        { type: 'A', address: '10.213.5.3' },
      ],
    });
    const ptrQuery = decodeQuery(encodeQuery(8, '2.5.213.10.in-addr.arpa', TYPE_PTR))!;
    expect(decodeResponse(encodeResponse(ptrQuery, 0, [{ type: 'PTR', name: 'web-1' }]))?.answers).toEqual([
      { type: 'PTR', name: 'web-1' },
    ]);
    expect(decodeResponse(encodeResponse(ptrQuery, RCODE_NXDOMAIN, []))).toEqual({
      id: 8,
      rcode: 3,
      answers: [],
    });
  });

  it('rejects truncated packets, responses and pointer loops without throwing', () => {
    const packet = encodeQuery(1, 'web', TYPE_A);
    expect(decodeQuery(packet.subarray(0, 14))).toBeUndefined();
    const response = Buffer.from(packet);
    response.writeUInt16BE(0x8100, 2);
    expect(decodeQuery(response)).toBeUndefined();
    const loop = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xc0, 12]);
    expect(readName(loop, 12)).toBeUndefined();
  });

  it('follows compression pointers', () => {
    // "a" at 0, then "b" + pointer to 0 at 3
    const buf = Buffer.from([1, 0x61, 0, 1, 0x62, 0xc0, 0]);
    expect(readName(buf, 3)).toEqual({ name: 'b.a', end: 7 });
  });
});
