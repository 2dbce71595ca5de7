import { describe, expect, it } from 'vitest';
import type { Project, Service } from '../model/types.js';
import { pullSelection } from './pull.js';

const project = (services: Record<string, Omit<Service, 'name'>>): Project => ({
  name: 'app',
  workingDir: '/srv/app',
  configFiles: ['/srv/app/compose.yaml'],
  environment: new Map(),
  services: Object.fromEntries(
    Object.entries(services).map(([name, service]) => [name, { name, ...service } as Service]),
  ),
  networks: {},
  volumes: {},
  secrets: {},
  configs: {},
  models: {},
  extensions: {},
});

const stack = project({
  web: { image: 'nginx:1' },
  app: { image: 'registry.example/app:2', build: { context: '.' } },
  tool: { build: { context: './tool' } },
  local: { image: 'local:dev', pull_policy: 'build' },
});

describe('pullSelection', () => {
  it('pulls services with an image and skips, saying why, those that only build', () => {
    expect(pullSelection(stack, { services: [], ignoreBuildable: false })).toEqual({
      pull: [
        { service: 'web', image: 'nginx:1', buildable: false },
        { service: 'app', image: 'registry.example/app:2', buildable: true },
      ],
      skipped: [
        { service: 'tool', reason: 'it has no image, only a build' },
        { service: 'local', reason: 'its pull_policy is build' },
      ],
    });
  });

  it('leaves buildable services out with ignoreBuildable, and only the named services are considered', () => {
    expect(pullSelection(stack, { services: ['app', 'web'], ignoreBuildable: true })).toEqual({
      pull: [{ service: 'web', image: 'nginx:1', buildable: false }],
      skipped: [{ service: 'app', reason: 'it can be built (--ignore-buildable)' }],
    });
  });

  it('names an unknown service', () => {
    expect(() => pullSelection(stack, { services: ['nope'], ignoreBuildable: false })).toThrow(
      'no such service: nope',
    );
  });
});
