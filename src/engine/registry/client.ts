// An HTTP client for one repository of one registry (OCI distribution spec): answers a 401 by following the
// WWW-Authenticate challenge (basic credentials, or a bearer token from the realm, by password, refresh token
// or anonymously), follows redirects (to a CDN) without forwarding Authorization to another host, and retries
// idempotent requests that fail on the network a bounded number of times.
// Invariant: credentials are only ever sent to the registry's own origin and to the token realm it names.

import { BerthError } from '../../shared/errors.js';
import type { RegistryCredentials } from '../../shared/docker-config.js';
import { parseChallenges, type Challenge } from './challenge.js';
import type { Endpoint } from './endpoints.js';

export type Action = 'pull' | 'push';

export interface RegistryClientOptions {
  endpoint: Endpoint;
  /** Repository path within the registry: `library/busybox`. */
  repository: string;
  credentials?: RegistryCredentials | undefined;
  actions: readonly Action[];
  /** More token scopes, e.g. pull on the source repository of a cross-repository mount. */
  extraScopes?: readonly string[];
  signal?: AbortSignal | undefined;
}

export interface RequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: Uint8Array | undefined;
  /** Statuses returned to the caller rather than raised (a 404 that means "not there"). */
  accept?: readonly number[];
}

const MAX_REDIRECTS = 5;
const NETWORK_ATTEMPTS = 3;
const USER_AGENT = 'berth';

export class RegistryClient {
  private authorization: string | undefined;
  private readonly origin: string;

  constructor(private readonly options: RegistryClientOptions) {
    this.origin = new URL(options.endpoint.base).origin;
  }

  get repository(): string {
    return this.options.repository;
  }

  get hasCredentials(): boolean {
    const c = this.options.credentials;
    return (
      c !== undefined &&
      (c.username !== undefined || c.identityToken !== undefined || c.registryToken !== undefined)
    );
  }

  get base(): string {
    return this.options.endpoint.base;
  }

  /** `/v2/<repository>/<rest>` on this registry. */
  url(rest: string): string {
    return `${this.options.endpoint.base}/v2/${this.options.repository}/${rest}`;
  }

  /**
   * Sends a request, authenticating on a 401 and following redirects. A status >= 400 that is not in
   * `init.accept` becomes a BerthError carrying the registry's error message.
   */
  async request(url: string, init: RequestInit = {}): Promise<Response> {
    let response = await this.send(url, init);
    if (response.status === 401) {
      await response.body?.cancel();
      await this.authenticate(response.headers.get('www-authenticate'));
      response = await this.send(url, init);
      if (response.status === 401) {
        throw new BerthError('Unauthenticated', `unauthorized: ${await errorText(response)}`);
      }
    }
    if (response.status >= 400 && !(init.accept ?? []).includes(response.status)) {
      throw await registryError(response);
    }
    return response;
  }

