// The environment used to interpolate compose files, built as Docker Compose builds it, and the
// COMPOSE_* settings read from it.
// Invariant: the OS environment always wins over env files; among env files the later one wins; each
// env file is interpolated with the OS environment first, then what the files before it (and its own
// earlier lines) defined.
//
// Docker Compose reads the working directory's `.env` before it looks for compose files (so
// COMPOSE_FILE, COMPOSE_PROFILES and COMPOSE_PROJECT_NAME may live there), and reads the project
// directory's `.env` again once the files are known. To do the second pass, call
// resolveProjectEnvironment again with the new projectDirectory and `inherited` set to the first
// pass's environment: what is already set keeps its value.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BerthError } from '../../shared/errors.js';
import { parseDotEnvInto } from './dotenv.js';
import type { WarningSink } from './warnings.js';

/** Reads a file's text, or undefined when there is no such file. */
export type ReadTextFile = (path: string) => string | undefined;

export interface ProjectEnvironmentInput {
  /** Where the default `.env` is looked for. */
  projectDirectory: string;
  /** `--env-file` values, in order; relative ones are resolved against `workingDirectory`. */
  envFiles?: string[] | undefined;
  /** The directory the command runs in (default: projectDirectory). */
  workingDirectory?: string | undefined;
  osEnv: Readonly<Record<string, string | undefined>>;
  /** Values from an earlier pass; they win over env files, like the OS environment. */
  inherited?: ReadonlyMap<string, string> | undefined;
  readFile?: ReadTextFile | undefined;
  warn?: WarningSink | undefined;
  /** Errors name env files relative to this directory (default: workingDirectory). */
  displayDirectory?: string | undefined;
}

export interface ProjectEnvironment {
  environment: Map<string, string>;
  /** The env files actually read, absolute, in order. */
  files: string[];
}

export function resolveProjectEnvironment(input: ProjectEnvironmentInput): ProjectEnvironment {
  const readFile = input.readFile ?? readTextFile;
  const workingDirectory = input.workingDirectory ?? input.projectDirectory;
  const shownFrom = input.displayDirectory ?? workingDirectory;
  const base = new Map<string, string>();
  for (const [key, value] of Object.entries(input.osEnv)) if (value !== undefined) base.set(key, value);
  for (const [key, value] of input.inherited ?? []) if (!base.has(key)) base.set(key, value);

  const explicit = explicitEnvFiles(input.envFiles, input.osEnv);
  const fileValues = new Map<string, string>();
  const files: string[] = [];
  const lookup = (name: string): string | undefined => base.get(name);

  if (explicit.length > 0) {
    for (const file of explicit) {
      const absolute = path.resolve(workingDirectory, file);
      const text = readFile(absolute);
      if (text === undefined) throw new BerthError('InvalidArgument', `couldn't find env file: ${absolute}`);
      parseDotEnvInto(text, displayName(absolute, shownFrom), lookup, fileValues, input.warn);
      files.push(absolute);
    }
  } else if (!settingIsTrue(input.osEnv, 'COMPOSE_DISABLE_ENV_FILE')) {
    const absolute = path.resolve(input.projectDirectory, '.env');
    const text = readDefaultEnvFile(readFile, absolute);
    if (text !== undefined) {
      parseDotEnvInto(text, displayName(absolute, shownFrom), lookup, fileValues, input.warn);
      files.push(absolute);
    }
  }

  const environment = new Map(base);
  for (const [key, value] of fileValues) if (!environment.has(key)) environment.set(key, value);
  return { environment, files };
}

/** Env files are named in errors as compose files are: relative to the working directory when inside it. */
function displayName(file: string, workingDirectory: string): string {
  const relative = path.relative(workingDirectory, file);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

/** `--env-file` flags, else COMPOSE_ENV_FILES (comma separated) from the OS environment. */
function explicitEnvFiles(
  flags: string[] | undefined,
  osEnv: Readonly<Record<string, string | undefined>>,
): string[] {
  if (flags && flags.length > 0) return flags;
  return (osEnv['COMPOSE_ENV_FILES'] ?? '').split(',').filter((file) => file !== '');
}

/** The default `.env` is optional: absent or a directory means none. */
function readDefaultEnvFile(readFile: ReadTextFile, file: string): string | undefined {
  try {
    return readFile(file);
  } catch (error) {
    if (error instanceof BerthError && error.message.endsWith('is a directory')) return undefined;
    throw error;
  }
}

function readTextFile(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (code === 'EISDIR')
      throw new BerthError('InvalidArgument', `${file} is a directory`, { cause: error });
    throw new BerthError('InvalidArgument', `cannot read env file ${file}`, { cause: error });
  }
}

const TRUE_WORDS = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const FALSE_WORDS = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

/** A boolean setting as Go's strconv.ParseBool reads it; anything else is a user error. */
function settingIsTrue(
  env: Readonly<Record<string, string | undefined>> | ReadonlyMap<string, string>,
  name: string,
): boolean {
  const value = env instanceof Map ? env.get(name) : (env as Record<string, string | undefined>)[name];
  if (value === undefined) return false;
  if (TRUE_WORDS.has(value)) return true;
  if (FALSE_WORDS.has(value)) return false;
  throw new BerthError('InvalidArgument', `invalid boolean value ${JSON.stringify(value)} for ${name}`);
}

export interface ComposeSettings {
  /** COMPOSE_FILE, split by COMPOSE_PATH_SEPARATOR (default `:`). Paths as written. */
  files?: string[];
  /** COMPOSE_PROJECT_NAME, when not empty. */
  projectName?: string;
  /** COMPOSE_PROFILES, comma separated, trimmed. */
  profiles?: string[];
  /** COMPOSE_ENV_FILES, comma separated. */
  envFiles?: string[];
  /** COMPOSE_DISABLE_ENV_FILE. */
  disableEnvFile: boolean;
}

/** The COMPOSE_* settings of an environment (the OS environment merged with `.env`). */
export function composeSettings(
  env: ReadonlyMap<string, string> | Readonly<Record<string, string | undefined>>,
): ComposeSettings {
  const get = (name: string): string | undefined =>
    env instanceof Map ? env.get(name) : (env as Record<string, string | undefined>)[name];
  const settings: ComposeSettings = { disableEnvFile: settingIsTrue(env, 'COMPOSE_DISABLE_ENV_FILE') };

  const composeFile = get('COMPOSE_FILE');
  if (composeFile !== undefined && composeFile !== '') {
    const separator = get('COMPOSE_PATH_SEPARATOR') || path.delimiter;
    settings.files = composeFile.split(separator).filter((file) => file !== '');
  }
  const projectName = get('COMPOSE_PROJECT_NAME');
  if (projectName !== undefined && projectName !== '') settings.projectName = projectName;
  const profiles = get('COMPOSE_PROFILES');
  if (profiles !== undefined) {
    const list = profiles
      .split(',')
      .map((profile) => profile.trim())
      .filter((profile) => profile !== '');
    if (list.length > 0) settings.profiles = list;
  }
  const envFiles = get('COMPOSE_ENV_FILES');
  if (envFiles !== undefined) {
    const list = envFiles.split(',').filter((file) => file !== '');
    if (list.length > 0) settings.envFiles = list;
  }
  return settings;
}
