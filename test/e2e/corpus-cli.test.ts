// The corpus's error cases through the built CLI: the bundle validates with the schema validator generated
// at build time, so this proves it reports exactly what the run-time compiled one (the unit corpus) does.

import { execa } from 'execa';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const berth = path.resolve('bin/berth.js');
const casesDir = path.resolve('test/corpus/cases');

interface CaseSpec {
  args?: {
    configFiles?: string[];
    profiles?: string[];
    projectName?: string;
    projectDirectory?: string;
    envFiles?: string[];
    services?: string[];
    interpolate?: boolean;
  };
  env?: Record<string, string>;
}

function cliArgs(spec: CaseSpec): string[] {
  const args = spec.args ?? {};
  return [
    ...(args.configFiles ?? []).flatMap((file) => ['-f', file]),
    ...(args.profiles ?? []).flatMap((profile) => ['--profile', profile]),
    ...(args.envFiles ?? []).flatMap((file) => ['--env-file', file]),
    ...(args.projectName ? ['-p', args.projectName] : []),
    ...(args.projectDirectory ? ['--project-directory', args.projectDirectory] : []),
    'config',
    '-q',
    ...(args.interpolate === false ? ['--no-interpolate'] : []),
    ...(args.services ?? []),
  ];
}

const errorCases = readdirSync(casesDir)
  .filter((name) => existsSync(path.join(casesDir, name, 'expected-error.txt')))
  .sort();

describe('corpus error cases through the bundle', () => {
  it.each(errorCases)('%s', async (name) => {
    const dir = path.join(casesDir, name);
    const specFile = path.join(dir, 'case.json');
    const spec: CaseSpec = existsSync(specFile) ? JSON.parse(readFileSync(specFile, 'utf8')) : {};
    const expected = readFileSync(path.join(dir, 'expected-error.txt'), 'utf8')
      .replaceAll('${CASE_DIR}', dir)
      .trimEnd();
    // Only the case's environment, plus PATH so node can start.
    const result = await execa(berth, cliArgs(spec), {
      cwd: dir,
      reject: false,
      extendEnv: false,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...spec.env },
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(expected);
  });
});
