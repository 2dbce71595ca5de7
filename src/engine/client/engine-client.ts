// EngineClient: the typed client of the engine API over its unix socket (or any Docker-compatible socket).
// Responses with an error status become BerthErrors with the code of the status, so callers test
// `isBerthError(e, 'NotFound')` without knowing HTTP. Invariant: every request goes to the same socket through
// one keep-alive agent; after negotiate(), every path carries the negotiated /vX.Y prefix.

import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Readable, type Duplex } from 'node:stream';
import { BerthError } from '../../shared/errors.js';
import { errorFromResponse } from '../api/errors.js';
import { buildQueryParams, type BuildQuery } from '../api/build.js';
import { jsonLines } from '../api/json-lines.js';

export { jsonLines };
import type { EventMessage } from '../api/events.js';
import { encodeFilters } from '../api/filters.js';
import { encodeRegistryAuth, type AuthConfig, type AuthResponse } from '../api/registry.js';
import type {
  NetworkConnectRequest,
  NetworkCreateRequest,
  NetworkCreateResponse,
  NetworkDisconnectRequest,
  NetworkPruneResponse,
  NetworkResource,
} from '../api/networks.js';
import { encodeChanges, type SyncChange, type SyncResult, type TreeEntry } from '../api/sync.js';
import type { SystemInfo, VersionResponse } from '../api/system.js';
import { API_VERSION, compareApiVersions, MIN_API_VERSION } from '../api/version.js';
import type { Volume, VolumeCreateRequest, VolumeListResponse, VolumePruneResponse } from '../api/volumes.js';

/** A query parameter; an array repeats it (`t=a&t=b`). */
export type QueryValue = string | number | boolean | readonly string[] | undefined;

export interface EngineRequest {
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  /** Path without version prefix: `/containers/json`. */
  path: string;
  query?: Record<string, QueryValue>;
  /** A value sent as JSON, raw bytes, or a stream (a tar). */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Leave out the /vX.Y prefix (only /_ping, which clients call before they know the version). */
  unversioned?: boolean;
}

export interface EngineResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface PingResult {
  apiVersion: string;
  osType: string;
  builderVersion: string;
  experimental: boolean;
}

export interface EventsOptions {
  filters?: Record<string, readonly string[]>;
  /** Unix seconds (fractional allowed), RFC 3339, or a duration back from now ("10m"). */
  since?: string;
  until?: string;
  signal?: AbortSignal;
}

export interface EngineClientOptions {
  socket: string;
  /** Fixed API version; when absent, paths are unversioned until negotiate() is called. */
  apiVersion?: string;
}

export class EngineClient {
  readonly socket: string;
  private negotiated: string | undefined;
  private readonly agent = new http.Agent({ keepAlive: true });

  constructor(options: EngineClientOptions) {
    this.socket = options.socket;
    this.negotiated = options.apiVersion;
  }

  /** The API version in use (undefined: unversioned paths, the server's default). */
  get apiVersion(): string | undefined {
    return this.negotiated;
  }

  /** Sends a request and buffers the answer; throws a BerthError for a status >= 400. */
  async request(request: EngineRequest): Promise<EngineResponse> {
    const response = await this.open(request);
    const body = await readAll(response);
    return { status: response.statusCode ?? 0, headers: response.headers, body };
  }

  /** Sends a request and parses its JSON answer (undefined for an empty body, e.g. 204). */
  async requestJson<T>(request: EngineRequest): Promise<T> {
    const response = await this.request(request);
    if (response.body.length === 0) return undefined as T;
    return JSON.parse(response.body.toString('utf8')) as T;
  }

  /** Sends a request and returns the response as a stream (logs, progress, events), after checking its status. */
  async stream(request: EngineRequest): Promise<IncomingMessage> {
    return this.open(request);
  }

  /**
   * Opens a hijacked connection (attach, exec start): sends `Upgrade: tcp` and resolves with the raw socket once
   * the engine answers 101. Write stdin to it, call `end()` for stdin EOF, and read output until it closes.
   */
  hijack(request: EngineRequest): Promise<{ socket: Duplex; headers: IncomingHttpHeaders }> {
    return new Promise((resolve, reject) => {
      const { body, headers } = encodeBody(request.body);
      const req = http.request({
        socketPath: this.socket,
        method: request.method ?? 'POST',
        path: this.pathOf(request),
        headers: { ...headers, ...request.headers, Connection: 'Upgrade', Upgrade: 'tcp' },
        signal: request.signal,
      });
      req.once('upgrade', (response, socket, head) => {
        if (head.length > 0) socket.unshift(head);
        resolve({ socket, headers: response.headers });
      });
      req.once('response', (response) => {
        void readAll(response).then(
          (data) => reject(errorFromResponse(response.statusCode ?? 0, data.toString('utf8'))),
          reject,
        );
      });
      req.once('error', (error) => reject(this.connectionError(error)));
      sendBody(req, body);
    });
  }

