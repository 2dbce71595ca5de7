import { describe, expect, it } from 'vitest';
import type { Project, Service } from '../model/types.js';
import { normaliseProject, type NormaliseContext } from './normalise.js';
import type { RawMap } from './raw.js';
import { ComposeError, SourceMap } from './source-map.js';

const WD = '/projects/app';

function load(model: RawMap, overrides: Partial<NormaliseContext> = {}): Project {
  return normaliseProject(model, {
    projectName: 'demo',
    workingDir: WD,
    configFiles: [`${WD}/compose.yaml`],
    environment: new Map([['HOME', '/home/dev']]),
    sourceMap: new SourceMap(),
    resolvePaths: true,
    readFile: () => {
      throw new Error('no files here');
    },
    ...overrides,
  });
}

function service(raw: RawMap, overrides: Partial<NormaliseContext> = {}): Service {
  return load({ services: { web: { image: 'nginx', ...raw } } }, overrides).services.web as Service;
}

describe('normaliseProject: project level', () => {
  it('adds the default network and names resources after the project', () => {
    const project = load({
      services: { web: { image: 'nginx' } },
      networks: { back: {}, ext: { external: true }, named: { name: 'custom' } },
      volumes: { data: null, shared: { external: true, name: 'team-data' } },
      secrets: { token: { file: './token.txt' } },
      configs: { conf: { content: 'x=1' } },
      'x-common': { a: 1 },
    });
    expect(project.name).toBe('demo');
    expect(project.services.web?.networks).toEqual({ default: null });
    expect(project.networks).toEqual({
      back: { name: 'demo_back' },
      ext: { name: 'ext', external: true },
      named: { name: 'custom' },
      default: { name: 'demo_default' },
    });
    expect(project.volumes).toEqual({
      data: { name: 'demo_data' },
      shared: { name: 'team-data', external: true },
    });
    expect(project.secrets).toEqual({ token: { name: 'demo_token', file: `${WD}/token.txt` } });
    expect(project.configs).toEqual({ conf: { name: 'demo_conf', content: 'x=1' } });
    expect(project.extensions).toEqual({ 'x-common': { a: 1 } });
  });

  it('adds no default network when no service uses it', () => {
    const project = load({
      services: { a: { image: 'x', network_mode: 'host' }, b: { image: 'y', networks: ['back'] } },
      networks: { back: null },
    });
    expect(project.services.a?.networks).toBeUndefined();
    expect(project.services.b?.networks).toEqual({ back: null });
    expect(project.networks).toEqual({ back: { name: 'demo_back' } });
  });

  it('reads the deprecated external.name form', () => {
    const project = load({ services: {}, networks: { n: { external: { name: 'real' } } } });
    expect(project.networks).toEqual({ n: { name: 'real', external: true } });
  });
});