  /** GET /v2/: checks that the registry answers and that the credentials (if any) are accepted. */
  async ping(): Promise<void> {
    const url = `${this.options.endpoint.base}/v2/`;
    const first = await this.send(url, {});
    await first.body?.cancel();
    if (first.status !== 401) {
      if (first.status >= 400) throw new BerthError('Unavailable', `${url} answered HTTP ${first.status}`);
      return;
    }
    await this.authenticate(first.headers.get('www-authenticate'), { requireCredentials: true });
    const second = await this.send(url, {});
    if (second.status === 401) {
      throw new BerthError('Unauthenticated', `unauthorized: ${await errorText(second)}`);
    }
    await second.body?.cancel();
    if (second.status >= 400) throw new BerthError('Unavailable', `${url} answered HTTP ${second.status}`);
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    let current = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const sameOrigin = new URL(current).origin === this.origin;
      const headers: Record<string, string> = { 'User-Agent': USER_AGENT, ...init.headers };
      if (sameOrigin && this.authorization !== undefined) headers.Authorization = this.authorization;
      const response = await this.fetchWithRetry(current, {
        method: init.method ?? 'GET',
        headers,
        ...(init.body === undefined ? {} : { body: init.body }),
      });
      const location = response.headers.get('location');
      if (![301, 302, 303, 307, 308].includes(response.status) || location === null) return response;
      // Upload sessions answer 202 + Location, which the caller follows itself; only 3xx are redirects.
      await response.body?.cancel();
      current = new URL(location, current).href;
    }
    throw new BerthError('Unavailable', `too many redirects from ${url}`);
  }

  private async fetchWithRetry(
    url: string,
    init: { method: string; headers: Record<string, string>; body?: Uint8Array },
  ): Promise<Response> {
    const idempotent = init.method === 'GET' || init.method === 'HEAD';
    for (let attempt = 1; ; attempt++) {
      try {
        return await fetch(url, { ...init, redirect: 'manual', signal: this.options.signal ?? null });
      } catch (error) {
        if (this.options.signal?.aborted === true) {
          throw new BerthError('Cancelled', 'request cancelled', { cause: error });
        }
        if (!idempotent || attempt >= NETWORK_ATTEMPTS) {
          throw new BerthError('Unavailable', `cannot reach ${new URL(url).origin}: ${causeText(error)}`, {
            cause: error,
          });
        }
        await delay(200 * attempt);
      }
    }
  }

  private scopes(): string[] {
    return [
      `repository:${this.options.repository}:${this.options.actions.join(',')}`,
      ...(this.options.extraScopes ?? []),
    ];
  }

  private async authenticate(
    header: string | null,
    { requireCredentials = false }: { requireCredentials?: boolean } = {},
  ): Promise<void> {
    const challenges = parseChallenges(header);
    const credentials = this.options.credentials;
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer !== undefined) {
      this.authorization = `Bearer ${await this.fetchToken(bearer, requireCredentials ? [] : this.scopes())}`;
      return;
    }
    if (challenges.some((c) => c.scheme === 'basic')) {
      if (credentials?.username === undefined) {
        throw new BerthError('Unauthenticated', 'unauthorized: authentication required');
      }
      this.authorization = basic(credentials.username, credentials.password ?? '');
      return;
    }
    throw new BerthError(
      'Unauthenticated',
      `unauthorized: the registry asks for authentication berth does not speak (${header ?? 'no challenge'})`,
    );
  }

  private async fetchToken(challenge: Challenge, scopes: readonly string[]): Promise<string> {
    const credentials = this.options.credentials;
    if (credentials?.registryToken !== undefined && credentials.registryToken !== '') {
      return credentials.registryToken;
    }
    const realm = challenge.params.realm;
    if (realm === undefined || !/^https?:\/\//.test(realm)) {
      throw new BerthError('Unavailable', `registry ${this.origin} sent a bearer challenge without a realm`);
    }
    const service = challenge.params.service;
    let response: Response;
    if (credentials?.identityToken !== undefined && credentials.identityToken !== '') {
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: credentials.identityToken,
        client_id: USER_AGENT,
      });
      if (service !== undefined) form.set('service', service);
      if (scopes.length > 0) form.set('scope', scopes.join(' '));
      response = await this.fetchWithRetry(realm, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'User-Agent': USER_AGENT },
        body: Buffer.from(form.toString()),
      });
    } else {
      const url = new URL(realm);
      if (service !== undefined) url.searchParams.set('service', service);
      for (const scope of scopes) url.searchParams.append('scope', scope);
      const headers: Record<string, string> = { 'User-Agent': USER_AGENT };
      if (credentials?.username !== undefined) {
        headers.Authorization = basic(credentials.username, credentials.password ?? '');
      }
      response = await this.fetchWithRetry(url.href, { method: 'GET', headers });
    }
    if (response.status === 401 || response.status === 403) {
      const detail = await errorText(response);
      throw new BerthError(
        'Unauthenticated',
        credentials?.username !== undefined || credentials?.identityToken !== undefined
          ? `unauthorized: incorrect username or password (${detail})`
          : `unauthorized: authentication required (${detail})`,
      );
    }
    if (!response.ok) {
      throw new BerthError(
        'Unavailable',
        `token server ${new URL(realm).origin} answered HTTP ${response.status}`,
      );
    }
    const body = (await response.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (typeof token !== 'string' || token === '') {
      throw new BerthError('Unavailable', `token server ${new URL(realm).origin} sent no token`);
    }
    return token;
  }
}

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** The registry's error body as one line: `MANIFEST_UNKNOWN: manifest unknown`. */
export async function errorText(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const parsed = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    const errors = parsed.errors ?? [];
    if (errors.length > 0) {
      return errors
        .map((e) => `${(e.code ?? '').toLowerCase().replace(/_/g, ' ') || 'error'}: ${e.message ?? ''}`)
        .join('; ');
    }
  } catch {
    // not JSON
  }
  return text.trim() === '' ? `HTTP ${response.status}` : text.trim().slice(0, 300);
}

/** The registry's error codes (`MANIFEST_UNKNOWN`, `NAME_UNKNOWN`, ...) of an error response. */
export async function errorCodes(response: Response): Promise<{ codes: string[]; text: string }> {
  const text = await response.text().catch(() => '');
  try {
    const parsed = JSON.parse(text) as { errors?: { code?: string }[] };
    return { codes: (parsed.errors ?? []).map((e) => e.code ?? ''), text };
  } catch {
    return { codes: [], text };
  }
}

async function registryError(response: Response): Promise<BerthError> {
  const text = await errorText(response);
  const status = response.status;
  const code =
    status === 404
      ? 'NotFound'
      : status === 401 || status === 403
        ? 'Unauthenticated'
        : status >= 500
          ? 'Unavailable'
          : 'InvalidArgument';
  return new BerthError(code, `${new URL(response.url || 'http://registry').pathname}: ${text}`);
}

function causeText(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