  /** GET /_ping with the headers clients negotiate from. */
  async ping(signal?: AbortSignal): Promise<PingResult> {
    const response = await this.request({ path: '/_ping', signal, unversioned: true });
    return {
      apiVersion: headerText(response.headers['api-version']) || API_VERSION,
      osType: headerText(response.headers.ostype),
      builderVersion: headerText(response.headers['builder-version']),
      experimental: headerText(response.headers['docker-experimental']) === 'true',
    };
  }

  /** Pings and settles on min(server, ours) as the version of every later request, as Docker's Go client does. */
  async negotiate(signal?: AbortSignal): Promise<string> {
    const { apiVersion } = await this.ping(signal);
    if (compareApiVersions(apiVersion, MIN_API_VERSION) < 0) {
      throw new BerthError(
        'Unavailable',
        `the engine speaks API ${apiVersion}; berth needs at least ${MIN_API_VERSION}`,
      );
    }
    this.negotiated = compareApiVersions(apiVersion, API_VERSION) < 0 ? apiVersion : API_VERSION;
    return this.negotiated;
  }

  version(signal?: AbortSignal): Promise<VersionResponse> {
    return this.requestJson<VersionResponse>({ path: '/version', signal });
  }

  info(signal?: AbortSignal): Promise<SystemInfo> {
    return this.requestJson<SystemInfo>({ path: '/info', signal });
  }

  /** GET /events as an async iterable; it ends at `until`, when the engine ends the stream, or on abort. */
  async *events(options: EventsOptions = {}): AsyncGenerator<EventMessage> {
    const response = await this.open({
      path: '/events',
      query: {
        filters: options.filters === undefined ? undefined : encodeFilters(options.filters),
        since: options.since,
        until: options.until,
      },
      signal: options.signal,
    });
    try {
      for await (const line of jsonLines(response)) yield JSON.parse(line) as EventMessage;
    } catch (error) {
      if (options.signal?.aborted) return;
      throw error;
    } finally {
      response.destroy();
    }
  }

  /** GET /volumes: volumes matching the filters (name, label, driver, dangling). */
  listVolumes(
    filters?: Record<string, readonly string[]>,
    signal?: AbortSignal,
  ): Promise<VolumeListResponse> {
    return this.requestJson<VolumeListResponse>({
      path: '/volumes',
      query: { filters: filters === undefined ? undefined : encodeFilters(filters) },
      signal,
    });
  }

  /** POST /volumes/create: a new volume, or the existing one of that name. */
  createVolume(request: VolumeCreateRequest = {}, signal?: AbortSignal): Promise<Volume> {
    return this.requestJson<Volume>({ method: 'POST', path: '/volumes/create', body: request, signal });
  }

  /** GET /volumes/{name}; NotFound when there is none. */
  inspectVolume(name: string, signal?: AbortSignal): Promise<Volume> {
    return this.requestJson<Volume>({ path: `/volumes/${encodeURIComponent(name)}`, signal });
  }

