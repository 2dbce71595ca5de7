// Registry credentials in Docker's config.json (`$DOCKER_CONFIG/config.json`, default ~/.docker/config.json),
// shared by `berth login` (which writes them) and the engine (which reads them when a client sends none).
// Reads `credHelpers` (per registry), then `credsStore` (all registries), then `auths` (base64 user:password),
// the order the docker CLI uses. Invariant: the file is rewritten whole through a temp file with mode 0600, and
// keys this module does not know are kept as they were.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { BerthError } from './errors.js';

export interface RegistryCredentials {
  username?: string;
  password?: string;
  /** An OAuth refresh token (Docker's `identitytoken`), exchanged for bearer tokens. */
  identityToken?: string;
  /** A bearer token to send as is (Docker's `registrytoken`). */
  registryToken?: string;
}

interface ConfigFile {
  auths?: Record<string, { auth?: string; identitytoken?: string; username?: string; password?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
  [other: string]: unknown;
}

const HELPER_TIMEOUT_MS = 15_000;
/** A helper's username that marks the secret as an identity token. */
const TOKEN_USERNAME = '<token>';

export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const dir =
    env.DOCKER_CONFIG !== undefined && env.DOCKER_CONFIG !== ''
      ? env.DOCKER_CONFIG
      : join(homedir(), '.docker');
  return join(dir, 'config.json');
}

/** The credentials stored for a registry key (`https://index.docker.io/v1/`, `host:port`), if any. */
export async function readCredentials(
  key: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RegistryCredentials | undefined> {
  const config = await readConfig(dockerConfigPath(env));
  const helper = config.credHelpers?.[key] ?? config.credsStore;
  if (helper !== undefined && helper !== '') {
    const fromHelper = await helperGet(helper, key);
    if (fromHelper !== undefined) return fromHelper;
  }
  const entry = candidateKeys(key)
    .map((k) => config.auths?.[k])
    .find((e) => e !== undefined);
  if (entry === undefined) return undefined;
  const credentials: RegistryCredentials = {};
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      credentials.username = decoded.slice(0, colon);
      credentials.password = decoded.slice(colon + 1);
    }
  } else if (typeof entry.username === 'string') {
    credentials.username = entry.username;
    credentials.password = entry.password ?? '';
  }
  if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') {
    credentials.identityToken = entry.identitytoken;
  }
  return Object.keys(credentials).length === 0 ? undefined : credentials;
}

/** Stores credentials for a registry key: in the configured helper, else base64 in `auths`. */
export async function storeCredentials(
  key: string,
  credentials: { username: string; password: string },
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const path = dockerConfigPath(env);
  const config = await readConfig(path);
  const helper = config.credHelpers?.[key] ?? config.credsStore;
  config.auths ??= {};
  if (helper !== undefined && helper !== '') {
    await runHelper(
      helper,
      'store',
      JSON.stringify({ ServerURL: key, Username: credentials.username, Secret: credentials.password }),
    );
    config.auths[key] = {};
  } else {
    config.auths[key] = {
      auth: Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64'),
    };
  }
  await writeConfig(path, config);
  return path;
}

/** Removes a registry's credentials; false when none were stored. */
export async function eraseCredentials(key: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const path = dockerConfigPath(env);
  const config = await readConfig(path);
  const helper = config.credHelpers?.[key] ?? config.credsStore;
  let found = false;
  if (helper !== undefined && helper !== '') {
    found = (await helperGet(helper, key)) !== undefined;
    if (found) await runHelper(helper, 'erase', key);
  }
  for (const k of candidateKeys(key)) {
    if (config.auths?.[k] !== undefined) {
      delete config.auths[k];
      found = true;
    }
  }
  if (found) await writeConfig(path, config);
  return found;
}

/** `host:port` entries may have been written as URLs by other tools. */
function candidateKeys(key: string): string[] {
  return key.includes('://')
    ? [key]
    : [key, `https://${key}`, `http://${key}`, `https://${key}/`, `http://${key}/`];
}

async function readConfig(path: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as ConfigFile) : {};
  } catch (error) {
    throw new BerthError('InvalidArgument', `${path} is not valid JSON`, { cause: error });
  }
}

async function writeConfig(path: string, config: ConfigFile): Promise<void> {
  const dir = join(path, '..');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `.config.json.${randomBytes(6).toString('hex')}`);
  try {
    await writeFile(temp, `${JSON.stringify(config, null, '\t')}\n`, { mode: 0o600 });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

async function helperGet(helper: string, key: string): Promise<RegistryCredentials | undefined> {
  let output: string;
  try {
    output = await runHelper(helper, 'get', key);
  } catch (error) {
    // An absent helper or "credentials not found" both mean: nothing stored there.
    if (error instanceof BerthError && /not found|ENOENT/i.test(error.message)) return undefined;
    throw error;
  }
  const parsed = JSON.parse(output) as { Username?: string; Secret?: string };
  if (parsed.Username === TOKEN_USERNAME) return { identityToken: parsed.Secret ?? '' };
  return { username: parsed.Username ?? '', password: parsed.Secret ?? '' };
}

function runHelper(helper: string, action: 'get' | 'store' | 'erase', input: string): Promise<string> {
  const program = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    const child = execFile(program, [action], { timeout: HELPER_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error === null) {
        resolve(stdout);
        return;
      }
      const detail = `${stdout}${stderr}`.trim() || error.message;
      reject(
        new BerthError('Unavailable', `credential helper ${program} ${action} failed: ${detail}`, {
          cause: error,
        }),
      );
    });
    child.stdin?.end(input);
  });
}