describe('normaliseProject: ports', () => {
  it('expands the short syntax to the long form', () => {
    expect(service({ ports: ['8080:80', 3000, '127.0.0.1::5432', '53:53/udp'] }).ports).toEqual([
      { mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' },
      { mode: 'ingress', target: 3000, protocol: 'tcp' },
      { mode: 'ingress', host_ip: '127.0.0.1', target: 5432, protocol: 'tcp' },
      { mode: 'ingress', target: 53, published: '53', protocol: 'udp' },
    ]);
  });

  it('expands ranges to one entry per port, ordered by their text', () => {
    expect(service({ ports: ['9000-9001:99-100'] }).ports).toEqual([
      { mode: 'ingress', target: 100, published: '9001', protocol: 'tcp' },
      { mode: 'ingress', target: 99, published: '9000', protocol: 'tcp' },
    ]);
    expect(service({ ports: ['3000-3001'] }).ports).toEqual([
      { mode: 'ingress', target: 3000, protocol: 'tcp' },
      { mode: 'ingress', target: 3001, protocol: 'tcp' },
    ]);
  });

  it('keeps a host range for a single container port', () => {
    expect(service({ ports: ['8000-8005:80'] }).ports).toEqual([
      { mode: 'ingress', target: 80, published: '8000-8005', protocol: 'tcp' },
    ]);
  });

  it('reads IPv6 host addresses', () => {
    expect(service({ ports: ['[::1]:8080:80'] }).ports).toEqual([
      { mode: 'ingress', host_ip: '::1', target: 80, published: '8080', protocol: 'tcp' },
    ]);
  });

  it('fills the long form defaults', () => {
    expect(
      service({ ports: [{ target: 80, published: 8080, host_ip: '0.0.0.0', name: 'web' }] }).ports,
    ).toEqual([
      { name: 'web', mode: 'ingress', host_ip: '0.0.0.0', target: 80, published: '8080', protocol: 'tcp' },
    ]);
  });

  it('rejects mismatched ranges and bad addresses', () => {
    expect(() => service({ ports: ['8000-8002:80-81'] })).toThrow(
      'invalid ranges specified for container and host Ports: 80-81 and 8000-8002',
    );
    expect(() => service({ ports: ['nothere:80:80'] })).toThrow('invalid IP address: nothere');
  });
});

describe('normaliseProject: volumes', () => {
  it('expands binds, named and anonymous volumes', () => {
    expect(
      service({
        volumes: ['./data:/data:ro', 'db:/var/lib/db', '/cache', '~/.ssh:/root/.ssh:z', 'logs:/logs:nocopy'],
      }).volumes,
    ).toEqual([
      {
        type: 'bind',
        source: `${WD}/data`,
        target: '/data',
        read_only: true,
        bind: { create_host_path: true },
      },
      { type: 'volume', source: 'db', target: '/var/lib/db', volume: {} },
      { type: 'volume', target: '/cache', volume: {} },
      {
        type: 'bind',
        source: '/home/dev/.ssh',
        target: '/root/.ssh',
        bind: { create_host_path: true, selinux: 'z' },
      },
      { type: 'volume', source: 'logs', target: '/logs', volume: { nocopy: true } },
    ]);
  });

  it('keeps relative sources when path resolution is off', () => {
    expect(service({ volumes: ['./src:/app/'] }, { resolvePaths: false }).volumes).toEqual([
      { type: 'bind', source: './src', target: '/app', bind: { create_host_path: true } },
    ]);
  });

  it('reads the long form', () => {
    expect(
      service({
        volumes: [
          { type: 'bind', source: 'conf', target: '/etc/app', bind: { propagation: 'rshared' } },
          { type: 'tmpfs', target: '/tmp', tmpfs: { size: '64m', mode: 1777 } },
          { type: 'volume', source: 'v', target: '/v', volume: { subpath: 'sub' }, read_only: true },
        ],
      }).volumes,
    ).toEqual([
      {
        type: 'bind',
        source: `${WD}/conf`,
        target: '/etc/app',
        bind: { propagation: 'rshared', create_host_path: true },
      },
      { type: 'tmpfs', target: '/tmp', tmpfs: { size: 67108864, mode: 1777 } },
      { type: 'volume', source: 'v', target: '/v', read_only: true, volume: { subpath: 'sub' } },
    ]);
  });

  it('rejects a malformed spec', () => {
    expect(() => service({ volumes: ['data::/x'] })).toThrow('empty section between colons');
  });
});

describe('normaliseProject: dependencies', () => {
  it('turns the list into the map form', () => {
    expect(service({ depends_on: ['db', 'cache'] }).depends_on).toEqual({
      db: { condition: 'service_started', required: true },
      cache: { condition: 'service_started', required: true },
    });
  });

  it('fills long form defaults', () => {
    expect(
      service({ depends_on: { db: { condition: 'service_healthy', restart: true } } }).depends_on,
    ).toEqual({
      db: { condition: 'service_healthy', restart: true, required: true },
    });
  });

  it('adds the implicit dependencies of links, namespaces and volumes_from', () => {
    const web = service({
      links: ['db:database'],
      network_mode: 'service:vpn',
      ipc: 'service:shm',
      volumes_from: ['data:ro', 'container:other'],
      depends_on: { db: { condition: 'service_healthy' } },
    });
    expect(web.depends_on).toEqual({
      db: { condition: 'service_healthy', required: true },
      vpn: { condition: 'service_started', restart: true, required: true },
      shm: { condition: 'service_started', restart: true, required: true },
      data: { condition: 'service_started', restart: false, required: true },
    });
    expect(web.networks).toBeUndefined();
  });
});

describe('normaliseProject: environment', () => {
  const environment = new Map([
    ['HOME', '/home/dev'],
    ['FROM_SHELL', 'shell'],
  ]);

  it('turns the list into a map and resolves bare keys, keeping unresolved ones as null', () => {
    expect(
      service({ environment: ['A=1', 'B=', 'FROM_SHELL', 'MISSING', 'C=x=y'] }, { environment }).environment,
    ).toEqual({
      A: '1',
      B: '',
      FROM_SHELL: 'shell',
      MISSING: null,
      C: 'x=y',
    });
    expect(service({ environment: { N: 5, T: true, E: null } }, { environment }).environment).toEqual({
      N: '5',
      T: 'true',
      E: null,
    });
  });

  it('merges env files under the environment, later files winning', () => {
    const files: Record<string, string> = {
      [`${WD}/a.env`]: 'A=from-a\nB=from-a\nREF=${FROM_SHELL}\n',
      [`${WD}/b.env`]: 'B=from-b\nC=from-b\n',
    };
    const readFile = (file: string) => {
      const text = files[file];
      if (text === undefined) throw new Error('ENOENT');
      return text;
    };
    const web = service(
      {
        env_file: ['a.env', { path: 'b.env' }, { path: 'missing.env', required: false }],
        environment: { C: 'own', D: 'own' },
      },
      { environment, readFile },
    );
    expect(web.env_file).toEqual([
      { path: `${WD}/a.env`, required: true },
      { path: `${WD}/b.env`, required: true },
      { path: `${WD}/missing.env`, required: false },
    ]);
    expect(web.environment).toEqual({ A: 'from-a', B: 'from-b', C: 'own', D: 'own', REF: 'shell' });
  });

  it('reads raw env files literally', () => {
    const web = service(
      { env_file: [{ path: 'raw.env', format: 'raw' }] },
      { readFile: () => 'Q="quoted" $X\n# comment\n' },
    );
    expect(web.environment).toEqual({ Q: '"quoted" $X' });
  });

  it('fails on a required env file that is missing', () => {
    expect(() => service({ env_file: 'nope.env' })).toThrow(`env file ${WD}/nope.env not found`);
  });
});

describe('normaliseProject: build', () => {
  it('expands the string form with a resolved context', () => {
    expect(service({ build: './app' }).build).toEqual({ context: `${WD}/app`, dockerfile: 'Dockerfile' });
  });

  it('defaults the context, keeps remote contexts and resolves args', () => {
    const web = service(
      {
        build: {
          dockerfile_inline: 'FROM alpine',
          args: ['VERSION=1', 'FROM_SHELL', 'UNSET'],
          ssh: ['default', 'key=./id_rsa'],
          additional_contexts: ['base=service:base', 'lib=../lib'],
          labels: ['a=b'],
        },
      },
      { environment: new Map([['FROM_SHELL', 'shell']]) },
    );
    expect(web.build).toEqual({
      context: WD,
      dockerfile_inline: 'FROM alpine',
      args: { VERSION: '1', FROM_SHELL: 'shell' },
      ssh: { default: null, key: `${WD}/id_rsa` },
      labels: { a: 'b' },
      additional_contexts: { base: 'service:base', lib: '/projects/lib' },
    });
    expect(service({ build: { context: 'https://github.com/x/y.git#main' } }).build?.context).toBe(
      'https://github.com/x/y.git#main',
    );
  });
});

describe('normaliseProject: other short syntaxes', () => {
  it('splits string commands like a shell and keeps lists', () => {
    const web = service({ command: 'npm run "dev server"', entrypoint: ['/bin/sh', '-c'] });
    expect(web.command).toEqual(['npm', 'run', 'dev server']);
    expect(web.entrypoint).toEqual(['/bin/sh', '-c']);
    expect(service({ command: null }).command).toBeNull();
    expect(service({ command: '' }).command).toEqual([]);
  });

  it('normalises labels, extra_hosts, ulimits and devices', () => {
    const web = service({
      labels: ['a=1', 'b'],
      extra_hosts: ['host.docker.internal:host-gateway', 'multi=10.0.0.1,10.0.0.2', 'v6=[::1]'],
      ulimits: { nofile: { soft: 1024, hard: 2048 }, nproc: 65535 },
      devices: ['/dev/ttyUSB0', '/dev/sda:/dev/xvda:r', 'vendor.com/gpu=all'],
    });
    expect(web.labels).toEqual({ a: '1', b: '' });
    expect(web.extra_hosts).toEqual({
      'host.docker.internal': ['host-gateway'],
      multi: ['10.0.0.1', '10.0.0.2'],
      v6: ['::1'],
    });
    expect(web.ulimits).toEqual({
      nofile: { soft: 1024, hard: 2048 },
      nproc: { soft: 65535, hard: 65535, single: true },
    });
    expect(web.devices).toEqual([
      { source: '/dev/ttyUSB0', target: '/dev/ttyUSB0', permissions: 'rwm' },
      { source: '/dev/sda', target: '/dev/xvda', permissions: 'r' },
      { source: 'vendor.com/gpu=all', target: 'vendor.com/gpu=all', permissions: 'rwm' },
    ]);
    expect(service({ extra_hosts: { a: '1.2.3.4', b: ['5.6.7.8', '9.9.9.9'] } }).extra_hosts).toEqual({
      a: ['1.2.3.4'],
      b: ['5.6.7.8', '9.9.9.9'],
    });
  });

  it('expands secrets and configs references', () => {
    const web = service({
      secrets: ['token', { source: 'cert', target: 'tls.pem', mode: 0o400 }],
      configs: ['nginx', { source: 'app', target: '/etc/app.conf', mode: '0440', uid: 100 }],
    });
    expect(web.secrets).toEqual([
      { source: 'token', target: '/run/secrets/token' },
      { source: 'cert', target: 'tls.pem', mode: 0o400 },
    ]);
    expect(web.configs).toEqual([
      { source: 'nginx' },
      { source: 'app', target: '/etc/app.conf', uid: '100', mode: 0o440 },
    ]);
  });

  it('normalises healthchecks', () => {
    expect(
      service({
        healthcheck: { test: 'curl -f http://localhost', interval: '1m30s', timeout: 10, retries: 3 },
      }).healthcheck,
    ).toEqual({
      test: ['CMD-SHELL', 'curl -f http://localhost'],
      interval: 90_000,
      timeout: 10_000,
      retries: 3,
    });
    expect(service({ healthcheck: { disable: true } }).healthcheck).toEqual({
      test: ['NONE'],
      disable: true,
    });
    expect(() => service({ healthcheck: { interval: 'soon' } })).toThrow('invalid duration "soon"');
  });

  it('parses sizes, durations and pull policy aliases', () => {
    const web = service({
      shm_size: '64m',
      mem_limit: '1g',
      memswap_limit: -1,
      stop_grace_period: '1m',
      pull_policy: 'if_not_present',
      cpus: '0.5',
    });
    expect(web).toMatchObject({
      shm_size: 67108864,
      mem_limit: 1073741824,
      memswap_limit: -1,
      stop_grace_period: 60_000,
      pull_policy: 'missing',
      cpus: 0.5,
    });
  });

  it('normalises deploy and gpus', () => {
    const web = service({
      scale: 2,
      deploy: {
        resources: {
          limits: { cpus: '0.50', memory: '512M', pids: 100 },
          reservations: { devices: [{ capabilities: ['gpu'] }] },
        },
        restart_policy: { condition: 'on-failure', delay: '5s', max_attempts: 3 },
      },
      gpus: 'all',
    });
    expect(web.deploy).toEqual({
      replicas: 2,
      resources: {
        limits: { cpus: 0.5, memory: 536870912, pids: 100 },
        reservations: { devices: [{ capabilities: ['gpu'], count: 'all' }] },
      },
      restart_policy: { condition: 'on-failure', delay: 5000, max_attempts: 3 },
    });
    expect(web.gpus).toEqual([{ count: 'all' }]);
    expect(() => service({ scale: 2, deploy: { replicas: 3 } })).toThrow(
      "can't set distinct values on 'scale' and 'deploy.replicas'",
    );
  });

  it('normalises networks, develop rules and hooks', () => {
    const web = service({
      networks: { front: { aliases: ['www'], priority: 10 }, back: null },
      develop: { watch: [{ path: './src', action: 'sync', target: '/app/src', ignore: 'node_modules' }] },
      pre_start: [{ command: 'migrate --all' }],
      post_start: [{ command: ['touch', '/ready'], user: 'root' }],
    });
    expect(web.networks).toEqual({ front: { aliases: ['www'], priority: 10 }, back: null });
    expect(web.develop).toEqual({
      watch: [{ path: `${WD}/src`, action: 'sync', target: '/app/src', ignore: ['node_modules'] }],
    });
    expect(web.pre_start).toEqual([{ command: ['migrate', '--all'], image: 'nginx' }]);
    expect(web.post_start).toEqual([{ command: ['touch', '/ready'], user: 'root' }]);
  });

  it('keeps service extensions and reports errors with their path', () => {
    expect(service({ 'x-note': 'hi' }).extensions).toEqual({ 'x-note': 'hi' });
    const sourceMap = new SourceMap();
    sourceMap.set(['services', 'web', 'ports', 0], { file: 'compose.yaml', line: 4, col: 9 });
    let caught: unknown;
    try {
      service({ ports: ['80:abc'] }, { sourceMap });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ComposeError);
    expect((caught as Error).message).toBe(
      'compose.yaml:4:9 services.web.ports[0]: invalid port "abc" in "80:abc"',
    );
  });
});
