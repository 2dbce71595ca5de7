// One API request as a route handler sees it: path parameters, query, the negotiated API version, the body,
// and the ways to answer — JSON, no content, a JSON-lines stream, or a hijacked raw stream (attach, exec).
// Invariant: a request that arrived as an HTTP upgrade is answered on its raw socket (an error as a normal
// HTTP response, success as `101 UPGRADED`), and its body is read from the bytes after the headers.

import { ServerResponse, type IncomingMessage } from 'node:http';
import { Readable, type Duplex, type Writable } from 'node:stream';
import { BerthError } from '../../shared/errors.js';
import { API_VERSION } from '../api/version.js';
import type { EngineServices } from './services.js';

/** A raw stream to the client after a hijack: `input` is what the client sends (stdin), `output` what it reads. */
export interface HijackedStream {
  readonly input: Readable;
  readonly output: Writable;
  /** True after `101 UPGRADED` (full duplex); false for the plain 200 variant (output only). */
  readonly upgraded: boolean;
  /** Ends the response (and the connection); safe to call twice. */
  end(): void;
}

export interface JsonLineStream {
  write(value: unknown): boolean;
  end(): void;
  /** Aborted when the client goes away or the engine shuts down. */
  readonly signal: AbortSignal;
}

export const RAW_STREAM = 'application/vnd.docker.raw-stream';
export const MULTIPLEXED_STREAM = 'application/vnd.docker.multiplexed-stream';
const MAX_JSON_BODY = 16 * 1024 * 1024;

