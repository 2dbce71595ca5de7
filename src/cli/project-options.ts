// Global command-line options plus the process environment → the compose loader's options.

import type { LoadOptions } from '../compose/load/index.js';
import type { GlobalOptions } from './global-options.js';

export function loadOptionsFrom(
  globals: GlobalOptions,
  extra: Partial<Pick<LoadOptions, 'services' | 'interpolate' | 'resolvePaths' | 'consistency'>> = {},
): LoadOptions {
  return {
    workingDir: process.cwd(),
    configFiles: globals.file,
    projectName: globals.projectName,
    projectDirectory: globals.projectDirectory,
    profiles: globals.profile,
    envFiles: globals.envFile,
    allResources: globals.allResources === true,
    osEnv: process.env,
    readStdin: readAllStdin,
    ...extra,
  };
}

async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
