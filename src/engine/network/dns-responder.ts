// The DNS server of one network, bound on its gateway address (UDP and TCP): it answers A and PTR for the names
// registered on that network and forwards anything else to the host's resolvers. It runs inside the engine, in the
// host's network namespace, so no process or netns switching is needed (containers' resolv.conf points at the
// gateway). Invariants: names of a network are answered only to clients of that network's subnet (and to the host
// itself); a container attached to several networks also gets the names of its other networks (as Docker's resolver
// does), through `otherNetworks`, since its resolv.conf names only one gateway; an internal network never forwards;
// every forwarded query is bounded by a timeout.

import dgram from 'node:dgram';
import net from 'node:net';
import { networkInterfaces } from 'node:os';
import { BerthError } from '../../shared/errors.js';
import {
  decodeQuery,
  encodeResponse,
  RCODE_NOERROR,
  RCODE_NXDOMAIN,
  RCODE_REFUSED,
  RCODE_SERVFAIL,
  TYPE_A,
  TYPE_PTR,
  type DnsQuery,
} from './dns-packet.js';
import type { ResolverAddress } from './host-facts.js';
import { addressOfPtrName, cidrContains, formatIpv4, parseCidr, parseIpv4, type Cidr } from './ipv4.js';
import { NameTable } from './name-table.js';

export interface DnsResponderOptions {
  /** The address to bind (the network's gateway). */
  readonly address: string;
  /** 53 unless a test says otherwise; 0 picks a free port. */
  readonly port?: number;
  /** Clients must come from this subnet to see the network's names. */
  readonly subnet: string;
  /** Where other names go; an empty list (or `forward: false`) answers them with REFUSED. */
  readonly upstreams: readonly ResolverAddress[];
  readonly forward: boolean;
  /** Per upstream attempt. */
  readonly timeoutMs?: number;
  /** The name tables of the other networks the container at this source address is attached to. */
  readonly otherNetworks?: (source: string) => readonly NameTable[];
}

const TCP_IDLE_MS = 10_000;

export class DnsResponder {
  readonly names = new NameTable();
  private readonly subnet: Cidr;
  private udp: dgram.Socket | undefined;
  private tcp: net.Server | undefined;
  private readonly connections = new Set<net.Socket>();
  private boundPort = 0;

  constructor(private readonly options: DnsResponderOptions) {
    this.subnet = parseCidr(options.subnet);
  }

  /** The port actually bound (useful with port 0). */
  get port(): number {
    return this.boundPort;
  }

