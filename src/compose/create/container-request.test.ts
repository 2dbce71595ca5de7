import { expect, it } from 'vitest';
import type { Project, Service } from '../model/types.js';
import { containerCreateRequest, portBindings } from './container-request.js';

const project: Project = {
  name: 'app',
  workingDir: '/srv/app',
  configFiles: ['/srv/app/compose.yaml'],
  environment: new Map(),
  services: {},
  networks: { default: { name: 'app_default' }, back: { name: 'app_back' } },
  volumes: { data: { name: 'app_data' } },
  secrets: {},
  configs: {},
  models: {},
  extensions: {},
};

const names = {
  network: (key: string) => project.networks[key]?.name ?? key,
  volume: (key: string) => project.volumes[key]?.name ?? key,
  serviceContainer: (service: string) => `app-${service}-1`,
};

const service: Service = {
  name: 'web',
  image: 'web:1',
  command: ['serve', '--port', '80'],
  environment: { MODE: 'dev', UNSET: null },
  ports: [{ mode: 'ingress', target: 80, published: '8080', protocol: 'tcp', host_ip: '127.0.0.1' }],
  expose: ['9000'],
  volumes: [
    { type: 'volume', source: 'data', target: '/data' },
    { type: 'bind', source: '/srv/app/src', target: '/src', read_only: true },
    { type: 'volume', target: '/cache' },
    { type: 'tmpfs', target: '/tmp', tmpfs: { size: 1048576 } },
  ],
  networks: { back: { aliases: ['api'], ipv4_address: '10.9.0.5' } },
  healthcheck: { test: ['CMD', 'true'], interval: 500, retries: 2 },
  restart: 'on-failure:2',
  mem_limit: 64 * 1024 * 1024,
  cpus: 0.5,
  depends_on: { db: { condition: 'service_healthy', required: true } },
  extra_hosts: { 'host.docker.internal': ['host-gateway'] },
  stop_grace_period: 2500,
};

it('builds the create request Docker Compose would send', () => {
  const { name, body } = containerCreateRequest({
    project,
    service,
    number: 1,
    configHash: 'hash',
    image: 'web:1',
    imageId: 'sha256:abc',
    names,
  });
  expect(name).toBe('app-web-1');
  expect(body).toMatchObject({
    Image: 'web:1',
    Cmd: ['serve', '--port', '80'],
    Env: ['MODE=dev'],
    ExposedPorts: { '80/tcp': {}, '9000/tcp': {} },
    StopTimeout: 3,
    Healthcheck: { Test: ['CMD', 'true'], Interval: 500_000_000, Retries: 2 },
  });
  expect(body.Labels).toMatchObject({
    'com.docker.compose.project': 'app',
    'com.docker.compose.service': 'web',
    'com.docker.compose.container-number': '1',
    'com.docker.compose.oneoff': 'False',
    'com.docker.compose.config-hash': 'hash',
    'com.docker.compose.depends_on': 'db:service_healthy:false',
    'com.docker.compose.image': 'sha256:abc',
    'com.docker.compose.project.config_files': '/srv/app/compose.yaml',
  });
  expect(body.HostConfig).toMatchObject({
    NetworkMode: 'app_back',
    RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 },
    PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] },
    Binds: ['/srv/app/src:/src:ro'],
    Memory: 64 * 1024 * 1024,
    NanoCpus: 500_000_000,
    ExtraHosts: ['host.docker.internal:host-gateway'],
  });
  expect(body.HostConfig?.Mounts).toEqual([
    {
      Type: 'volume',
      Source: 'app_data',
      Target: '/data',
      ReadOnly: false,
      VolumeOptions: { NoCopy: false },
    },
    { Type: 'volume', Target: '/cache', ReadOnly: false, VolumeOptions: { NoCopy: false } },
    { Type: 'tmpfs', Target: '/tmp', ReadOnly: false, TmpfsOptions: { SizeBytes: 1048576 } },
  ]);
  expect(body.NetworkingConfig?.EndpointsConfig).toEqual({
    app_back: { Aliases: ['web', 'api'], IPAMConfig: { IPv4Address: '10.9.0.5' } },
  });
});

it('publishes random ports, ranges and udp', () => {
  expect(
    portBindings([
      { mode: 'ingress', target: 53, protocol: 'udp', published: '5353' },
      { mode: 'ingress', target: 80, protocol: 'tcp' },
      { mode: 'ingress', target: 81, protocol: 'tcp', published: '9000-9005' },
    ]),
  ).toEqual({
    '53/udp': [{ HostIp: '', HostPort: '5353' }],
    '80/tcp': [{ HostIp: '', HostPort: '' }],
    '81/tcp': [{ HostIp: '', HostPort: '9000-9005' }],
  });
});
