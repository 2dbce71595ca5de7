// Which compose files to load: the default names searched from the working directory upwards (plus
// the override file beside the one found), or the `-f` arguments made absolute.
// Invariant: returned paths are absolute, except STDIN_FILE (`-`), which the pipeline reads from stdin.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { BerthError } from '../../shared/errors.js';
import type { LoadWarning } from './warnings.js';

/** Docker Compose's names, in order of preference. */
export const DEFAULT_FILE_NAMES = [
  'compose.yaml',
  'compose.yml',
  'docker-compose.yml',
  'docker-compose.yaml',
];
export const DEFAULT_OVERRIDE_FILE_NAMES = [
  'compose.override.yml',
  'compose.override.yaml',
  'docker-compose.override.yml',
  'docker-compose.override.yaml',
];

/** The `-f` value meaning "read the compose file from standard input". */
export const STDIN_FILE = '-';

export function isStdinFile(file: string): boolean {
  return file === STDIN_FILE;
}

/** What discovery needs from the file system (injected so tests need no real directories). */
export interface DiscoveryFs {
  exists(path: string): boolean;
}

const nodeFs: DiscoveryFs = { exists: (file) => existsSync(file) };

export interface DiscoveredFiles {
  files: string[];
  /** The directory of the main file found: relative paths in the files resolve against it. */
  projectDirectory: string;
  warnings: LoadWarning[];
}

/**
 * Looks for a compose file in `workingDir`, then in each parent: the first directory holding one of
 * DEFAULT_FILE_NAMES wins, and the first existing override name there is added after it.
 */
export function findComposeFiles(workingDir: string, fs: DiscoveryFs = nodeFs): DiscoveredFiles {
  let directory = path.resolve(workingDir);
  for (;;) {
    const candidates = existing(DEFAULT_FILE_NAMES, directory, fs);
    const main = candidates[0];
    if (main !== undefined) {
      const warnings: LoadWarning[] = [];
      if (candidates.length > 1) warnings.push(multipleFound('config', candidates, main));
      const files = [main];
      const overrides = existing(DEFAULT_OVERRIDE_FILE_NAMES, directory, fs);
      const override = overrides[0];
      if (override !== undefined) {
        if (overrides.length > 1) warnings.push(multipleFound('override', overrides, override));
        files.push(override);
      }
      return { files, projectDirectory: directory, warnings };
    }
    const parent = path.dirname(directory);
    if (parent === directory) break;
    directory = parent;
  }
  throw new BerthError('NotFound', 'no configuration file provided: not found', {
    hint: `create a compose.yaml here or in a parent directory, or name one with -f (looked for ${DEFAULT_FILE_NAMES.join(', ')})`,
  });
}

function existing(names: readonly string[], directory: string, fs: DiscoveryFs): string[] {
  return names.map((name) => path.join(directory, name)).filter((file) => fs.exists(file));
}

function multipleFound(kind: 'config' | 'override', candidates: string[], chosen: string): LoadWarning {
  return {
    message: `Found multiple ${kind} files with supported names: ${candidates.join(', ')}. Using ${path.basename(chosen)}`,
  };
}

/**
 * The `-f` arguments as absolute paths (relative ones against `workingDir`), `-` kept as STDIN_FILE.
 * A file that does not exist is an error naming it.
 */
export function resolveConfigFileArgs(
  files: readonly string[],
  workingDir: string,
  fs: DiscoveryFs = nodeFs,
): string[] {
  return files.map((file) => {
    if (isStdinFile(file)) return STDIN_FILE;
    const absolute = path.resolve(workingDir, file);
    if (!fs.exists(absolute)) {
      throw new BerthError('NotFound', `compose file not found: ${absolute}`, {
        hint: 'check the path given with -f or COMPOSE_FILE',
      });
    }
    return absolute;
  });
}

/** The project directory Docker Compose uses by default: the first real file's directory, else workingDir. */
export function defaultProjectDirectory(files: readonly string[], workingDir: string): string {
  const first = files.find((file) => !isStdinFile(file));
  return first === undefined ? path.resolve(workingDir) : path.dirname(path.resolve(workingDir, first));
}