  /** DELETE /volumes/{name}; Conflict naming the containers while it is in use. */
  async removeVolume(name: string, options: { force?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    await this.request({
      method: 'DELETE',
      path: `/volumes/${encodeURIComponent(name)}`,
      query: { force: options.force === true ? true : undefined },
      signal: options.signal,
    });
  }

  /** POST /volumes/prune: unused volumes (anonymous only unless filter all=true) matching label filters. */
  pruneVolumes(
    filters?: Record<string, readonly string[]>,
    signal?: AbortSignal,
  ): Promise<VolumePruneResponse> {
    return this.requestJson<VolumePruneResponse>({
      method: 'POST',
      path: '/volumes/prune',
      query: { filters: filters === undefined ? undefined : encodeFilters(filters) },
      signal,
    });
  }

  /** GET /networks: networks matching the filters (name, id, label, driver, type, dangling). */
  listNetworks(
    filters?: Record<string, readonly string[]>,
    signal?: AbortSignal,
  ): Promise<NetworkResource[]> {
    return this.requestJson<NetworkResource[]>({
      path: '/networks',
      query: { filters: filters === undefined ? undefined : encodeFilters(filters) },
      signal,
    });
  }

  /** GET /networks/{id}: by name, id or unique id prefix; NotFound when there is none. */
  inspectNetwork(idOrName: string, signal?: AbortSignal): Promise<NetworkResource> {
    return this.requestJson<NetworkResource>({ path: `/networks/${encodeURIComponent(idOrName)}`, signal });
  }

  /** POST /networks/create; Conflict when the name is taken. */
  createNetwork(request: NetworkCreateRequest, signal?: AbortSignal): Promise<NetworkCreateResponse> {
    return this.requestJson<NetworkCreateResponse>({
      method: 'POST',
      path: '/networks/create',
      body: request,
      signal,
    });
  }

  /** DELETE /networks/{id}; refused for predefined networks and while containers are attached. */
  async removeNetwork(idOrName: string, signal?: AbortSignal): Promise<void> {
    await this.request({ method: 'DELETE', path: `/networks/${encodeURIComponent(idOrName)}`, signal });
  }

  /** POST /networks/{id}/connect: live when the container runs, at its next start otherwise. */
  async connectNetwork(
    idOrName: string,
    request: NetworkConnectRequest,
    signal?: AbortSignal,
  ): Promise<void> {
    await this.request({
      method: 'POST',
      path: `/networks/${encodeURIComponent(idOrName)}/connect`,
      body: request,
      signal,
    });
  }

  /** POST /networks/{id}/disconnect */
  async disconnectNetwork(
    idOrName: string,
    request: NetworkDisconnectRequest,
    signal?: AbortSignal,
  ): Promise<void> {
    await this.request({
      method: 'POST',
      path: `/networks/${encodeURIComponent(idOrName)}/disconnect`,
      body: request,
      signal,
    });
  }

  /** POST /networks/prune: networks no container is attached to, matching label and until filters. */
  pruneNetworks(
    filters?: Record<string, readonly string[]>,
    signal?: AbortSignal,
  ): Promise<NetworkPruneResponse> {
    return this.requestJson<NetworkPruneResponse>({
      method: 'POST',
      path: '/networks/prune',
      query: { filters: filters === undefined ? undefined : encodeFilters(filters) },
      signal,
    });
  }

  /** POST /images/create?fromImage=: the pull's JSON progress stream (404/401 raised before it starts). */
  pullImage(
    name: string,
    options: { platform?: string; auth?: AuthConfig; signal?: AbortSignal } = {},
  ): Promise<IncomingMessage> {
    return this.stream({
      method: 'POST',
      path: '/images/create',
      query: { fromImage: name, platform: options.platform },
      headers: { 'X-Registry-Auth': encodeRegistryAuth(options.auth ?? {}) },
      signal: options.signal,
    });
  }

  /** POST /images/{name}/push: the push's JSON progress stream; `tag` empty pushes every tag of the name. */
  pushImage(
    name: string,
    options: { tag?: string; auth?: AuthConfig; signal?: AbortSignal } = {},
  ): Promise<IncomingMessage> {
    return this.stream({
      method: 'POST',
      path: `/images/${name.split('/').map(encodeURIComponent).join('/')}/push`,
      query: { tag: options.tag },
      headers: { 'X-Registry-Auth': encodeRegistryAuth(options.auth ?? {}) },
      signal: options.signal,
    });
  }

  /**
   * POST /build: sends the context tar and returns the build's JSON progress stream (BuildMessage lines; an
   * `error` line is the failure). `registryConfig` carries credentials for the registries of base images.
   */
  build(
    context: Readable,
    query: BuildQuery,
    options: { registryConfig?: Record<string, AuthConfig>; signal?: AbortSignal } = {},
  ): Promise<IncomingMessage> {
    return this.stream({
      method: 'POST',
      path: '/build',
      query: buildQueryParams(query),
      body: context,
      headers: {
        'X-Registry-Config': Buffer.from(JSON.stringify(options.registryConfig ?? {})).toString('base64'),
      },
      signal: options.signal,
    });
  }

  /** POST /auth: checks credentials against a registry (Unauthenticated when refused). */
  login(auth: AuthConfig, signal?: AbortSignal): Promise<AuthResponse> {
    return this.requestJson<AuthResponse>({ method: 'POST', path: '/auth', body: auth, signal });
  }

  /** Drops idle keep-alive connections (the process can exit without it; tests call it to leave nothing open). */
  /**
   * Applies file changes to a running container's filesystem (berth's own route, not Docker's): writes are atomic
   * and owned by the container's user, nothing runs in the container. Example:
   * With `stopped`, a container that is not running is written to through its mounted rootfs (its volumes are
   * not there). Example: `await client.syncFiles(id, [{ op: 'write', path: '/app/a.js', mode: 0o644, content: buf }, { op: 'delete', path: '/app/b.js' }])`.
   */
  syncFiles(
    id: string,
    changes: Iterable<SyncChange> | AsyncIterable<SyncChange>,
    options: { stopped?: boolean; signal?: AbortSignal } = {},
  ): Promise<SyncResult> {
    return this.requestJson<SyncResult>({
      method: 'POST',
      path: `/containers/${encodeURIComponent(id)}/berth/sync`,
      query: { stopped: options.stopped === true ? true : undefined },
      body: Readable.from(encodeChanges(changes)),
      headers: { 'Content-Type': 'application/vnd.berth.sync' },
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  }

  /** The tree under `path` in a running container, each regular file with its sha256 (for initial syncs). */
  containerTree(id: string, path: string, signal?: AbortSignal): Promise<TreeEntry[]> {
    return this.requestJson<TreeEntry[]>({
      path: `/containers/${encodeURIComponent(id)}/berth/tree`,
      query: { path },
      ...(signal === undefined ? {} : { signal }),
    });
  }

  close(): void {
    this.agent.destroy();
  }

  private pathOf(request: EngineRequest): string {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value as readonly string[]) search.append(key, item);
      else search.set(key, typeof value === 'boolean' ? (value ? '1' : '0') : String(value));
    }
    const query = search.size > 0 ? `?${search.toString()}` : '';
    const prefix = this.negotiated !== undefined && !request.unversioned ? `/v${this.negotiated}` : '';
    return `${prefix}${request.path}${query}`;
  }

  private open(request: EngineRequest): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const { body, headers } = encodeBody(request.body);
      const req = http.request(
        {
          socketPath: this.socket,
          agent: this.agent,
          method: request.method ?? 'GET',
          path: this.pathOf(request),
          headers: { ...headers, ...request.headers },
          signal: request.signal,
        },
        (response) => {
          const status = response.statusCode ?? 0;
          if (status < 400) {
            resolve(response);
            return;
          }
          void readAll(response).then(
            (data) => reject(errorFromResponse(status, data.toString('utf8'))),
            reject,
          );
        },
      );
      req.once('error', (error) => reject(this.connectionError(error)));
      sendBody(req, body);
    });
  }

  private connectionError(error: Error): Error {
    const code = (error as NodeJS.ErrnoException).code;
    if (error.name === 'AbortError')
      return new BerthError('Cancelled', 'request cancelled', { cause: error });
    if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES') {
      return new BerthError('Unavailable', `cannot connect to the engine at ${this.socket}`, {
        cause: error,
        hint:
          code === 'EACCES'
            ? 'the socket is root-only: run as root'
            : 'is it running? try `berth engine status`',
      });
    }
    return new BerthError('Unavailable', `connection to the engine failed: ${error.message}`, {
      cause: error,
    });
  }
}

function encodeBody(body: unknown): { body: Buffer | Readable | undefined; headers: Record<string, string> } {
  if (body === undefined) return { body: undefined, headers: {} };
  if (Buffer.isBuffer(body)) {
    return {
      body,
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(body.length) },
    };
  }
  if (isReadable(body)) return { body, headers: { 'Content-Type': 'application/x-tar' } };
  const json = Buffer.from(JSON.stringify(body));
  return {
    body: json,
    headers: { 'Content-Type': 'application/json', 'Content-Length': String(json.length) },
  };
}

function sendBody(req: http.ClientRequest, body: Buffer | Readable | undefined): void {
  if (body === undefined) req.end();
  else if (Buffer.isBuffer(body)) req.end(body);
  else body.pipe(req);
}

function isReadable(value: unknown): value is Readable {
  return typeof value === 'object' && value !== null && typeof (value as Readable).pipe === 'function';
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function headerText(value: string | string[] | undefined): string {
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}
