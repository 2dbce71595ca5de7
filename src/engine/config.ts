// The one configuration object of an engine: where its state, runtime files and socket live, which OCI runtime
// it drives, and the names and addresses its networks may use. Invariant: every path the engine touches is
// derived from this object (never hard-coded), so isolated engines run side by side on one host.

import path from 'node:path';
import { BerthError } from '../shared/errors.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface SubnetPool {
  /** The range networks are carved from, as a CIDR (e.g. 10.213.0.0/16). */
  readonly base: string;
  /** The prefix length of each network's subnet (e.g. 24). */
  readonly size: number;
}

export interface EngineConfig {
  /** State root: images, layers, container records. Locked by one engine at a time. */
  readonly root: string;
  /** Runtime files that do not survive a reboot: socket, pid file, log, runtime state. */
  readonly runDir: string;
  /** Path of the unix socket the API is served on. */
  readonly socket: string;
  /** OCI runtime binary (a name looked up on PATH, or a path). */
  readonly runtime: string;
  /** Prefix of the Linux bridges the engine creates (kept short: interface names have 15 characters). */
  readonly bridgePrefix: string;
  readonly subnetPool: SubnetPool;
  readonly logLevel: LogLevel;
  /** The engine's own log (request log, errors); `berth engine logs` prints it. */
  readonly logFile: string;
  /** Holds the pid of the running engine; present only while it runs. */
  readonly pidFile: string;
  /** runc's `--root`: its state directory, one per engine so engines never see each other's containers. */
  readonly runtimeStateDir: string;
  /** Where container monitors (conmon) write exit codes, pid files and attach sockets. */
  readonly monitor: {
    readonly exitsDir: string;
    readonly pidsDir: string;
    readonly socketsDir: string;
  };
  /** Registry access: Docker Hub mirrors (tried first) and registries spoken to over plain HTTP. */
  readonly registry: RegistrySettings;
}

export interface RegistrySettings {
  /** Base URLs of Docker Hub mirrors, e.g. `https://mirror.example.com`. */
  readonly mirrors: readonly string[];
  /** `host[:port]` of registries reached over plain HTTP, besides loopback ones (always allowed). */
  readonly insecure: readonly string[];
}

export const DEFAULT_ROOT = '/var/lib/berth';
export const DEFAULT_RUN_DIR = '/run/berth';
export const DEFAULT_SUBNET_POOL: SubnetPool = { base: '10.213.0.0/16', size: 24 };
const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

/**
 * Reads the configuration from the environment (BERTH_ROOT, BERTH_RUN, BERTH_HOST, BERTH_RUNTIME,
 * BERTH_BRIDGE_PREFIX, BERTH_SUBNET_POOL, BERTH_SUBNET_SIZE, BERTH_LOG_LEVEL, BERTH_REGISTRY_MIRRORS,
 * BERTH_INSECURE_REGISTRIES — both comma-separated), with defaults for a root engine.
 *
 *   resolveEngineConfig({ BERTH_ROOT: '/tmp/a', BERTH_RUN: '/tmp/a/run' }).socket === '/tmp/a/run/berth.sock'
 */
export function resolveEngineConfig(env: NodeJS.ProcessEnv = process.env): EngineConfig {
  const root = absolute(nonEmpty(env.BERTH_ROOT) ?? DEFAULT_ROOT, 'BERTH_ROOT');
  const runDir = absolute(nonEmpty(env.BERTH_RUN) ?? DEFAULT_RUN_DIR, 'BERTH_RUN');
  const host = nonEmpty(env.BERTH_HOST);
  return {
    root,
    runDir,
    socket: host === undefined ? path.join(runDir, 'berth.sock') : socketPathOfHost(host),
    runtime: nonEmpty(env.BERTH_RUNTIME) ?? 'runc',
    bridgePrefix: parseBridgePrefix(nonEmpty(env.BERTH_BRIDGE_PREFIX) ?? 'berth'),
    subnetPool: parseSubnetPool(
      nonEmpty(env.BERTH_SUBNET_POOL) ?? DEFAULT_SUBNET_POOL.base,
      nonEmpty(env.BERTH_SUBNET_SIZE) ?? String(DEFAULT_SUBNET_POOL.size),
    ),
    logLevel: parseLogLevel(nonEmpty(env.BERTH_LOG_LEVEL) ?? 'info'),
    logFile: path.join(runDir, 'engine.log'),
    pidFile: path.join(runDir, 'engine.pid'),
    runtimeStateDir: path.join(runDir, 'runc'),
    monitor: {
      exitsDir: path.join(runDir, 'exits'),
      pidsDir: path.join(runDir, 'monitor'),
      socketsDir: path.join(runDir, 'sockets'),
    },
    registry: {
      mirrors: parseMirrors(env.BERTH_REGISTRY_MIRRORS),
      insecure: commaList(env.BERTH_INSECURE_REGISTRIES),
    },
  };
}