export class RequestContext {
  params: Record<string, string> = {};
  readonly signal: AbortSignal;
  private readonly abort = new AbortController();
  private upgradeSocket: Duplex | undefined;
  private upgradeHead: Buffer;
  private bodyRead = false;
  private wasHijacked = false;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly services: EngineServices,
    readonly path: string,
    readonly query: URLSearchParams,
    readonly apiVersion: string = API_VERSION,
    upgrade?: { socket: Duplex; head: Buffer },
  ) {
    this.upgradeSocket = upgrade?.socket;
    this.upgradeHead = upgrade?.head ?? Buffer.alloc(0);
    // Not AbortSignal.any: on Node 20 it leaks when one source (the shutdown signal) lives as long as the engine.
    this.signal = this.abort.signal;
    const onShutdown = () => this.abort.abort();
    const onClose = () => {
      services.shutdown.removeEventListener('abort', onShutdown);
      this.abort.abort();
    };
    if (services.shutdown.aborted) this.abort.abort();
    else services.shutdown.addEventListener('abort', onShutdown, { once: true });
    res.once('close', onClose);
    upgrade?.socket.once('close', onClose);
  }

  get method(): string {
    return this.req.method ?? 'GET';
  }

  /** True when the client asked for an HTTP upgrade (`Connection: Upgrade`, `Upgrade: tcp`). */
  get isUpgrade(): boolean {
    return this.upgradeSocket !== undefined;
  }

  /** True once hijack() has taken over the connection. */
  get hijacked(): boolean {
    return this.wasHijacked;
  }

  /** A query flag as Docker reads it: 1/true/True/yes → true; 0/false/False/no/empty → false. */
  queryBool(name: string, fallback = false): boolean {
    const value = this.query.get(name);
    if (value === null) return fallback;
    const lower = value.toLowerCase();
    if (['1', 'true', 'yes'].includes(lower)) return true;
    if (['0', 'false', 'no', ''].includes(lower)) return false;
    throw new BerthError('InvalidArgument', `invalid boolean value for ${name}: ${value}`);
  }

  /** An integer query parameter, undefined when absent. */
  queryInt(name: string): number | undefined {
    const value = this.query.get(name);
    if (value === null || value === '') return undefined;
    const n = Number(value);
    if (!Number.isInteger(n))
      throw new BerthError('InvalidArgument', `invalid integer value for ${name}: ${value}`);
    return n;
  }

  /** The request body as a stream (for tars and other large payloads). */
  bodyStream(): Readable {
    this.bodyRead = true;
    if (!this.upgradeSocket) return this.req;
    return Readable.from(this.readUpgradeBody());
  }

  /** The whole request body (small payloads only). */
  async readBody(limit = MAX_JSON_BODY): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of this.bodyStream()) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      size += buffer.length;
      if (size > limit) throw new BerthError('InvalidArgument', `request body larger than ${limit} bytes`);
      chunks.push(buffer);
    }
    return Buffer.concat(chunks);
  }

  /** The body parsed as JSON; undefined when it is empty. */
  async readJson<T>(): Promise<T | undefined> {
    const body = await this.readBody();
    if (body.length === 0) return undefined;
    try {
      return JSON.parse(body.toString('utf8')) as T;
    } catch (error) {
      throw new BerthError('InvalidArgument', `invalid JSON: ${(error as Error).message}`, { cause: error });
    }
  }

  sendJson(status: number, value: unknown): void {
    const body = JSON.stringify(value);
    this.res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
    });
    this.res.end(body);
  }

  sendText(status: number, text: string, contentType = 'text/plain; charset=utf-8'): void {
    this.res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
    this.res.end(text);
  }

  /** 204 No Content, or 304 Not Modified (already started/stopped), with no body. */
  sendEmpty(status: 204 | 304 | 200 | 201 = 204): void {
    this.res.writeHead(status);
    this.res.end();
  }

  /**
   * Starts a newline-delimited JSON stream (events, pull progress). Headers are flushed at once, so a client
   * sees the 200 before the first message; the stream ends itself on shutdown or client disconnect.
   */
  startJsonStream(): JsonLineStream {
    this.res.writeHead(200, { 'Content-Type': 'application/json' });
    this.res.flushHeaders();
    const res = this.res;
    return {
      write: (value) => !res.writableEnded && res.write(`${JSON.stringify(value)}\n`),
      end: () => {
        if (!res.writableEnded) res.end();
      },
      signal: this.signal,
    };
  }

  /**
   * Takes over the connection for a raw stream. With an upgrade request: writes `101 UPGRADED` and hands over
   * the socket (full duplex). Without one (dockerode's default): answers `200` and streams the output on the
   * response until it ends.
   */
  hijack(contentType: typeof RAW_STREAM | typeof MULTIPLEXED_STREAM = RAW_STREAM): HijackedStream {
    this.wasHijacked = true;
    const socket = this.upgradeSocket;
    if (socket) {
      this.res.detachSocket(socket as never);
      const headers = [
        'HTTP/1.1 101 UPGRADED',
        `Content-Type: ${contentType}`,
        'Connection: Upgrade',
        'Upgrade: tcp',
        ...Object.entries(this.res.getHeaders()).map(([k, v]) => `${k}: ${String(v)}`),
      ];
      socket.write(`${headers.join('\r\n')}\r\n\r\n`);
      if (!this.bodyRead && this.upgradeHead.length > 0) socket.unshift(this.upgradeHead);
      this.upgradeHead = Buffer.alloc(0);
      let ended = false;
      return {
        input: socket,
        output: socket,
        upgraded: true,
        end: () => {
          if (ended) return;
          ended = true;
          socket.end();
        },
      };
    }
    // Plain 200: no length and no chunking; the end of the stream is the end of the connection.
    this.res.useChunkedEncodingByDefault = false;
    this.res.shouldKeepAlive = false;
    this.res.writeHead(200, { 'Content-Type': contentType });
    this.res.flushHeaders();
    const input = this.bodyRead ? Readable.from([]) : this.bodyStream();
    return {
      input,
      output: this.res,
      upgraded: false,
      end: () => {
        if (!this.res.writableEnded) this.res.end();
      },
    };
  }

  /** Reads Content-Length bytes that follow the headers of an upgrade request (in `head`, then the socket). */
  private async *readUpgradeBody(): AsyncGenerator<Buffer> {
    const socket = this.upgradeSocket;
    let remaining = Number(this.req.headers['content-length'] ?? 0);
    if (!socket || !Number.isFinite(remaining) || remaining <= 0) return;
    const take = (chunk: Buffer): Buffer => {
      const part = chunk.subarray(0, remaining);
      const rest = chunk.subarray(part.length);
      remaining -= part.length;
      if (rest.length > 0) socket.unshift(rest);
      return part;
    };
    if (this.upgradeHead.length > 0) {
      const head = this.upgradeHead;
      this.upgradeHead = Buffer.alloc(0);
      yield take(head);
    }
    while (remaining > 0) {
      const chunk = await readOnce(socket);
      if (chunk === undefined) throw new BerthError('InvalidArgument', 'request body ended early');
      yield take(chunk);
    }
  }
}

/** Builds the response object for an upgrade request, so errors are ordinary HTTP responses on its socket. */
export function responseForUpgrade(req: IncomingMessage, socket: Duplex): ServerResponse {
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as never);
  res.once('finish', () => {
    res.detachSocket(socket as never);
    socket.end();
  });
  return res;
}

function readOnce(socket: Duplex): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      socket.off('readable', onReadable);
      socket.off('end', onEnd);
      socket.off('error', onError);
    };
    const onReadable = () => {
      const chunk = socket.read() as Buffer | null;
      if (chunk === null) return;
      cleanup();
      resolve(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(undefined);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    socket.on('readable', onReadable);
    socket.on('end', onEnd);
    socket.on('error', onError);
    onReadable();
  });
}
