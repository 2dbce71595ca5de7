// The engine as the compose layer uses it: the few Docker API calls `up`, `down` and the other verbs make,
// typed. It talks through any transport shaped like the engine client (berth's own engine, or another engine's
// socket), so compose never depends on how the engine is reached.
import { BerthError, isBerthError } from '../../shared/errors.js';
import { missingImageHint } from '../../shared/missing-image.js';
import type {
  ContainerCreateRequest,
  ContainerCreateResponse,
  ContainerInspect,
  ContainerSummary,
} from '../../engine/api/containers.js';
import type { Readable } from 'node:stream';
import { buildQueryParams, type BuildMessage, type BuildQuery } from '../../engine/api/build.js';
import { jsonLines } from '../../engine/api/json-lines.js';
import type { EventMessage } from '../../engine/api/events.js';
import { compareApiVersions } from '../../engine/api/version.js';
import { LABEL } from '../create/labels.js';

export interface TransportRequest {
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | readonly string[] | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface EngineTransport {
  /** The API version the transport negotiated (undefined: the engine's default). */
  readonly apiVersion?: string | undefined;
  requestJson<T>(request: TransportRequest): Promise<T>;
  request(request: TransportRequest): Promise<{ status: number; body: Buffer }>;
  /** The answer as a stream (progress lines), after its status was checked. */
  stream(request: TransportRequest): Promise<Readable>;
  events(options: {
    filters?: Record<string, readonly string[]>;
    since?: string;
    signal?: AbortSignal;
  }): AsyncIterable<EventMessage>;
}

export interface NetworkCreate {
  Name: string;
  Driver?: string;
  Internal?: boolean;
  Attachable?: boolean;
  EnableIPv6?: boolean;
  Options?: Record<string, string>;
  Labels: Record<string, string>;
  IPAM?: { Driver?: string; Config?: Array<{ Subnet?: string; Gateway?: string; IPRange?: string }> };
}

export interface VolumeCreate {
  Name: string;
  Driver?: string;
  DriverOpts?: Record<string, string>;
  Labels: Record<string, string>;
}

const projectFilter = (project: string) => JSON.stringify({ label: [`${LABEL.project}=${project}`] });

export class ComposeEngine {
  /**
   * `sharesFiles`: the engine runs on this host and reads its files (berth's embedded engine), so builds may
   * name their context directory instead of uploading it.
   */
  constructor(
    private readonly transport: EngineTransport,
    readonly sharesFiles = false,
  ) {}

  get events(): EngineTransport['events'] {
    return (options) => this.transport.events(options);
  }

  containers(project: string, all = true): Promise<ContainerSummary[]> {
    return this.transport.requestJson({
      path: '/containers/json',
      query: { all, filters: projectFilter(project) },
    });
  }

  async networkNames(project: string): Promise<Set<string>> {
    const networks = await this.transport.requestJson<Array<{ Name: string }>>({
      path: '/networks',
      query: { filters: projectFilter(project) },
    });
    return new Set(networks.map((network) => network.Name));
  }

  /** Whether a network of that name exists (external ones carry no project label). */
  async networkExists(name: string): Promise<boolean> {
    return this.exists({ path: `/networks/${encodeURIComponent(name)}` });
  }

  async volumeNames(project: string): Promise<Set<string>> {
    const response = await this.transport.requestJson<{ Volumes: Array<{ Name: string }> | null }>({
      path: '/volumes',
      query: { filters: projectFilter(project) },
    });
    return new Set((response.Volumes ?? []).map((volume) => volume.Name));
  }

  async volumeExists(name: string): Promise<boolean> {
    return this.exists({ path: `/volumes/${encodeURIComponent(name)}` });
  }

  async createNetwork(request: NetworkCreate): Promise<void> {
    await this.transport.requestJson({ method: 'POST', path: '/networks/create', body: request });
  }

  async removeNetwork(name: string): Promise<void> {
    await this.transport.requestJson({ method: 'DELETE', path: `/networks/${encodeURIComponent(name)}` });
  }

  async createVolume(request: VolumeCreate): Promise<void> {
    await this.transport.requestJson({ method: 'POST', path: '/volumes/create', body: request });
  }

  async removeVolume(name: string): Promise<void> {
    await this.transport.requestJson({ method: 'DELETE', path: `/volumes/${encodeURIComponent(name)}` });
  }

  /** The image's ID, or undefined when the engine does not have it. */
  async imageId(reference: string): Promise<string | undefined> {
    try {
      const image = await this.transport.requestJson<{ Id: string }>({
        path: `/images/${encodeURIComponent(reference)}/json`,
      });
      return image.Id;
    } catch (error) {
      if (isBerthError(error, 'NotFound')) return undefined;
      throw error;
    }
  }

  /** The image's ID, tags and size (for `images`); undefined when the engine does not have it. */
  async imageDetails(
    reference: string,
  ): Promise<{ Id: string; RepoTags?: string[] | null; Size: number } | undefined> {
    try {
      return await this.transport.requestJson({ path: `/images/${encodeURIComponent(reference)}/json` });
    } catch (error) {
      if (isBerthError(error, 'NotFound')) return undefined;
      throw error;
    }
  }

