// Registry authentication: htpasswd basic auth on docker-registry itself, and bearer tokens from a token
// endpoint (a front on 127.0.0.1 that demands tokens and forwards to the registry). Credentials arrive as
// X-Registry-Auth, through POST /auth, or from Docker's config.json; wrong ones give clear errors; a blob
// redirect to another host gets no token. Ends with the
// real docker CLI: login, push and pull through berth's socket.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProgressMessage } from '../../../src/engine/api/images.js';
import { encodeRegistryAuth, type AuthConfig } from '../../../src/engine/api/registry.js';
import { jsonLines } from '../../../src/engine/client/index.js';
import { startContainerEngine, IMAGE, type ContainerEngine } from '../container/fixture.js';
import { pushPlatformImage } from './images.js';
import { startFront, startRegistry, type Front, type Registry } from './registry-fixture.js';

const USER = { user: 'tester', password: 'c0rrect horse' };
let e: ContainerEngine;
let basicRegistry: Registry;
let plainRegistry: Registry;
let front: Front;

beforeAll(async () => {
  e = await startContainerEngine();
  basicRegistry = await startRegistry({ htpasswd: USER });
  plainRegistry = await startRegistry();
  front = await startFront(plainRegistry.host, { bearer: USER });
}, 60_000);
afterAll(async () => {
  await front?.stop();
  await basicRegistry?.stop();
  await plainRegistry?.stop();
  await e?.cleanup();
});

async function messages(stream: NodeJS.ReadableStream): Promise<ProgressMessage[]> {
  const out: ProgressMessage[] = [];
  for await (const line of jsonLines(stream as never)) out.push(JSON.parse(line) as ProgressMessage);
  return out;
}

const good: AuthConfig = { username: USER.user, password: USER.password };
const bad: AuthConfig = { username: USER.user, password: 'wrong' };

async function push(repo: string, tagName: string, auth?: AuthConfig): Promise<ProgressMessage[]> {
  return messages(
    await e.client.stream({
      method: 'POST',
      path: `/images/${repo}/push`,
      query: { tag: tagName },
      headers: auth ? { 'X-Registry-Auth': encodeRegistryAuth(auth) } : {},
    }),
  );
}

async function pull(name: string, auth?: AuthConfig): Promise<ProgressMessage[]> {
  return messages(
    await e.client.stream({
      method: 'POST',
      path: '/images/create',
      query: { fromImage: name },
      headers: auth ? { 'X-Registry-Auth': encodeRegistryAuth(auth) } : {},
    }),
  );
}

const login = (server: string, auth: AuthConfig) =>
  e.client.requestJson<{ Status: string }>({
    method: 'POST',
    path: '/auth',
    body: { ...auth, serveraddress: server },
  });
const tag = (repo: string, tagName: string) =>
  e.client.request({ method: 'POST', path: `/images/${IMAGE}/tag`, query: { repo, tag: tagName } });
const remove = (name: string) => e.client.request({ method: 'DELETE', path: `/images/${name}` });
const failures = (list: ProgressMessage[]) => list.filter((m) => m.error !== undefined);

for (const kind of ['basic', 'bearer'] as const) {
  describe(`${kind} auth`, () => {
    const host = () => (kind === 'basic' ? basicRegistry.host : front.host);

    it('POST /auth accepts the right password and refuses a wrong one with 401', async () => {
      expect(await login(host(), good)).toEqual({ Status: 'Login Succeeded', IdentityToken: '' });
      const refused = await login(host(), bad).catch((error: unknown) => error);
      expect(refused).toMatchObject({ code: 'Unauthenticated' });
      expect((refused as Error).message).toMatch(new RegExp(`login to ${host()} failed: unauthorized`));
    });

    it('pushes and pulls with credentials, and refuses without or with wrong ones', async () => {
      const repo = `${host()}/private/app`;
      await tag(repo, 'v1');
      const denied = await push(repo, 'v1').catch((error: unknown) => error);
      const deniedText = Array.isArray(denied)
        ? (failures(denied)[0]?.error ?? '')
        : (denied as Error).message;
      expect(deniedText).toMatch(/unauthorized/);
      const wrong = await push(repo, 'v1', bad).catch((error: unknown) => error);
      const wrongText = Array.isArray(wrong) ? (failures(wrong)[0]?.error ?? '') : (wrong as Error).message;
      expect(wrongText).toMatch(/unauthorized/);

      const pushed = await push(repo, 'v1', good);
      expect(failures(pushed)).toEqual([]);
      expect(pushed.some((m) => /^v1: digest: sha256:/.test(m.status ?? ''))).toBe(true);
      if (kind === 'bearer') expect(front.tokenScopes).toContain('repository:private/app:pull,push');

      await remove(`${repo}:v1`);
      await expect(pull(`${repo}:v1`)).rejects.toThrow(
        `pull access denied for ${repo}, repository does not exist or may require authentication`,
      );
      await expect(pull(`${repo}:v1`, bad)).rejects.toMatchObject({ code: 'Unauthenticated' });
      const pulled = await pull(`${repo}:v1`, good);
      expect(failures(pulled)).toEqual([]);
      expect(pulled.map((m) => m.status)).toContain(`Status: Downloaded newer image for ${repo}:v1`);
      await remove(`${repo}:v1`);
    }, 60_000);
  });
}

