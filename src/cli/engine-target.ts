// Which engine a command talks to: the one named by `--host`/`-H` or DOCKER_HOST (a unix socket of another
// engine, such as Docker's or a second berth engine; never auto-started), else berth's embedded engine
// (BERTH_HOST or the default socket), started in the background when it does not answer.
import { BerthError } from '../shared/errors.js';
import { connectOrStart, EngineClient } from '../engine/client/index.js';
import { resolveEngineConfig } from '../engine/config.js';

let hostOption: string | undefined;

/** Records the global `--host` option (called once the command line is parsed). */
export function setHostOption(host: string | undefined): void {
  hostOption = host === undefined || host === '' ? undefined : host;
}

/** The socket of another engine to drive, from `--host` then DOCKER_HOST; undefined for the embedded one. */
export function externalHost(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const host = hostOption ?? (env.DOCKER_HOST === '' ? undefined : env.DOCKER_HOST);
  if (host === undefined) return undefined;
  return socketOf(host);
}

/** `unix:///path` or an absolute path → the path; any other scheme is refused. */
export function socketOf(host: string): string {
  const socket = host.startsWith('unix://') ? host.slice('unix://'.length) : host;
  if (socket.includes('://') || !socket.startsWith('/'))
    throw new BerthError(
      'InvalidArgument',
      `--host/DOCKER_HOST must be a unix socket (unix:///path), not ${host}`,
    );
  return socket;
}

/** A client of the engine this command drives, its API version negotiated. */
export async function connectEngine(): Promise<EngineClient> {
  const socket = externalHost();
  if (socket === undefined) return (await connectOrStart(resolveEngineConfig())).client;
  const client = new EngineClient({ socket });
  try {
    await client.negotiate(AbortSignal.timeout(10_000));
  } catch (error) {
    client.close();
    throw new BerthError('Unavailable', `no engine is answering at ${socket}`, {
      cause: error,
      hint: 'the engine named by --host or DOCKER_HOST is not started by berth: start it first',
    });
  }
  return client;
}
