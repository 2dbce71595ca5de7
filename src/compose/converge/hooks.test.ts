import { describe, expect, it } from 'vitest';
import type { Project, Service } from '../model/types.js';
import type { ContainerCreateRequest } from '../../engine/api/containers.js';
import { HOOK_LABEL, hookExec, preStartRequest } from './hooks.js';
import { restartCascade } from './lifecycle.js';
import { onlyOptionallyNeeded } from './up.js';

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

describe('hookExec', () => {
  it('carries command, environment (unset keys left out), user, working dir and privilege', () => {
    expect(
      hookExec({
        command: ['sh', '-c', 'echo hi'],
        environment: { A: '1', B: null },
        user: 'root',
        working_dir: '/data',
        privileged: true,
      }),
    ).toEqual({
      Cmd: ['sh', '-c', 'echo hi'],
      Env: ['A=1'],
      User: 'root',
      WorkingDir: '/data',
      Privileged: true,
    });
    expect(hookExec({ command: ['true'] })).toEqual({ Cmd: ['true'] });
  });
});

describe('preStartRequest', () => {
  const body: ContainerCreateRequest = {
    Image: 'app',
    Entrypoint: ['tini', '--'],
    Cmd: ['serve'],
    User: '1000',
    Env: ['X=1'],
    Labels: { 'com.docker.compose.service': 'web' },
    HostConfig: {
      PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] },
      RestartPolicy: { Name: 'always' },
    },
  };

  it("runs the step's command in the service's container config, labelled, without ports or restarts", () => {
    const request = preStartRequest(body, { command: ['./migrate'], environment: { Y: '2' } }, 0);
    expect(request.Image).toBe('app');
    expect(request.Entrypoint).toEqual(['tini', '--']);
    expect(request.Cmd).toEqual(['./migrate']);
    expect(request.User).toBe('1000');
    expect(request.Env).toEqual(['X=1', 'Y=2']);
    expect(request.Labels?.[HOOK_LABEL]).toBe('pre_start');
    expect(request.HostConfig?.PortBindings).toBeUndefined();
    expect(request.HostConfig?.RestartPolicy).toEqual({ Name: 'no' });
  });

  it("uses another image's own entrypoint, user and command unless the step sets them", () => {
    const request = preStartRequest(body, { command: [], image: 'busybox' }, 1);
    expect(request.Image).toBe('busybox');
    expect(request.Entrypoint).toBeUndefined();
    expect(request.Cmd).toBeUndefined();
    expect(request.User).toBeUndefined();
    const chown = preStartRequest(
      body,
      { command: ['chown', '-R', '1000', '/data'], image: 'busybox', user: 'root' },
      1,
    );
    expect(chown.Cmd).toEqual(['chown', '-R', '1000', '/data']);
    expect(chown.User).toBe('root');
  });
});

describe('depends_on restart and required', () => {
  const p = project({
    db: { image: 'db' },
    api: {
      image: 'api',
      depends_on: { db: { condition: 'service_started', required: true, restart: true } },
    },
    web: {
      image: 'web',
      depends_on: { api: { condition: 'service_started', required: true, restart: true } },
    },
    worker: { image: 'w', depends_on: { db: { condition: 'service_started', required: true } } },
    cache: { image: 'c' },
    app: { image: 'a', depends_on: { cache: { condition: 'service_started', required: false } } },
  });

  it('restarts dependants with restart: true, transitively', () => {
    expect(restartCascade(p, ['db']).sort()).toEqual(['api', 'db', 'web']);
    expect(restartCascade(p, ['worker'])).toEqual(['worker']);
  });

  it('tolerates a failed service only when every dependant marks it optional', () => {
    expect(onlyOptionallyNeeded(p, 'cache')).toBe(true);
    expect(onlyOptionallyNeeded(p, 'db')).toBe(false);
    expect(onlyOptionallyNeeded(p, 'web')).toBe(false);
  });
});