describe('redirects', () => {
  it('follows a blob redirect to another host without sending it the registry token', async () => {
    const cdn = await startFront(plainRegistry.host, {});
    const redirecting = await startFront(plainRegistry.host, { bearer: USER, redirectBlobsTo: cdn.host });
    try {
      // Content no local image has, put into the registry directly, so the pull must fetch its blobs.
      const entry = await pushPlatformImage(plainRegistry.host, 'redirected/app', {
        os: 'linux',
        architecture: 'amd64',
      });
      const name = `${redirecting.host}/redirected/app@${entry.digest}`;
      const pulled = await pull(name, good);
      expect(failures(pulled)).toEqual([]);
      expect(pulled.filter((m) => m.status === 'Pull complete')).toHaveLength(1);
      expect(redirecting.authorizations.some((a) => a.startsWith('Bearer '))).toBe(true);
      expect(cdn.authorizations.length).toBeGreaterThan(0);
      expect(cdn.authorizations.every((a) => a === '')).toBe(true);
      await remove(name);
    } finally {
      await redirecting.stop();
      await cdn.stop();
    }
  }, 60_000);
});

describe('docker CLI through berth', () => {
  it('logs in, pushes and pulls against the registry with basic auth', async () => {
    const config = path.join(e.dir, 'docker-config');
    await mkdir(config, { recursive: true });
    const env = {
      DOCKER_HOST: `unix://${e.config.socket}`,
      DOCKER_BUILDKIT: '0',
      DOCKER_CONFIG: config,
      PATH: process.env.PATH ?? '/usr/bin:/bin',
    };
    const docker = (args: string[], input?: string) =>
      execa('docker', args, {
        env,
        reject: false,
        timeout: 60_000,
        ...(input === undefined ? {} : { input }),
      });
    const host = basicRegistry.host;

    const wrong = await docker(['login', host, '-u', USER.user, '--password-stdin'], 'nope');
    expect(wrong.exitCode).not.toBe(0);
    expect(wrong.stderr).toMatch(/unauthorized/);
    const ok = await docker(['login', host, '-u', USER.user, '--password-stdin'], USER.password);
    expect(ok.stderr + ok.stdout).toContain('Login Succeeded');
    const stored = JSON.parse(await readFile(path.join(config, 'config.json'), 'utf8')) as {
      auths: Record<string, { auth: string }>;
    };
    expect(Buffer.from(stored.auths[host]?.auth ?? '', 'base64').toString()).toBe(
      `${USER.user}:${USER.password}`,
    );

    expect((await docker(['tag', IMAGE, `${host}/cli/bb:1`])).exitCode).toBe(0);
    const pushed = await docker(['push', `${host}/cli/bb:1`]);
    expect(pushed.stderr).toBe('');
    expect(pushed.stdout).toMatch(/^1: digest: sha256:[0-9a-f]{64} size: \d+$/m);
    const digest = /sha256:[0-9a-f]{64}/.exec(pushed.stdout)?.[0];
    expect((await docker(['rmi', `${host}/cli/bb:1`])).exitCode).toBe(0);
    const pulled = await docker(['pull', `${host}/cli/bb:1`]);
    expect(pulled.exitCode).toBe(0);
    expect(pulled.stdout).toContain(`Digest: ${digest}`);
    expect(pulled.stdout).toContain(`Status: Downloaded newer image for ${host}/cli/bb:1`);
    const run = await docker(['run', '--rm', `${host}/cli/bb:1`, 'echo', 'from the registry']);
    expect(run.stdout).toBe('from the registry');
    expect((await docker(['logout', host])).exitCode).toBe(0);
  }, 120_000);
});
