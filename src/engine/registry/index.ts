// The registry subsystem as one service: pull, push and login checks against OCI distribution registries,
// with credentials given by the caller (X-Registry-Auth) or found in Docker's config.json.

import { readCredentials, type RegistryCredentials } from '../../shared/docker-config.js';
import { BerthError } from '../../shared/errors.js';
import type { RegistrySettings } from '../config.js';
import type { ImageStore } from '../image/image-store.js';
import { RegistryClient } from './client.js';
import { authKeyOf, endpointsFor, registryDomainOf } from './endpoints.js';
import { Puller, type PullerOptions } from './pull.js';
import { Pusher, type PusherOptions } from './push.js';

export { parsePlatform, type Platform } from './platform-select.js';
export type { RegistryProgress, ProgressSink } from './progress.js';
export type { ResolvedPull, PullResult } from './pull.js';
export type { PushedTag } from './push.js';

export class Registries {
  readonly puller: Puller;
  readonly pusher: Pusher;

  constructor(
    store: ImageStore,
    private readonly settings: RegistrySettings,
    options: { pull?: PullerOptions; push?: PusherOptions; env?: NodeJS.ProcessEnv } = {},
  ) {
    this.puller = new Puller(store, settings, options.pull);
    this.pusher = new Pusher(store, settings, options.push);
    this.env = options.env ?? process.env;
  }

  private readonly env: NodeJS.ProcessEnv;

  /** The caller's credentials when it sent any, else those stored in Docker's config.json for the domain. */
  async credentialsFor(
    domain: string,
    given: RegistryCredentials | undefined,
  ): Promise<RegistryCredentials | undefined> {
    if (given !== undefined && Object.values(given).some((v) => v !== undefined && v !== '')) return given;
    return readCredentials(authKeyOf(domain), this.env);
  }

  /** Checks credentials against a registry (`docker login`); Unauthenticated when refused. */
  async login(server: string, credentials: RegistryCredentials): Promise<void> {
    const domain = registryDomainOf(server);
    const endpoint = endpointsFor(domain, this.settings, 'push')[0];
    if (endpoint === undefined) throw new BerthError('Unavailable', `no endpoint for ${domain}`);
    const client = new RegistryClient({ endpoint, repository: '', credentials, actions: ['pull'] });
    await client.ping();
  }
}