/** The environment that makes another process (e.g. an auto-started engine) resolve the same config. */
export function engineConfigEnv(config: EngineConfig): Record<string, string> {
  return {
    BERTH_ROOT: config.root,
    BERTH_RUN: config.runDir,
    BERTH_HOST: `unix://${config.socket}`,
    BERTH_RUNTIME: config.runtime,
    BERTH_BRIDGE_PREFIX: config.bridgePrefix,
    BERTH_SUBNET_POOL: config.subnetPool.base,
    BERTH_SUBNET_SIZE: String(config.subnetPool.size),
    BERTH_LOG_LEVEL: config.logLevel,
    BERTH_REGISTRY_MIRRORS: config.registry.mirrors.join(','),
    BERTH_INSECURE_REGISTRIES: config.registry.insecure.join(','),
  };
}

/** `unix:///run/x.sock` or a bare absolute path → the socket path. Other schemes are not served. */
export function socketPathOfHost(host: string): string {
  if (host.startsWith('unix://')) return absolute(host.slice('unix://'.length), 'BERTH_HOST');
  if (host.includes('://')) {
    throw new BerthError('InvalidArgument', `BERTH_HOST must be a unix socket (unix:///path), not ${host}`);
  }
  return absolute(host, 'BERTH_HOST');
}

export function parseSubnetPool(base: string, size: string): SubnetPool {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(base);
  const octets = match?.slice(1, 5).map(Number) ?? [];
  const prefix = Number(match?.[5]);
  if (!match || octets.some((o) => o > 255) || prefix > 30) {
    throw new BerthError(
      'InvalidArgument',
      `BERTH_SUBNET_POOL must be an IPv4 CIDR such as 10.213.0.0/16, not ${base}`,
    );
  }
  const subnetSize = Number(size);
  if (!Number.isInteger(subnetSize) || subnetSize < prefix || subnetSize > 30) {
    throw new BerthError(
      'InvalidArgument',
      `BERTH_SUBNET_SIZE must be a prefix length between ${prefix} and 30, not ${size}`,
    );
  }
  return { base, size: subnetSize };
}

function parseBridgePrefix(prefix: string): string {
  // Bridges are named <prefix><hex id>; leave room for at least 6 characters of id within IFNAMSIZ (15).
  if (!/^[a-z][a-z0-9-]{0,8}$/.test(prefix)) {
    throw new BerthError(
      'InvalidArgument',
      `BERTH_BRIDGE_PREFIX must be 1-9 lowercase letters, digits or '-', starting with a letter, not ${prefix}`,
    );
  }
  return prefix;
}

function parseLogLevel(level: string): LogLevel {
  const lower = level.toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(lower)) return lower as LogLevel;
  throw new BerthError(
    'InvalidArgument',
    `BERTH_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not ${level}`,
  );
}

function absolute(value: string, name: string): string {
  if (!path.isAbsolute(value))
    throw new BerthError('InvalidArgument', `${name} must be an absolute path, not ${value}`);
  return path.normalize(value);
}

function commaList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Mirrors are URLs (`https://host[:port][/path]`); a bare host means https. */
function parseMirrors(value: string | undefined): string[] {
  return commaList(value).map((item) => {
    const url = item.includes('://') ? item : `https://${item}`;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new BerthError('InvalidArgument', `BERTH_REGISTRY_MIRRORS: not a URL: ${item}`);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw new BerthError('InvalidArgument', `BERTH_REGISTRY_MIRRORS: ${item} must be an http(s) URL`);
    }
    return parsed.href.replace(/\/+$/, '');
  });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