  /** Pulls an image, reading Docker's progress stream to its end; an error line becomes the error. */
  async pull(
    reference: string,
    onProgress?: (line: { status?: string; id?: string }) => void,
  ): Promise<void> {
    const [name, tag] = splitTag(reference);
    const response = await this.transport
      .request({
        method: 'POST',
        path: '/images/create',
        query: { fromImage: name, ...(tag === undefined ? {} : { tag }) },
      })
      .catch((error: unknown) => {
        if (!isBerthError(error)) throw error;
        throw new BerthError(error.code, error.message, {
          cause: error,
          hint: missingImageHint(reference, error),
        });
      });
    for (const text of response.body.toString('utf8').split('\n')) {
      if (text.trim() === '') continue;
      const line = JSON.parse(text) as {
        status?: string;
        id?: string;
        error?: string;
        errorDetail?: { message?: string };
      };
      if (line.error !== undefined || line.errorDetail !== undefined)
        throw new BerthError('NotFound', line.errorDetail?.message ?? line.error ?? 'pull failed', {
          hint: missingImageHint(reference),
        });
      onProgress?.(line);
    }
  }

  /**
   * POST /build with the context tar; every progress line goes to `onMessage` as it arrives (an error line is
   * passed on too: the caller decides what failed).
   */
  async build(
    context: Readable,
    query: BuildQuery,
    onMessage: (message: BuildMessage) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const response = await this.transport.stream({
      method: 'POST',
      path: '/build',
      query: buildQueryParams(query),
      body: context,
      ...(signal === undefined ? {} : { signal }),
    });
    for await (const line of jsonLines(response)) onMessage(JSON.parse(line) as BuildMessage);
  }

  async removeImage(reference: string): Promise<void> {
    await this.transport.requestJson({ method: 'DELETE', path: `/images/${encodeURIComponent(reference)}` });
  }

  /**
   * Creates a container. Engines older than API 1.44 (Docker 20.10 speaks 1.41) take one network at create: the
   * container is made on its primary network and connected to the others before it starts.
   */
  async createContainer(name: string, body: ContainerCreateRequest): Promise<string> {
    const endpoints = Object.entries(body.NetworkingConfig?.EndpointsConfig ?? {});
    const version = this.transport.apiVersion;
    const oneAtCreate =
      endpoints.length > 1 && version !== undefined && compareApiVersions(version, '1.44') < 0;
    const primary = endpoints.find(([network]) => network === body.HostConfig?.NetworkMode) ?? endpoints[0];
    const created = await this.transport.requestJson<ContainerCreateResponse>({
      method: 'POST',
      path: '/containers/create',
      query: { name },
      body:
        oneAtCreate && primary !== undefined
          ? { ...body, NetworkingConfig: { EndpointsConfig: { [primary[0]]: primary[1] } } }
          : body,
    });
    if (oneAtCreate) {
      try {
        for (const [network, endpoint] of endpoints) {
          if (network === primary?.[0]) continue;
          await this.transport.requestJson({
            method: 'POST',
            path: `/networks/${encodeURIComponent(network)}/connect`,
            body: { Container: created.Id, EndpointConfig: endpoint },
          });
        }
      } catch (error) {
        await this.remove(created.Id, { force: true }).catch(() => undefined);
        throw error;
      }
    }
    return created.Id;
  }

  async start(id: string): Promise<void> {
    await this.transport.request({ method: 'POST', path: `/containers/${id}/start` }).then(expectOk);
  }

  async stop(id: string, timeoutSeconds?: number): Promise<void> {
    await this.transport
      .request({ method: 'POST', path: `/containers/${id}/stop`, query: { t: timeoutSeconds } })
      .then(expectOk);
  }

  async restart(id: string, timeoutSeconds?: number): Promise<void> {
    await this.transport.request({
      method: 'POST',
      path: `/containers/${id}/restart`,
      query: { t: timeoutSeconds },
    });
  }

  async kill(id: string, signal?: string): Promise<void> {
    await this.transport.request({ method: 'POST', path: `/containers/${id}/kill`, query: { signal } });
  }

  async pause(id: string): Promise<void> {
    await this.transport.request({ method: 'POST', path: `/containers/${id}/pause` });
  }

  async unpause(id: string): Promise<void> {
    await this.transport.request({ method: 'POST', path: `/containers/${id}/unpause` });
  }

  async remove(id: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    await this.transport
      .request({
        method: 'DELETE',
        path: `/containers/${id}`,
        query: { force: options.force, v: options.volumes },
      })
      .then(expectOk);
  }

  async rename(id: string, name: string): Promise<void> {
    await this.transport
      .request({ method: 'POST', path: `/containers/${id}/rename`, query: { name } })
      .then(expectOk);
  }

  inspect(id: string): Promise<ContainerInspect> {
    return this.transport.requestJson({ path: `/containers/${id}/json` });
  }

