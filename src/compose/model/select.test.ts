import { describe, expect, it } from 'vitest';
import { normaliseProject } from '../load/normalise.js';
import type { RawMap } from '../load/raw.js';
import { SourceMap } from '../load/source-map.js';
import { selectServices, withoutUnusedResources } from './select.js';
import type { Project } from './types.js';

function load(model: RawMap): Project {
  return normaliseProject(model, {
    projectName: 'demo',
    workingDir: '/projects/app',
    configFiles: ['/projects/app/compose.yaml'],
    environment: new Map(),
    sourceMap: new SourceMap(),
    resolvePaths: true,
  });
}

const project = load({
  services: {
    web: { image: 'web', depends_on: ['api'], networks: ['front'] },
    api: {
      image: 'api',
      depends_on: { db: { condition: 'service_healthy' } },
      secrets: ['token'],
      build: { context: '.', secrets: ['npmrc'] },
    },
    db: { image: 'db', volumes: ['data:/var/lib/db', './local:/local', '/anon'], configs: ['initdb'] },
    tool: { image: 'tool', network_mode: 'none', volumes: ['cache:/cache'] },
  },
  networks: { front: {}, back: {} },
  volumes: { data: {}, cache: {}, spare: {} },
  secrets: { token: { file: './t' }, npmrc: { file: './n' }, other: { file: './o' } },
  configs: { initdb: { file: './i' }, unusedconf: { file: './u' } },
});

describe('selectServices', () => {
  it('keeps every service when none is named', () => {
    expect(selectServices(project, [])).toBe(project);
  });

  it('keeps the named services and, transitively, what they depend on', () => {
    expect(Object.keys(selectServices(project, ['web']).services)).toEqual(['web', 'api', 'db']);
    expect(Object.keys(selectServices(project, ['tool', 'db']).services)).toEqual(['db', 'tool']);
  });

  it('lists the services left out as disabled, so their containers are no orphans', () => {
    expect(Object.keys(selectServices(project, ['db']).disabledServices ?? {}).sort()).toEqual([
      'api',
      'tool',
      'web',
    ]);
  });

  it('rejects a service that does not exist', () => {
    expect(() => selectServices(project, ['nope'])).toThrow('no such service: nope');
  });
});

describe('withoutUnusedResources', () => {
  it('keeps only the networks, volumes, secrets and configs that services use', () => {
    const pruned = withoutUnusedResources(project);
    expect(Object.keys(pruned.networks).sort()).toEqual(['default', 'front']);
    expect(Object.keys(pruned.volumes).sort()).toEqual(['cache', 'data']);
    expect(Object.keys(pruned.secrets).sort()).toEqual(['npmrc', 'token']);
    expect(Object.keys(pruned.configs)).toEqual(['initdb']);
  });

  it('drops what only unselected services used', () => {
    const pruned = withoutUnusedResources(selectServices(project, ['db']));
    expect(Object.keys(pruned.networks)).toEqual(['default']);
    expect(Object.keys(pruned.volumes)).toEqual(['data']);
    expect(pruned.secrets).toEqual({});
    expect(Object.keys(pruned.configs)).toEqual(['initdb']);
  });
});
