// `berth login|logout` and `berth image pull|push` (the built CLI bundle) against docker-registry with htpasswd
// auth on 127.0.0.1: credentials written to $DOCKER_CONFIG/config.json as Docker writes them, and used by push
// and pull; wrong passwords and logged-out pulls fail with clear messages.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBusyboxTar } from '../../helpers/rootfs.js';
import { buildBerthBundle } from '../server/bundle.js';
import { startTestEngine, type TestEngine } from '../server/engine-fixture.js';
import { startRegistry, type Registry } from './registry-fixture.js';

const USER = { user: 'cli-user', password: 's3cret' };
let engine: TestEngine;
let registry: Registry;
let bundle: string;
let dockerConfig: string;

function berth(args: string[], input?: string) {
  return execa(process.execPath, [bundle, ...args], {
    env: {
      BERTH_ROOT: engine.config.root,
      BERTH_RUN: engine.config.runDir,
      BERTH_HOST: `unix://${engine.config.socket}`,
      DOCKER_CONFIG: dockerConfig,
    },
    reject: false,
    encoding: 'utf8',
    timeout: 60_000,
    ...(input === undefined ? {} : { input }),
  });
}

beforeAll(async () => {
  engine = await startTestEngine();
  registry = await startRegistry({ htpasswd: USER });
  bundle = await buildBerthBundle(path.join(engine.dir, 'bundle'));
  dockerConfig = path.join(engine.dir, 'docker-config');
  await mkdir(dockerConfig, { recursive: true });
  const tar = path.join(engine.dir, 'busybox.tar');
  await makeBusyboxTar(tar);
  const imported = await berth(['image', 'import', '-c', 'CMD ["sh"]', tar, `${registry.host}/cli/bb:1`]);
  expect(imported.exitCode).toBe(0);
}, 120_000);

afterAll(async () => {
  await registry?.stop();
  await engine?.cleanup();
});

describe('berth login, push, pull, logout', () => {
  it('refuses a wrong password, then logs in and stores Docker-compatible credentials', async () => {
    const wrong = await berth(['login', registry.host, '-u', USER.user, '--password-stdin'], 'bad\n');
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stderr).toContain(`login to ${registry.host} failed: unauthorized`);
    const ok = await berth(
      ['login', registry.host, '-u', USER.user, '--password-stdin'],
      `${USER.password}\n`,
    );
    expect(ok.stdout.trim()).toBe('Login Succeeded');
    const stored = JSON.parse(await readFile(path.join(dockerConfig, 'config.json'), 'utf8')) as {
      auths: Record<string, { auth: string }>;
    };
    expect(Buffer.from(stored.auths[registry.host]?.auth ?? '', 'base64').toString()).toBe(
      `${USER.user}:${USER.password}`,
    );
  });

  it('pushes with the stored credentials, and pulls back after removal', async () => {
    const name = `${registry.host}/cli/bb:1`;
    const pushed = await berth(['image', 'push', name]);
    expect(pushed.stderr).toBe('');
    expect(pushed.stdout).toContain(`The push refers to repository [${registry.host}/cli/bb]`);
    expect(pushed.stdout).toMatch(/: Pushed$/m);
    expect(pushed.stdout).toMatch(/^1: digest: sha256:[0-9a-f]{64} size: \d+$/m);
    expect((await berth(['image', 'rm', name])).exitCode).toBe(0);
    const pulled = await berth(['image', 'pull', '--platform', 'linux/amd64', name]);
    expect(pulled.stderr).toBe('');
    expect(pulled.stdout).toMatch(/: Pull complete$/m);
    expect(pulled.stdout).toContain(`Status: Downloaded newer image for ${name}`);
    expect(pulled.stdout).not.toContain('Downloading');
  }, 60_000);

  it('logs out, after which a pull is denied', async () => {
    const out = await berth(['logout', registry.host]);
    expect(out.stdout.trim()).toBe(`Removing login credentials for ${registry.host}`);
    const denied = await berth(['image', 'pull', `${registry.host}/cli/bb:1`]);
    expect(denied.exitCode).toBe(1);
    expect(denied.stderr).toContain(
      `pull access denied for ${registry.host}/cli/bb, repository does not exist or may require authentication`,
    );
    const again = await berth(['logout', registry.host]);
    expect(again.stdout.trim()).toBe(`Not logged in to ${registry.host}`);
  });
});
