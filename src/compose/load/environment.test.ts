import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BerthError } from '../../shared/errors.js';
import { composeSettings, resolveProjectEnvironment } from './environment.js';
import type { ReadTextFile } from './environment.js';

function files(contents: Record<string, string>): ReadTextFile {
  return (file) => contents[file];
}

describe('resolveProjectEnvironment', () => {
  it('reads <projectDirectory>/.env by default, the OS environment winning', () => {
    const result = resolveProjectEnvironment({
      projectDirectory: '/p',
      osEnv: { TAG: 'from-os', HOME: '/home/me', UNSET: undefined },
      readFile: files({ '/p/.env': 'TAG=from-file\nPORT=8080\nDATA=${HOME}/data\n' }),
    });
    expect(Object.fromEntries(result.environment)).toEqual({
      TAG: 'from-os',
      HOME: '/home/me',
      PORT: '8080',
      DATA: '/home/me/data',
    });
    expect(result.files).toEqual(['/p/.env']);
  });

  it('works without any .env file', () => {
    const result = resolveProjectEnvironment({
      projectDirectory: '/p',
      osEnv: { A: '1' },
      readFile: files({}),
    });
    expect(Object.fromEntries(result.environment)).toEqual({ A: '1' });
    expect(result.files).toEqual([]);
  });

  it('uses --env-file instead of .env, later files winning and seeing earlier ones', () => {
    const result = resolveProjectEnvironment({
      projectDirectory: '/p',
      workingDirectory: '/cwd',
      envFiles: ['one.env', '/abs/two.env'],
      osEnv: {},
      readFile: files({
        '/p/.env': 'IGNORED=1\n',
        '/cwd/one.env': 'A=1\nB=one\n',
        '/abs/two.env': 'B=two\nC=${A}-${B}\n',
      }),
    });
    expect(Object.fromEntries(result.environment)).toEqual({ A: '1', B: 'two', C: '1-two' });
    expect(result.files).toEqual(['/cwd/one.env', '/abs/two.env']);
  });

  it('uses COMPOSE_ENV_FILES when no --env-file is given', () => {
    const result = resolveProjectEnvironment({
      projectDirectory: '/p',
      osEnv: { COMPOSE_ENV_FILES: 'a.env,,b.env' },
      readFile: files({ '/p/a.env': 'A=1\n', '/p/b.env': 'B=2\n', '/p/.env': 'C=3\n' }),
    });
    expect(result.environment.get('A')).toBe('1');
    expect(result.environment.get('B')).toBe('2');
    expect(result.environment.has('C')).toBe(false);
    expect(result.files).toEqual(['/p/a.env', '/p/b.env']);
  });

  it('names an env file relative to the working directory in syntax errors', () => {
    const failure = (workingDirectory: string) => {
      try {
        resolveProjectEnvironment({
          projectDirectory: '/p',
          workingDirectory,
          osEnv: {},
          readFile: files({ '/p/.env': 'A=1\nBAD KEY=2\n' }),
        });
      } catch (error) {
        return (error as Error).message;
      }
      return undefined;
    };
    expect(failure('/p')).toBe('.env:2:1 variable name "BAD KEY" cannot contain a space');
    expect(failure('/elsewhere')).toBe('/p/.env:2:1 variable name "BAD KEY" cannot contain a space');
  });

  it('fails on a missing explicit env file, naming it', () => {
    const run = () =>
      resolveProjectEnvironment({
        projectDirectory: '/p',
        envFiles: ['nope.env'],
        osEnv: {},
        readFile: files({}),
      });
    expect(run).toThrowError(new BerthError('InvalidArgument', "couldn't find env file: /p/nope.env"));
    try {
      run();
    } catch (error) {
      expect((error as BerthError).code).toBe('InvalidArgument');
    }
  });

  it('skips the default .env when COMPOSE_DISABLE_ENV_FILE is true, and rejects a non-boolean', () => {
    const readFile = files({ '/p/.env': 'A=1\n' });
    for (const value of ['true', '1', 'TRUE']) {
      const result = resolveProjectEnvironment({
        projectDirectory: '/p',
        osEnv: { COMPOSE_DISABLE_ENV_FILE: value },
        readFile,
      });
      expect(result.environment.has('A')).toBe(false);
    }
    const kept = resolveProjectEnvironment({
      projectDirectory: '/p',
      osEnv: { COMPOSE_DISABLE_ENV_FILE: 'false' },
      readFile,
    });
    expect(kept.environment.get('A')).toBe('1');
    expect(() =>
      resolveProjectEnvironment({
        projectDirectory: '/p',
        osEnv: { COMPOSE_DISABLE_ENV_FILE: 'maybe' },
        readFile,
      }),
    ).toThrowError('invalid boolean value "maybe" for COMPOSE_DISABLE_ENV_FILE');
  });

  it('keeps values from an earlier pass over a second directory .env', () => {
    const first = resolveProjectEnvironment({
      projectDirectory: '/p/sub',
      osEnv: { OS: 'os' },
      readFile: files({ '/p/sub/.env': 'A=cwd\n' }),
    });
    const second = resolveProjectEnvironment({
      projectDirectory: '/p',
      osEnv: { OS: 'os' },
      inherited: first.environment,
      readFile: files({ '/p/.env': 'A=project\nB=${A}\n' }),
    });
    expect(Object.fromEntries(second.environment)).toEqual({ OS: 'os', A: 'cwd', B: 'cwd' });
  });

  it('reads real files, treating a .env directory as absent', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'berth-env-'));
    try {
      writeFileSync(path.join(root, 'real.env'), 'REAL=yes\n');
      mkdirSync(path.join(root, '.env'));
      expect(resolveProjectEnvironment({ projectDirectory: root, osEnv: {} }).files).toEqual([]);
      const explicit = resolveProjectEnvironment({
        projectDirectory: root,
        envFiles: ['real.env'],
        osEnv: {},
      });
      expect(explicit.environment.get('REAL')).toBe('yes');
      expect(() =>
        resolveProjectEnvironment({ projectDirectory: root, envFiles: ['.env'], osEnv: {} }),
      ).toThrowError(`${path.join(root, '.env')} is a directory`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('composeSettings', () => {
  it('reads COMPOSE_FILE with the path separator, profiles, name and env files', () => {
    const env = new Map([
      ['COMPOSE_FILE', 'a.yaml:b.yaml'],
      ['COMPOSE_PROFILES', ' dev, debug ,,'],
      ['COMPOSE_PROJECT_NAME', 'demo'],
      ['COMPOSE_ENV_FILES', 'x.env,y.env'],
    ]);
    expect(composeSettings(env)).toEqual({
      files: ['a.yaml', 'b.yaml'],
      profiles: ['dev', 'debug'],
      projectName: 'demo',
      envFiles: ['x.env', 'y.env'],
      disableEnvFile: false,
    });
  });

  it('honours COMPOSE_PATH_SEPARATOR and COMPOSE_DISABLE_ENV_FILE', () => {
    expect(
      composeSettings({
        COMPOSE_FILE: 'a.yaml;b.yaml',
        COMPOSE_PATH_SEPARATOR: ';',
        COMPOSE_DISABLE_ENV_FILE: '1',
      }),
    ).toEqual({ files: ['a.yaml', 'b.yaml'], disableEnvFile: true });
  });

  it('leaves out empty settings', () => {
    expect(composeSettings({ COMPOSE_FILE: '', COMPOSE_PROJECT_NAME: '', COMPOSE_PROFILES: '' })).toEqual({
      disableEnvFile: false,
    });
    expect(composeSettings(new Map())).toEqual({ disableEnvFile: false });
  });
});
