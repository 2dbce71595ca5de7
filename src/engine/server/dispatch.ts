// From an HTTP request (or upgrade) to a route handler: common headers, the API version from the path,
// routing, JSON errors, request logging. Invariant: every response — success, error, or 101 — carries
// Api-Version, Ostype and Server, and every error body is `{"message": ...}`.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { BerthError, messageOf } from '../../shared/errors.js';
import { statusOfError } from '../api/errors.js';
import { API_VERSION, checkApiVersion, splitVersionPrefix } from '../api/version.js';
import { RequestContext, responseForUpgrade } from './context.js';
import type { Router } from './router.js';
import type { EngineServices } from './services.js';

export interface Dispatcher {
  onRequest(req: IncomingMessage, res: ServerResponse): void;
  onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Upgraded connections still open (the HTTP server no longer tracks them). */
  readonly upgradedSockets: ReadonlySet<Duplex>;
}

export function createDispatcher(router: Router, services: EngineServices): Dispatcher {
  const upgradedSockets = new Set<Duplex>();
  const serverHeader = `berth/${services.version} (linux)`;

  const handle = async (
    req: IncomingMessage,
    res: ServerResponse,
    upgrade?: { socket: Duplex; head: Buffer },
  ) => {
    const started = performance.now();
    res.setHeader('Api-Version', API_VERSION);
    res.setHeader('Ostype', 'linux');
    res.setHeader('Server', serverHeader);
    let logged = false;
    const logLine = () => {
      if (logged) return;
      logged = true;
      const status = upgrade && !res.headersSent ? 101 : res.statusCode;
      services.log.info(`${req.method ?? '?'} ${req.url ?? ''}`, {
        status,
        ms: Math.round((performance.now() - started) * 10) / 10,
      });
    };
    res.once('close', logLine);
    upgrade?.socket.once('close', logLine);

    const url = new URL(req.url ?? '/', 'http://engine');
    const { version, rest } = splitVersionPrefix(url.pathname);
    try {
      if (version !== undefined) checkApiVersion(version);
      const match = router.match(req.method ?? 'GET', rest);
      if (match.kind === 'not-found') throw new BerthError('NotFound', 'page not found');
      if (match.kind === 'method-not-allowed') {
        res.setHeader('Allow', match.allowed.join(', '));
        sendError(res, 405, `method ${req.method ?? ''} not allowed on ${rest}`);
        return;
      }
      const ctx = new RequestContext(
        req,
        res,
        services,
        rest,
        url.searchParams,
        version ?? API_VERSION,
        upgrade,
      );
      ctx.params = match.params;
      await match.handler(ctx);
      if (!res.headersSent && !ctx.hijacked) {
        // A handler must answer before its promise settles; say so instead of leaving the client hanging.
        throw new Error(`${match.pattern}: the handler returned without answering`);
      }
    } catch (error) {
      const status = statusOfError(error);
      if (status >= 500)
        services.log.error(`${req.method ?? '?'} ${req.url ?? ''} failed`, { error: errorText(error) });
      if (res.headersSent || res.writableEnded) {
        // Too late for a status: end the stream so the client sees it stop rather than hang.
        if (!res.writableEnded) res.end();
        upgrade?.socket.destroy();
        return;
      }
      sendError(res, status, messageOf(error));
    }
  };

  return {
    upgradedSockets,
    onRequest(req, res) {
      void handle(req, res);
    },
    onUpgrade(req, socket, head) {
      upgradedSockets.add(socket);
      socket.once('close', () => upgradedSockets.delete(socket));
      socket.on('error', (error) => services.log.debug('upgraded connection error', { error }));
      void handle(req, responseForUpgrade(req, socket), { socket, head });
    },
  };
}

function sendError(res: ServerResponse, status: number, message: string): void {
  const body = JSON.stringify({ message });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function errorText(error: unknown): string {
  return error instanceof Error && !(error instanceof BerthError)
    ? (error.stack ?? error.message)
    : messageOf(error);
}
