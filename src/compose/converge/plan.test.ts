import { describe, expect, it } from 'vitest';
import type { Project } from '../model/types.js';
import { formatPlan, observedContainer, planUp, type ObservedContainer } from './plan.js';

const project = (extra: Partial<Project> = {}): Project => ({
  name: 'app',
  workingDir: '/srv/app',
  configFiles: ['/srv/app/compose.yaml'],
  environment: new Map(),
  services: { web: { name: 'web', image: 'web' }, db: { name: 'db', image: 'db' } },
  networks: { default: { name: 'app_default' } },
  volumes: { data: { name: 'app_data' } },
  secrets: {},
  configs: {},
  models: {},
  extensions: {},
  ...extra,
});

const container = (
  service: string,
  number: number,
  extra: Partial<ObservedContainer> = {},
): ObservedContainer => ({
  id: `${service}${number}`,
  name: `app-${service}-${number}`,
  service,
  number,
  configHash: `${service}-hash`,
  imageId: `${service}-image`,
  state: 'running',
  oneoff: false,
  ...extra,
});

const desired = (name: string, replicas = 1, hash = `${name}-hash`) => ({
  name,
  replicas,
  configHash: hash,
  imageId: `${name}-image`,
});

describe('planUp', () => {
  it('creates everything on a first up', () => {
    const plan = planUp(project(), [desired('db'), desired('web')], {
      containers: [],
      networks: new Set(),
      volumes: new Set(),
    });
    expect(formatPlan(plan)).toEqual([
      'network app_default: create',
      'volume app_data: create',
      'service db #1: create',
      'service web #1: create',
    ]);
  });

  it('recreates only what changed, starts what stopped, keeps the rest', () => {
    const plan = planUp(project(), [desired('db'), desired('web', 1, 'web-new-hash')], {
      containers: [container('db', 1, { state: 'exited' }), container('web', 1)],
      networks: new Set(['app_default']),
      volumes: new Set(['app_data']),
    });
    expect(formatPlan(plan)).toEqual([
      'container app-db-1: start',
      'container app-web-1: recreate (config changed)',
    ]);
    const again = planUp(project(), [desired('db'), desired('web')], {
      containers: [container('db', 1), container('web', 1, { imageId: 'old' })],
      networks: new Set(['app_default']),
      volumes: new Set(['app_data']),
    });
    expect(formatPlan(again)).toEqual([
      'container app-db-1: up to date',
      'container app-web-1: recreate (image changed)',
    ]);
    const forced = planUp(
      project(),
      [desired('db')],
      {
        containers: [container('db', 1)],
        networks: new Set(['app_default']),
        volumes: new Set(['app_data']),
      },
      { forceRecreate: true },
    );
    expect(formatPlan(forced)).toEqual(['container app-db-1: recreate (forced)']);
  });

  it('scales up into free numbers and down from the highest', () => {
    const observed = {
      containers: [container('web', 1), container('web', 3)],
      networks: new Set(['app_default']),
      volumes: new Set(['app_data']),
    };
    expect(formatPlan(planUp(project(), [desired('web', 4)], observed))).toEqual([
      'container app-web-1: up to date',
      'container app-web-3: up to date',
      'service web #2: create',
      'service web #4: create',
    ]);
    expect(formatPlan(planUp(project(), [desired('web', 1)], observed))).toEqual([
      'container app-web-1: up to date',
      'container app-web-3: remove (scaled down)',
    ]);
  });

  it('reports orphans and missing external resources', () => {
    const plan = planUp(project(), [desired('web')], {
      containers: [container('web', 1), container('old', 1), container('db', 1, { oneoff: true })],
      networks: new Set(['app_default']),
      volumes: new Set(['app_data']),
    });
    expect(plan.orphans.map((c) => c.name)).toEqual(['app-old-1']);
    expect(formatPlan(plan, true)).toContain('container app-old-1: remove (orphan)');
    expect(() =>
      planUp(project({ networks: { outside: { name: 'shared', external: true } } }), [], {
        containers: [],
        networks: new Set(),
        volumes: new Set(['app_data']),
      }),
    ).toThrow('network shared declared as external, but could not be found');
  });

  it('reads compose labels of engine containers', () => {
    const labels = {
      'com.docker.compose.project': 'app',
      'com.docker.compose.service': 'web',
      'com.docker.compose.container-number': '2',
      'com.docker.compose.config-hash': 'h',
      'com.docker.compose.image': 'sha256:i',
      'com.docker.compose.oneoff': 'False',
    };
    expect(
      observedContainer({ Id: 'x', Names: ['/app-web-2'], Labels: labels, State: 'exited' }, 'app'),
    ).toEqual({
      id: 'x',
      name: 'app-web-2',
      service: 'web',
      number: 2,
      configHash: 'h',
      imageId: 'sha256:i',
      state: 'exited',
      oneoff: false,
    });
    expect(observedContainer({ Id: 'y', Labels: labels }, 'other')).toBeUndefined();
    const step = observedContainer(
      { Id: 'z', Labels: { ...labels, 'com.docker.compose.hook': 'pre_start' } },
      'app',
    );
    expect(step?.oneoff).toBe(true);
  });
});
