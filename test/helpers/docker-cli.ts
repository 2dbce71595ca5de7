// The environment the real docker CLI needs to talk to a test engine: its socket, the legacy builder (no
// buildx here) and a config directory of the test's own, so nothing is read from or written to the user's.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

export async function dockerCliEnv(dir: string, socket: string): Promise<Record<string, string>> {
  const config = path.join(dir, 'docker-config');
  await mkdir(config, { recursive: true });
  return {
    DOCKER_HOST: `unix://${socket}`,
    DOCKER_BUILDKIT: '0',
    DOCKER_CONFIG: config,
    PATH: process.env.PATH ?? '/usr/bin:/bin',
  };
}