  /**
   * Waits for the container to stop running (`next-exit`: its next exit, for one not started yet; `removed`: an
   * auto-remove one gone); its exit code.
   */
  async wait(
    id: string,
    signal?: AbortSignal,
    condition: 'not-running' | 'next-exit' | 'removed' = 'not-running',
  ): Promise<number> {
    const result = await this.transport.requestJson<{ StatusCode: number }>({
      method: 'POST',
      path: `/containers/${id}/wait`,
      query: { condition },
      ...(signal === undefined ? {} : { signal }),
    });
    return result.StatusCode;
  }

  /**
   * Runs a command in a running container and waits for it (lifecycle hooks): its exit code and its output.
   * The start is a plain (not upgraded) request whose answer ends when the command has exited, which Docker
   * Engine and berth's engine both serve.
   */
  async exec(
    id: string,
    request: { Cmd: string[]; Env?: string[]; User?: string; WorkingDir?: string; Privileged?: boolean },
    signal?: AbortSignal,
  ): Promise<{ exitCode: number; output: string }> {
    const created = await this.transport.requestJson<{ Id: string }>({
      method: 'POST',
      path: `/containers/${id}/exec`,
      body: { AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false, ...request },
    });
    const response = await this.transport.request({
      method: 'POST',
      path: `/exec/${created.Id}/start`,
      body: { Detach: false, Tty: false },
      ...(signal === undefined ? {} : { signal }),
    });
    expectOk(response);
    const output = demultiplex(response.body);
    // The engine may record the exit code a moment after the stream closes.
    for (let attempt = 0; attempt < 100; attempt++) {
      const state = await this.transport.requestJson<{ Running: boolean; ExitCode: number | null }>({
        path: `/exec/${created.Id}/json`,
      });
      if (!state.Running && state.ExitCode !== null) return { exitCode: state.ExitCode, output };
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new BerthError('Internal', `exec in container ${id} did not report an exit code`);
  }

  /**
   * Pushes an image (`latest` when the reference has no tag), reading the progress stream to its end. `auth` is
   * the X-Registry-Auth header value (no credentials by default).
   */
  async push(
    reference: string,
    onProgress?: (line: { status?: string; id?: string }) => void,
    auth = 'e30=',
  ): Promise<void> {
    const [name, tag] = splitTag(reference);
    const response = await this.transport.request({
      method: 'POST',
      path: `/images/${name.split('/').map(encodeURIComponent).join('/')}/push`,
      query: { tag: reference.includes('@') ? undefined : (tag ?? 'latest') },
      headers: { 'X-Registry-Auth': auth },
    });
    expectOk(response);
    for (const line of progressLines(response.body)) {
      if (line.error !== undefined || line.errorDetail !== undefined)
        throw new BerthError('Unavailable', line.errorDetail?.message ?? line.error ?? 'push failed');
      onProgress?.(line);
    }
  }

  /** The last lines of a container's output (for error messages). */
  async tail(id: string, lines: number): Promise<string> {
    const response = await this.transport.request({
      path: `/containers/${id}/logs`,
      query: { stdout: true, stderr: true, tail: lines },
    });
    return demultiplex(response.body);
  }

  private async exists(request: TransportRequest): Promise<boolean> {
    try {
      await this.transport.requestJson(request);
      return true;
    } catch (error) {
      if (isBerthError(error, 'NotFound')) return false;
      throw error;
    }
  }
}

function expectOk(response: { status: number; body: Buffer }): void {
  if (response.status < 300 || response.status === 304) return;
  const text = response.body.toString('utf8');
  let message = text;
  try {
    message = (JSON.parse(text) as { message?: string }).message ?? text;
  } catch {
    // not JSON: the text as it is
  }
  throw new BerthError(
    response.status === 404 ? 'NotFound' : response.status === 409 ? 'Conflict' : 'Internal',
    message,
  );
}

interface ProgressLine {
  status?: string;
  id?: string;
  error?: string;
  errorDetail?: { message?: string };
}

function progressLines(body: Buffer): ProgressLine[] {
  return body
    .toString('utf8')
    .split('\n')
    .filter((text) => text.trim() !== '')
    .map((text) => JSON.parse(text) as ProgressLine);
}

/** `repo:tag` → [repo, tag]; a digest or no tag leaves the tag out. */
function splitTag(reference: string): [string, string | undefined] {
  if (reference.includes('@')) return [reference, undefined];
  const colon = reference.lastIndexOf(':');
  if (colon <= reference.lastIndexOf('/')) return [reference, undefined];
  return [reference.slice(0, colon), reference.slice(colon + 1)];
}

/** Docker's multiplexed log frames (8-byte headers) → text; a TTY container's raw text passes through. */
function demultiplex(body: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= body.length && (body[offset] === 1 || body[offset] === 2) && body[offset + 1] === 0) {
    const size = body.readUInt32BE(offset + 4);
    parts.push(body.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  if (offset === 0) return body.toString('utf8');
  return Buffer.concat(parts).toString('utf8');
}
