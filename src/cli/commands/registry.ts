// `berth image pull|push`, `berth login|logout`: registry work done by the engine, with the credentials
// `login` stored in Docker's config.json ($DOCKER_CONFIG honoured) and sent along as X-Registry-Auth.

import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { BerthError, isBerthError } from '../../shared/errors.js';
import { missingImageHint } from '../../shared/missing-image.js';
import { eraseCredentials, readCredentials, storeCredentials } from '../../shared/docker-config.js';
import type { ProgressMessage } from '../../engine/api/images.js';
import {
  authKeyOf,
  registryDomainOf,
  registryDomainOfImage,
  type AuthConfig,
} from '../../engine/api/registry.js';
import { jsonLines } from '../../engine/client/index.js';
import { ProgressRenderer } from '../render/transfer-progress.js';
import { withEngine } from './image.js';

type Options = Record<string, unknown>;

export async function pull(options: Options, args: string[]): Promise<void> {
  const name = args[0];
  if (name === undefined)
    throw new BerthError('Usage', 'usage: berth image pull [--platform P] NAME[:TAG|@DIGEST]');
  const auth = await storedAuth(registryDomainOfImage(name));
  await withEngine(async (client) => {
    const response = await client.pullImage(name, {
      ...(typeof options.platform === 'string' ? { platform: options.platform } : {}),
      ...(auth === undefined ? {} : { auth }),
    });
    await render(response, options.quiet === true);
  }).catch((error: unknown) => {
    if (!isBerthError(error)) throw error;
    const hint = missingImageHint(name, error);
    throw hint === error.hint ? error : new BerthError(error.code, error.message, { cause: error, hint });
  });
}

export async function push(options: Options, args: string[]): Promise<void> {
  const input = args[0];
  if (input === undefined) throw new BerthError('Usage', 'usage: berth image push [-a] NAME[:TAG]');
  const { name, tag } = splitTag(input);
  if (options.allTags === true && tag !== undefined) {
    throw new BerthError('Usage', 'a tag cannot be given with --all-tags');
  }
  const auth = await storedAuth(registryDomainOfImage(name));
  await withEngine(async (client) => {
    const response = await client.pushImage(name, {
      tag: options.allTags === true ? '' : (tag ?? 'latest'),
      ...(auth === undefined ? {} : { auth }),
    });
    await render(response, options.quiet === true);
  });
}

export async function login(options: Options, args: string[]): Promise<void> {
  const server = args[0] ?? '';
  const domain = registryDomainOf(server);
  let username = typeof options.username === 'string' ? options.username : undefined;
  let password = typeof options.password === 'string' ? options.password : undefined;
  if (options.passwordStdin === true) {
    if (password !== undefined)
      throw new BerthError('Usage', '--password and --password-stdin are mutually exclusive');
    if (username === undefined)
      throw new BerthError('Usage', 'must provide --username with --password-stdin');
    password = (await readAll(process.stdin)).replace(/\r?\n$/, '');
  }
  if (username === undefined) username = await prompt('Username: ', false);
  if (password === undefined) password = await prompt('Password: ', true);
  if (username === '' || password === '')
    throw new BerthError('Usage', 'username and password must not be empty');
  const key = authKeyOf(domain);
  await withEngine((client) => client.login({ username, password, serveraddress: key }));
  const file = await storeCredentials(key, { username, password });
  process.stderr.write(`credentials stored in ${file}\n`);
  process.stdout.write('Login Succeeded\n');
}

export async function logout(_options: Options, args: string[]): Promise<void> {
  const domain = registryDomainOf(args[0] ?? '');
  const key = authKeyOf(domain);
  if (await eraseCredentials(key)) process.stdout.write(`Removing login credentials for ${key}\n`);
  else process.stdout.write(`Not logged in to ${key}\n`);
}

/** The credentials `login` stored for a registry domain, as the engine takes them. */
export async function storedAuth(domain: string): Promise<AuthConfig | undefined> {
  const key = authKeyOf(domain);
  const stored = await readCredentials(key);
  if (stored === undefined) return undefined;
  return {
    ...(stored.username === undefined ? {} : { username: stored.username, password: stored.password ?? '' }),
    ...(stored.identityToken === undefined ? {} : { identitytoken: stored.identityToken }),
    serveraddress: key,
  };
}

/** `host:5000/app:1` → name `host:5000/app`, tag `1`; a digest stays in the name. */
function splitTag(input: string): { name: string; tag: string | undefined } {
  if (input.includes('@')) return { name: input, tag: undefined };
  const colon = input.lastIndexOf(':');
  return colon > input.lastIndexOf('/')
    ? { name: input.slice(0, colon), tag: input.slice(colon + 1) }
    : { name: input, tag: undefined };
}

async function render(response: Readable, quiet: boolean): Promise<void> {
  const renderer = new ProgressRenderer(
    quiet ? { write: () => true } : process.stdout,
    process.stdout.isTTY === true,
  );
  let failure: string | undefined;
  for await (const line of jsonLines(response)) {
    failure = renderer.handle(JSON.parse(line) as ProgressMessage) ?? failure;
  }
  if (failure !== undefined) throw new BerthError('Unavailable', failure);
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

/** Asks on the terminal; `secret` hides what is typed. Non-interactive input without flags is a usage error. */
async function prompt(question: string, secret: boolean): Promise<string> {
  if (process.stdin.isTTY !== true) {
    throw new BerthError('Usage', 'cannot prompt without a terminal: use --username and --password-stdin');
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  if (secret) {
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
      if (s.includes(question)) process.stderr.write(question);
    };
  }
  try {
    return await new Promise<string>((resolve) => rl.question(question, resolve));
  } finally {
    rl.close();
    if (secret) process.stderr.write('\n');
  }
}
