// The small part of the DNS wire format (RFC 1035) the responder needs: read a query's header and question, and
// write an answer with A or PTR records. Invariant: decoding never reads past the buffer (a malformed packet is
// undefined, not an exception), and answers echo the question so any stub resolver accepts them.

export const TYPE_A = 1;
export const TYPE_PTR = 12;
export const TYPE_AAAA = 28;
export const CLASS_IN = 1;

export const RCODE_NOERROR = 0;
export const RCODE_FORMERR = 1;
export const RCODE_SERVFAIL = 2;
export const RCODE_NXDOMAIN = 3;
export const RCODE_REFUSED = 5;

export interface DnsQuery {
  readonly id: number;
  /** Opcode, 0 for a standard query. */
  readonly opcode: number;
  readonly recursionDesired: boolean;
  /** The question name, lower-cased, without the trailing dot. */
  readonly name: string;
  readonly type: number;
  readonly qclass: number;
  /** The question section's bytes as received (echoed in the answer). */
  readonly questionBytes: Buffer;
}

export type DnsAnswer =
  { readonly type: 'A'; readonly address: string } | { readonly type: 'PTR'; readonly name: string };

/** Reads the header and first question of a query; undefined when it is not a well-formed query. */
export function decodeQuery(packet: Buffer): DnsQuery | undefined {
  if (packet.length < 12) return undefined;
  const flags = packet.readUInt16BE(2);
  if ((flags & 0x8000) !== 0) return undefined; // a response, not a query
  if (packet.readUInt16BE(4) < 1) return undefined;
  const name = readName(packet, 12);
  if (name === undefined || name.end + 4 > packet.length) return undefined;
  return {
    id: packet.readUInt16BE(0),
    opcode: (flags >> 11) & 0xf,
    recursionDesired: (flags & 0x0100) !== 0,
    name: name.name.toLowerCase(),
    type: packet.readUInt16BE(name.end),
    qclass: packet.readUInt16BE(name.end + 2),
    questionBytes: packet.subarray(12, name.end + 4),
  };
}

/** A response to `query` with the given code and answers (TTL in seconds, authoritative). */
export function encodeResponse(
  query: DnsQuery,
  rcode: number,
  answers: readonly DnsAnswer[],
  ttl = 0,
): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.id, 0);
  // QR=1, opcode echoed, AA=1, RD echoed, RA=1 (we forward), rcode
  const flags =
    0x8000 | (query.opcode << 11) | 0x0400 | (query.recursionDesired ? 0x0100 : 0) | 0x0080 | rcode;
  header.writeUInt16BE(flags, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  const records = answers.map((answer) => encodeRecord(answer, ttl));
  return Buffer.concat([header, query.questionBytes, ...records]);
}

/** A query packet (used by tests and by nothing else in the engine). */
export function encodeQuery(id: number, name: string, type: number): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2);
  header.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(CLASS_IN, 2);
  return Buffer.concat([header, encodeName(name), tail]);
}

function encodeRecord(answer: DnsAnswer, ttl: number): Buffer {
  const fixed = Buffer.alloc(12);
  fixed.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's name at offset 12
  fixed.writeUInt16BE(answer.type === 'A' ? TYPE_A : TYPE_PTR, 2);
  fixed.writeUInt16BE(CLASS_IN, 4);
  fixed.writeUInt32BE(ttl, 6);
  const data =
    answer.type === 'A' ? Buffer.from(answer.address.split('.').map(Number)) : encodeName(answer.name);
  fixed.writeUInt16BE(data.length, 10);
  return Buffer.concat([fixed, data]);
}

export function encodeName(name: string): Buffer {
  const labels = name
    .replace(/\.$/, '')
    .split('.')
    .filter((l) => l !== '');
  const parts: Buffer[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, 'utf8').subarray(0, 63);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

/** Reads a possibly compressed name at `offset`; `end` is the offset just after it in the original position. */
export function readName(packet: Buffer, offset: number): { name: string; end: number } | undefined {
  const labels: string[] = [];
  let pos = offset;
  let end: number | undefined;
  // bounded: a name has at most 127 labels, and pointer loops are cut by the same bound
  for (let steps = 0; steps < 128; steps++) {
    if (pos >= packet.length) return undefined;
    const length = packet[pos]!;
    if (length === 0) return { name: labels.join('.'), end: end ?? pos + 1 };
    if ((length & 0xc0) === 0xc0) {
      if (pos + 1 >= packet.length) return undefined;
      end ??= pos + 2;
      pos = ((length & 0x3f) << 8) | packet[pos + 1]!;
      continue;
    }
    if ((length & 0xc0) !== 0 || pos + 1 + length > packet.length) return undefined;
    labels.push(packet.toString('latin1', pos + 1, pos + 1 + length));
    pos += 1 + length;
  }
  return undefined;
}

/** The response code and A/PTR answers of a response (for tests and diagnostics). */
export function decodeResponse(
  packet: Buffer,
): { id: number; rcode: number; answers: DnsAnswer[] } | undefined {
  if (packet.length < 12) return undefined;
  const qd = packet.readUInt16BE(4);
  const an = packet.readUInt16BE(6);
  let pos = 12;
  for (let i = 0; i < qd; i++) {
    const name = readName(packet, pos);
    if (!name) return undefined;
    pos = name.end + 4;
  }
  const answers: DnsAnswer[] = [];
  for (let i = 0; i < an; i++) {
    const name = readName(packet, pos);
    if (!name || name.end + 10 > packet.length) return undefined;
    const type = packet.readUInt16BE(name.end);
    const length = packet.readUInt16BE(name.end + 8);
    const data = name.end + 10;
    if (data + length > packet.length) return undefined;
    if (type === TYPE_A && length === 4)
      answers.push({ type: 'A', address: [...packet.subarray(data, data + 4)].join('.') });
    if (type === TYPE_PTR) {
      const target = readName(packet, data);
      if (target) answers.push({ type: 'PTR', name: target.name });
    }
    pos = data + length;
  }
  return { id: packet.readUInt16BE(0), rcode: packet.readUInt16BE(2) & 0xf, answers };
}