  /** Binds UDP then TCP on the same port; a bind failure closes whatever was opened. */
  async start(): Promise<void> {
    const udp = dgram.createSocket({ type: 'udp4' });
    udp.on('message', (message, remote) => {
      void this.answer(message, remote.address, 'udp').then((reply) => {
        if (reply) udp.send(reply, remote.port, remote.address);
      });
    });
    try {
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind({ address: this.options.address, port: this.options.port ?? 53, exclusive: true }, () => {
          udp.off('error', reject);
          resolve();
        });
      });
      udp.on('error', () => undefined); // per-packet send errors must not crash the engine
      this.udp = udp;
      this.boundPort = udp.address().port;
      const tcp = net.createServer((socket) => this.serveTcp(socket));
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen({ host: this.options.address, port: this.boundPort, exclusive: true }, () => {
          tcp.off('error', reject);
          resolve();
        });
      });
      this.tcp = tcp;
    } catch (error) {
      await this.close();
      throw new BerthError(
        'Unavailable',
        `cannot serve DNS on ${this.options.address}:${this.options.port ?? 53}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  async close(): Promise<void> {
    const udp = this.udp;
    const tcp = this.tcp;
    this.udp = undefined;
    this.tcp = undefined;
    for (const socket of this.connections) socket.destroy();
    this.connections.clear();
    if (udp) await new Promise<void>((resolve) => udp.close(() => resolve()));
    if (tcp) await new Promise<void>((resolve) => tcp.close(() => resolve()));
  }

  /** The reply to one query from `source`, or undefined when the packet deserves none (not a query). */
  async answer(packet: Buffer, source: string, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    const query = decodeQuery(packet);
    if (!query) return undefined;
    const ours = this.isClient(source);
    if (query.opcode !== 0) return encodeResponse(query, RCODE_REFUSED, []);
    const local = ours
      ? (this.answerLocally(query) ?? this.answerFromOtherNetworks(query, source))
      : undefined;
    if (local) return local;
    if (!this.options.forward || this.options.upstreams.length === 0) {
      return encodeResponse(query, RCODE_REFUSED, []);
    }
    const forwarded = await this.forward(packet, transport);
    return forwarded ?? encodeResponse(query, RCODE_SERVFAIL, []);
  }

  /** Containers of this network, or the host itself (whose queries may carry any of its addresses as source). */
  private isClient(source: string): boolean {
    const text = source.replace(/^::ffff:/, '');
    const address = parseIpv4OrUndefined(text);
    if (address === undefined) return false;
    if (cidrContains(this.subnet, address)) return true;
    return Object.values(networkInterfaces()).some((list) => list?.some((i) => i.address === text));
  }

  /** An answer from the name table, or undefined when the name is not this network's. */
  private answerLocally(query: DnsQuery): Buffer | undefined {
    if (query.type === TYPE_PTR) {
      const address = addressOfPtrName(query.name);
      if (address === undefined || !cidrContains(this.subnet, address)) return undefined;
      const name = this.names.reverse(formatIpv4(address));
      return name === undefined
        ? encodeResponse(query, RCODE_NXDOMAIN, [])
        : encodeResponse(query, RCODE_NOERROR, [{ type: 'PTR', name }]);
    }
    if (!this.names.has(query.name)) return undefined;
    // a known name with a type we do not hold (AAAA, MX...): "no data", so the client does not look elsewhere
    if (query.type !== TYPE_A) return encodeResponse(query, RCODE_NOERROR, []);
    const answers = this.names.lookup(query.name).map((address) => ({ type: 'A' as const, address }));
    return encodeResponse(query, RCODE_NOERROR, answers);
  }

  /** An A answer from another network of the same container, or undefined. */
  private answerFromOtherNetworks(query: DnsQuery, source: string): Buffer | undefined {
    if (query.type === TYPE_PTR) return undefined;
    const table = this.options
      .otherNetworks?.(source.replace(/^::ffff:/, ''))
      .find((names) => names.has(query.name));
    if (table === undefined) return undefined;
    if (query.type !== TYPE_A) return encodeResponse(query, RCODE_NOERROR, []);
    const answers = table.lookup(query.name).map((address) => ({ type: 'A' as const, address }));
    return encodeResponse(query, RCODE_NOERROR, answers);
  }

  /** Relays the query to each upstream in turn; the first reply wins. */
  private async forward(packet: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    const timeoutMs = this.options.timeoutMs ?? 4000;
    for (const upstream of this.options.upstreams) {
      const reply =
        transport === 'udp'
          ? await forwardUdp(packet, upstream, timeoutMs)
          : await forwardTcp(packet, upstream, timeoutMs);
      if (reply) return reply;
    }
    return undefined;
  }

  private serveTcp(socket: net.Socket): void {
    this.connections.add(socket);
    socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
    socket.on('close', () => this.connections.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2) {
        const length = buffered.readUInt16BE(0);
        if (buffered.length < 2 + length) break;
        const message = buffered.subarray(2, 2 + length);
        buffered = buffered.subarray(2 + length);
        void this.answer(message, socket.remoteAddress ?? '', 'tcp').then((reply) => {
          if (reply && !socket.destroyed) socket.write(frame(reply));
        });
      }
    });
  }
}

function frame(message: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(message.length, 0);
  return Buffer.concat([length, message]);
}

function parseIpv4OrUndefined(text: string): number | undefined {
  try {
    return parseIpv4(text);
  } catch {
    return undefined;
  }
}

function forwardUdp(
  packet: Buffer,
  upstream: ResolverAddress,
  timeoutMs: number,
): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    // a fresh socket per query: a random source port, and replies cannot be confused between queries
    const socket = dgram.createSocket('udp4');
    const done = (reply: Buffer | undefined) => {
      clearTimeout(timer);
      socket.close();
      resolve(reply);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.on('error', () => done(undefined));
    socket.on('message', (reply, remote) => {
      if (
        remote.address === upstream.host &&
        reply.length >= 2 &&
        reply.readUInt16BE(0) === packet.readUInt16BE(0)
      ) {
        done(reply);
      }
    });
    socket.send(packet, upstream.port, upstream.host);
  });
}

function forwardTcp(
  packet: Buffer,
  upstream: ResolverAddress,
  timeoutMs: number,
): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: upstream.host, port: upstream.port });
    let buffered = Buffer.alloc(0);
    const done = (reply: Buffer | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reply);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.on('error', () => done(undefined));
    socket.on('connect', () => socket.write(frame(packet)));
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        done(buffered.subarray(2, 2 + buffered.readUInt16BE(0)));
      }
    });
  });
}
