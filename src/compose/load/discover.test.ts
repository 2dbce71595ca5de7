import { describe, expect, it } from 'vitest';
import { BerthError } from '../../shared/errors.js';
import { STDIN_FILE, defaultProjectDirectory, findComposeFiles, resolveConfigFileArgs } from './discover.js';
import type { DiscoveryFs } from './discover.js';

function fsWith(...files: string[]): DiscoveryFs {
  const set = new Set(files);
  return { exists: (file) => set.has(file) };
}

describe('findComposeFiles', () => {
  it('finds compose.yaml in the working directory', () => {
    expect(findComposeFiles('/p', fsWith('/p/compose.yaml'))).toEqual({
      files: ['/p/compose.yaml'],
      projectDirectory: '/p',
      warnings: [],
    });
  });

  it('walks up to the first parent that has a compose file', () => {
    expect(findComposeFiles('/p/a/b', fsWith('/p/docker-compose.yml', '/compose.yaml'))).toEqual({
      files: ['/p/docker-compose.yml'],
      projectDirectory: '/p',
      warnings: [],
    });
  });

  it('prefers names in Docker Compose order and warns when several exist', () => {
    const found = findComposeFiles(
      '/p',
      fsWith('/p/docker-compose.yaml', '/p/compose.yaml', '/p/docker-compose.yml'),
    );
    expect(found.files).toEqual(['/p/compose.yaml']);
    expect(found.warnings).toEqual([
      {
        message:
          'Found multiple config files with supported names: /p/compose.yaml, /p/docker-compose.yml, /p/docker-compose.yaml. Using compose.yaml',
      },
    ]);
    expect(findComposeFiles('/p', fsWith('/p/docker-compose.yaml', '/p/docker-compose.yml')).files).toEqual([
      '/p/docker-compose.yml',
    ]);
    expect(findComposeFiles('/p', fsWith('/p/compose.yml')).files).toEqual(['/p/compose.yml']);
  });

  it('adds the override file found beside the main file', () => {
    expect(findComposeFiles('/p', fsWith('/p/compose.yaml', '/p/compose.override.yaml')).files).toEqual([
      '/p/compose.yaml',
      '/p/compose.override.yaml',
    ]);
    expect(
      findComposeFiles('/p', fsWith('/p/docker-compose.yml', '/p/docker-compose.override.yml')).files,
    ).toEqual(['/p/docker-compose.yml', '/p/docker-compose.override.yml']);
    // Overrides in a child directory do not count.
    expect(
      findComposeFiles('/p/sub', fsWith('/p/compose.yaml', '/p/sub/compose.override.yaml')).files,
    ).toEqual(['/p/compose.yaml']);
  });

  it('warns when several override files exist and uses the first name', () => {
    const found = findComposeFiles(
      '/p',
      fsWith('/p/compose.yaml', '/p/compose.override.yaml', '/p/compose.override.yml'),
    );
    expect(found.files).toEqual(['/p/compose.yaml', '/p/compose.override.yml']);
    expect(found.warnings.map((w) => w.message)).toEqual([
      'Found multiple override files with supported names: /p/compose.override.yml, /p/compose.override.yaml. Using compose.override.yml',
    ]);
  });

  it('fails with NotFound when nothing is found up to the root', () => {
    let caught: unknown;
    try {
      findComposeFiles('/p/a', fsWith());
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BerthError);
    expect((caught as BerthError).code).toBe('NotFound');
    expect((caught as BerthError).message).toBe('no configuration file provided: not found');
    expect((caught as BerthError).hint).toMatch(/-f/);
  });
});

describe('resolveConfigFileArgs', () => {
  it('makes paths absolute against the working directory and keeps - for stdin', () => {
    const fs = fsWith('/w/compose.yaml', '/w/../other/x.yml', '/other/x.yml', '/abs.yaml');
    expect(resolveConfigFileArgs(['compose.yaml', '-', '../other/x.yml', '/abs.yaml'], '/w', fs)).toEqual([
      '/w/compose.yaml',
      STDIN_FILE,
      '/other/x.yml',
      '/abs.yaml',
    ]);
  });

  it('fails with NotFound naming a missing file', () => {
    expect(() => resolveConfigFileArgs(['missing.yaml'], '/w', fsWith())).toThrowError(
      new BerthError('NotFound', 'compose file not found: /w/missing.yaml', {
        hint: 'check the path given with -f or COMPOSE_FILE',
      }),
    );
  });
});

describe('defaultProjectDirectory', () => {
  it('is the directory of the first real file, else the working directory', () => {
    expect(defaultProjectDirectory(['-', '/a/b/compose.yaml', '/c/x.yaml'], '/w')).toBe('/a/b');
    expect(defaultProjectDirectory(['sub/compose.yaml'], '/w')).toBe('/w/sub');
    expect(defaultProjectDirectory(['-'], '/w')).toBe('/w');
  });
});
