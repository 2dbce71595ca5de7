import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerConfigPath, eraseCredentials, readCredentials, storeCredentials } from './docker-config.js';

let dir: string;
let env: NodeJS.ProcessEnv;
const originalPath = process.env.PATH;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'docker-config-'));
  env = { DOCKER_CONFIG: join(dir, 'cfg') };
  // A credential helper that knows one server, as docker-credential-* programs answer.
  const helper = join(dir, 'docker-credential-fake');
  await writeFile(
    helper,
    '#!/bin/sh\nread server\nif [ "$1" = get ] && [ "$server" = helped.example ]; then\n' +
      '  echo \'{"ServerURL":"helped.example","Username":"hu","Secret":"hs"}\'; exit 0; fi\n' +
      'echo "credentials not found in native keychain"; exit 1\n',
  );
  await chmod(helper, 0o755);
  process.env.PATH = `${dir}:${originalPath ?? ''}`;
});
afterAll(async () => {
  process.env.PATH = originalPath;
  await rm(dir, { recursive: true, force: true });
});

describe('Docker config.json credentials', () => {
  it('honours DOCKER_CONFIG', () => {
    expect(dockerConfigPath(env)).toBe(join(dir, 'cfg', 'config.json'));
  });

  it('stores base64 auths, reads them back (URL-shaped keys too), keeps unknown keys, and erases', async () => {
    await storeCredentials('127.0.0.1:5000', { username: 'u', password: 'p:w' }, env);
    const file = JSON.parse(await readFile(dockerConfigPath(env), 'utf8')) as Record<string, unknown>;
    expect(file).toEqual({ auths: { '127.0.0.1:5000': { auth: Buffer.from('u:p:w').toString('base64') } } });
    expect(await readCredentials('127.0.0.1:5000', env)).toEqual({ username: 'u', password: 'p:w' });

    await writeFile(
      dockerConfigPath(env),
      JSON.stringify({
        auths: { 'https://reg.example': { auth: Buffer.from('a:b').toString('base64') } },
        psFormat: 'x',
      }),
    );
    expect(await readCredentials('reg.example', env)).toEqual({ username: 'a', password: 'b' });
    expect(await eraseCredentials('reg.example', env)).toBe(true);
    expect(await eraseCredentials('reg.example', env)).toBe(false);
    expect(JSON.parse(await readFile(dockerConfigPath(env), 'utf8'))).toEqual({ auths: {}, psFormat: 'x' });
  });

  it('asks credHelpers first and falls back to auths when the helper knows nothing', async () => {
    await writeFile(
      dockerConfigPath(env),
      JSON.stringify({
        credHelpers: { 'helped.example': 'fake', 'other.example': 'fake' },
        auths: { 'other.example': { auth: Buffer.from('o:p').toString('base64') } },
      }),
    );
    expect(await readCredentials('helped.example', env)).toEqual({ username: 'hu', password: 'hs' });
    expect(await readCredentials('other.example', env)).toEqual({ username: 'o', password: 'p' });
    expect(await readCredentials('nowhere.example', env)).toBeUndefined();
  });
});
