// Debian's docker-registry (distribution) on 127.0.0.1 with its own storage dir, optionally behind htpasswd
// basic auth; and a front proxy the tests put before it to demand bearer tokens (with a token endpoint of its
// own), flip a byte of a blob, or cut a blob download once. Everything listens on loopback only, and stop()
// ends the registry by its PID.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

export interface Registry {
  /** `127.0.0.1:<port>` */
  host: string;
  dir: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A bcrypt htpasswd line (what docker-registry accepts), made by Python's crypt (libxcrypt). */
export async function htpasswdLine(user: string, password: string): Promise<string> {
  const { stdout } = await execa('python3', [
    '-W',
    'ignore',
    '-c',
    'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1<<5)))',
    password,
  ]);
  return `${user}:${stdout.trim()}\n`;
}

export async function startRegistry(
  options: { htpasswd?: { user: string; password: string } } = {},
): Promise<Registry> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'berth-reg-'));
  const port = await freePort();
  const lines = [
    'version: 0.1',
    'log:',
    '  level: error',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${path.join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
  ];
  if (options.htpasswd !== undefined) {
    const file = path.join(dir, 'htpasswd');
    await writeFile(file, await htpasswdLine(options.htpasswd.user, options.htpasswd.password));
    lines.push('auth:', '  htpasswd:', '    realm: berth-test', `    path: ${file}`);
  }
  await mkdir(path.join(dir, 'data'), { recursive: true });
  const config = path.join(dir, 'config.yml');
  await writeFile(config, `${lines.join('\n')}\n`);
  const child: ChildProcess = spawn('/usr/bin/docker-registry', ['serve', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 4000) stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const response = await fetch(`http://${host}/v2/`);
      await response.body?.cancel();
      break;
    } catch {
      if (Date.now() > deadline || child.exitCode !== null) {
        child.kill('SIGKILL');
        throw new Error(`docker-registry did not start: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    host,
    dir,
    async stop() {
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface FrontOptions {
  /** Demand `Bearer <token>`; the token comes from GET /token with these basic credentials. */
  bearer?: { user: string; password: string };
  /** Flip one byte in the middle of GET bodies of this blob. */
  corruptBlob?: string;
  /** Cut the connection once, after about half of this blob's bytes. */
  cutBlobOnce?: string;
  /** Answer blob GETs with a 307 to this other front (`host:port`), as registries redirect to a CDN. */
  redirectBlobsTo?: string;
}

export interface Front {
  host: string;
  /** Range headers seen on blob GETs. */
  ranges: string[];
  /** Token requests seen: their scope parameters. */
  tokenScopes: string[];
  /** Authorization headers of every request this front received (empty string when none). */
  authorizations: string[];
  stop(): Promise<void>;
}

/** An HTTP front on 127.0.0.1 that forwards to `target` (host:port) and misbehaves as told. */
export async function startFront(target: string, options: FrontOptions): Promise<Front> {
  const token = randomBytes(16).toString('hex');
  const ranges: string[] = [];
  const tokenScopes: string[] = [];
  const authorizations: string[] = [];
  let cut = false;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://front');
    const host = req.headers.host ?? '';
    authorizations.push(req.headers.authorization ?? '');
    if (options.bearer !== undefined && url.pathname === '/token') {
      tokenScopes.push(url.searchParams.getAll('scope').join(' '));
      const expected = `Basic ${Buffer.from(`${options.bearer.user}:${options.bearer.password}`).toString('base64')}`;
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'Content-Type': 'application/json' });
        res.end('{"details":"incorrect username or password"}');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ token, expires_in: 300 }));
      return;
    }
    if (options.bearer !== undefined && req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401, {
        'Content-Type': 'application/json',
        'WWW-Authenticate': `Bearer realm="http://${host}/token",service="berth-test",scope="repository:${repoOf(url.pathname)}:pull"`,
      });
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    if (
      options.redirectBlobsTo !== undefined &&
      req.method === 'GET' &&
      /\/blobs\/sha256:/.test(url.pathname)
    ) {
      res.writeHead(307, { Location: `http://${options.redirectBlobsTo}${req.url ?? ''}` });
      res.end();
      return;
    }
    const headers = { ...req.headers };
    delete headers.authorization;
    const blob = /\/blobs\/(sha256:[0-9a-f]{64})$/.exec(url.pathname)?.[1];
    if (blob !== undefined && req.method === 'GET') ranges.push(String(req.headers.range ?? ''));
    const upstream = http.request(
      { host: '127.0.0.1', port: Number(target.split(':')[1]), method: req.method, path: req.url, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        const length = Number(answer.headers['content-length'] ?? 0);
        let seen = 0;
        const misbehave =
          req.method === 'GET' &&
          blob !== undefined &&
          answer.statusCode !== undefined &&
          answer.statusCode < 300;
        answer.on('data', (chunk: Buffer) => {
          let out = chunk;
          if (
            misbehave &&
            blob === options.corruptBlob &&
            seen <= length / 2 &&
            seen + chunk.length > length / 2
          ) {
            out = Buffer.from(chunk);
            const at = Math.floor(length / 2) - seen;
            out[at] = (out[at] ?? 0) ^ 0xff;
          }
          if (misbehave && blob === options.cutBlobOnce && !cut && seen + chunk.length > length / 2) {
            cut = true;
            res.write(out.subarray(0, Math.max(1, Math.floor(length / 2) - seen)));
            res.socket?.destroy();
            answer.destroy();
            return;
          }
          seen += chunk.length;
          res.write(out);
        });
        answer.on('end', () => res.end());
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    ranges,
    tokenScopes,
    authorizations,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function repoOf(pathname: string): string {
  const match = /^\/v2\/(.+?)\/(manifests|blobs|tags)\//.exec(pathname);
  return match?.[1] ?? '';
}
