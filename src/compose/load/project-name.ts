// The project name, which prefixes every container, network and volume of the project.
// Invariant: the name returned always matches VALID_PROJECT_NAME. Names the user imposes (-p,
// COMPOSE_PROJECT_NAME) must already be valid; names we infer (`name:`, the directory) are normalised.

import path from 'node:path';
import { BerthError } from '../../shared/errors.js';

export const VALID_PROJECT_NAME = /^[a-z0-9][a-z0-9_-]*$/;

/** Lowercases, drops characters outside [a-z0-9_-], and trims leading `_` and `-`. */
export function normaliseProjectName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/^[_-]+/, '');
}

export interface ProjectNameSources {
  /** `-p` / `--project-name`. */
  flag?: string | undefined;
  /** COMPOSE_PROJECT_NAME (OS environment or `.env`). */
  env?: string | undefined;
  /** The top-level `name:` of the merged files, already interpolated. */
  fromFile?: string | undefined;
  projectDirectory: string;
}

/** Precedence: -p, then COMPOSE_PROJECT_NAME, then `name:`, then the project directory's base name. */
export function resolveProjectName(sources: ProjectNameSources): string {
  if (sources.flag) return imposed(sources.flag, 'the --project-name flag');
  if (sources.env) return imposed(sources.env, 'COMPOSE_PROJECT_NAME');
  if (sources.fromFile) {
    const fromFile = normaliseProjectName(sources.fromFile);
    if (fromFile !== '') return fromFile;
  }
  const base = path.basename(path.resolve(sources.projectDirectory));
  const fromDirectory = normaliseProjectName(base);
  if (fromDirectory === '') {
    throw new BerthError(
      'InvalidArgument',
      `project name must not be empty (directory ${JSON.stringify(base)})`,
      {
        hint: 'set a name with -p, COMPOSE_PROJECT_NAME or a top-level name: in the compose file',
      },
    );
  }
  return fromDirectory;
}

function imposed(name: string, source: string): string {
  if (VALID_PROJECT_NAME.test(name)) return name;
  throw new BerthError(
    'InvalidArgument',
    `invalid project name ${JSON.stringify(name)}: must contain only lowercase letters, decimal digits, dashes, and underscores, and must begin with a lowercase letter or decimal digit`,
    { hint: `fix the name given by ${source}` },
  );
}
