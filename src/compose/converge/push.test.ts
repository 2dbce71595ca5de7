import { describe, expect, it } from 'vitest';
import type { Project, Service } from '../model/types.js';
import { pushSelection } from './push.js';

const project = (services: Record<string, Omit<Service, 'name'>>): Project => ({
  name: 'app',
  workingDir: '/srv/app',
  configFiles: ['/srv/app/compose.yaml'],
  environment: new Map(),
  services: Object.fromEntries(Object.entries(services).map(([name, s]) => [name, { name, ...s }])),
  networks: {},
  volumes: {},
  secrets: {},
  configs: {},
  models: {},
  extensions: {},
});

describe('pushSelection', () => {
  const p = project({
    api: { image: 'reg/api:1', build: { context: '/srv/app/api' } },
    worker: {
      image: 'reg/api:1',
      build: { context: '/srv/app/api' },
      depends_on: { db: { condition: 'service_started', required: true } },
    },
    db: { image: 'postgres' },
    tool: { build: { context: '/srv/app/tool' } },
    lib: {
      image: 'reg/lib:2',
      build: { context: '/srv/app/lib' },
      depends_on: { api: { condition: 'service_started', required: true } },
    },
  });

  it('sends the images of services that build and name one, each image once', () => {
    expect(pushSelection(p, { services: [] })).toEqual([
      { service: 'api', image: 'reg/api:1' },
      { service: 'lib', image: 'reg/lib:2' },
    ]);
  });

  it('limits to the named services, with their dependencies on request', () => {
    expect(pushSelection(p, { services: ['lib'] })).toEqual([{ service: 'lib', image: 'reg/lib:2' }]);
    expect(pushSelection(p, { services: ['lib'], includeDeps: true })).toEqual([
      { service: 'api', image: 'reg/api:1' },
      { service: 'lib', image: 'reg/lib:2' },
    ]);
    expect(() => pushSelection(p, { services: ['nope'] })).toThrow(/no such service/);
  });
});
