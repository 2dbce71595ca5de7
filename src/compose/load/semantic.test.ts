import { describe, expect, test } from 'vitest';
import { parseComposeYaml } from './parse.js';
import { checkConsistency, forEachAt, splitVolumeSpec } from './semantic.js';
import { ComposeError } from './source-map.js';
import type { LoadWarning } from './warnings.js';

function load(yaml: string) {
  const [document] = parseComposeYaml(yaml, 'compose.yaml');
  if (!document) throw new Error('no document');
  return document;
}

/** The message checkConsistency throws, or undefined when the model is consistent. */
function errorOf(yaml: string): string | undefined {
  const document = load(yaml);
  try {
    checkConsistency(document.value, document.sourceMap);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ComposeError);
    return (error as ComposeError).message;
  }
}

function warningsOf(yaml: string): LoadWarning[] {
  const document = load(yaml);
  return checkConsistency(document.value, document.sourceMap);
}

describe('checkConsistency accepts', () => {
  test('a consistent project and reports no warning', () => {
    const yaml = `
services:
  web:
    build: .
    depends_on: [api]
    ports: ["8080:80", "127.0.0.1:9000:9000", "3000"]
    networks: [front, default]
    volumes: [data:/data, ./src:/src, /anonymous, "C:\\\\logs:/logs"]
    secrets: [token]
    configs: [{ source: conf, target: /etc/conf }]
    healthcheck: { interval: 30s, timeout: 5s }
    mem_limit: 512m
    deploy: { resources: { limits: { memory: 512m } } }
    tmpfs: ["/run:size=64m"]
  api:
    image: api
    depends_on:
      db: { condition: service_healthy }
      cache: { condition: service_started, required: false }
    ports: ["8081:80"]
    links: ["db:database"]
    volumes_from: ["db:ro", "container:legacy"]
  db:
    image: postgres
    ports: ["8080:80/udp", "9001:9000/tcp"]
    network_mode: "container:other"
networks: { front: }
volumes: { data: }
secrets: { token: { file: ./token } }
configs: { conf: { content: x } }
`;
    expect(errorOf(yaml)).toBeUndefined();
    expect(warningsOf(yaml)).toEqual([]);
  });
});

describe('checkConsistency reports', () => {
  test('depends_on an undefined service (list form)', () => {
    expect(errorOf('services:\n  web:\n    image: x\n    depends_on: [db]\n')).toBe(
      'compose.yaml:4:18 service "web" depends on undefined service "db": invalid compose project',
    );
  });

  test('depends_on an undefined service (map form)', () => {
    expect(
      errorOf(
        'services:\n  web:\n    image: x\n    depends_on:\n      db:\n        condition: service_started\n',
      ),
    ).toBe('compose.yaml:5:7 service "web" depends on undefined service "db": invalid compose project');
  });

  test('links to an undefined service', () => {
    expect(errorOf('services:\n  web:\n    image: x\n    links: ["db:database"]\n')).toBe(
      'compose.yaml:4:13 service "web" links to undefined service "db": invalid compose project',
    );
  });

  test('volumes_from an undefined service', () => {
    expect(errorOf('services:\n  web:\n    image: x\n    volumes_from: ["data:ro"]\n')).toBe(
      'compose.yaml:4:20 service "web" mounts volumes from undefined service "data": invalid compose project',
    );
  });

  test('network_mode of an undefined service', () => {
    expect(errorOf('services:\n  web:\n    image: x\n    network_mode: "service:vpn"\n')).toBe(
      `compose.yaml:4:5 services.web.network_mode: service "vpn" not found for network_mode 'service:vpn'`,
    );
  });

  test('network_mode together with networks', () => {
    expect(
      errorOf(
        'services:\n  web:\n    image: x\n    network_mode: host\n    networks: [front]\nnetworks: { front: }\n',
      ),
    ).toBe(
      'compose.yaml:5:5 service "web" declares mutually exclusive network_mode and networks: invalid compose project',
    );
  });

  test('an undeclared network', () => {
    expect(errorOf('services:\n  web:\n    image: x\n    networks:\n      back:\n')).toBe(
      'compose.yaml:5:7 service "web" refers to undefined network back: invalid compose project',
    );
  });

  test('an undeclared named volume, short and long syntax', () => {
    expect(errorOf('services:\n  web:\n    image: x\n    volumes:\n      - data:/data\n')).toBe(
      'compose.yaml:5:9 service "web" refers to undefined volume data: invalid compose project',
    );
    expect(
      errorOf(
        'services:\n  web:\n    image: x\n    volumes:\n      - type: volume\n        source: cache\n        target: /c\n',
      ),
    ).toBe('compose.yaml:5:9 service "web" refers to undefined volume cache: invalid compose project');
  });

  test('an undeclared secret, build secret, config and model', () => {
    expect(errorOf('services:\n  web:\n    image: x\n    secrets: [token]\n')).toBe(
      'compose.yaml:4:15 service "web" refers to undefined secret token: invalid compose project',
    );
    expect(errorOf('services:\n  web:\n    build:\n      context: .\n      secrets: [npmrc]\n')).toBe(
      'compose.yaml:5:17 service "web" refers to undefined build secret npmrc: invalid compose project',
    );
    expect(errorOf('services:\n  web:\n    image: x\n    configs:\n      - source: nginx\n')).toBe(
      'compose.yaml:5:9 service "web" refers to undefined config nginx: invalid compose project',
    );
    expect(errorOf('services:\n  web:\n    image: x\n    models: [llm]\n')).toBe(
      'compose.yaml:4:14 service "web" refers to undefined model llm: invalid compose project',
    );
  });

  test('a secret with no source', () => {
    expect(errorOf('services: {}\nsecrets:\n  token:\n    name: t\n')).toBe(
      'compose.yaml:3:3 secret "token" must declare either `file` or `environment`: invalid compose project',
    );
    expect(errorOf('services: {}\nsecrets:\n  token:\n    external: true\n')).toBeUndefined();
  });

  test('a service with neither image nor build', () => {
    expect(errorOf('services:\n  web:\n    command: run\n')).toBe(
      'compose.yaml:2:3 service "web" has neither an image nor a build context specified: invalid compose project',
    );
  });

  test('dockerfile with dockerfile_inline', () => {
    expect(
      errorOf(
        'services:\n  web:\n    build:\n      dockerfile: Dockerfile\n      dockerfile_inline: FROM x\n',
      ),
    ).toBe(
      'compose.yaml:3:5 service "web" declares mutually exclusive dockerfile and dockerfile_inline: invalid compose project',
    );
  });

  test('an additional build context naming an unknown or non-buildable service', () => {
    expect(
      errorOf('services:\n  web:\n    build:\n      additional_contexts: { base: "service:base" }\n'),
    ).toBe('compose.yaml:4:30 service "web" declares unknown service "base" as additional context base');
    expect(
      errorOf(
        'services:\n  web:\n    build:\n      additional_contexts: ["base=service:base"]\n  base:\n    image: x\n',
      ),
    ).toBe(
      'compose.yaml:4:29 service "web" declares non-buildable service "base" as additional context base',
    );
  });

  test('a dependency cycle through depends_on', () => {
    expect(
      errorOf(
        'services:\n  web:\n    image: x\n    depends_on: [api]\n  api:\n    image: x\n    depends_on: [web]\n',
      ),
    ).toBe('compose.yaml:7:18 dependency cycle detected: api -> web -> api');
  });

  test('a dependency cycle through links, volumes_from and network_mode', () => {
    expect(
      errorOf(
        'services:\n  a:\n    image: x\n    links: [b]\n  b:\n    image: x\n    volumes_from: [c]\n  c:\n    image: x\n    network_mode: "service:a"\n',
      ),
    ).toBe('compose.yaml:4:13 dependency cycle detected: a -> b -> c -> a');
  });

  test('a service depending on itself', () => {
    expect(errorOf('services:\n  web:\n    image: x\n    depends_on: [web]\n')).toBe(
      'compose.yaml:4:18 dependency cycle detected: web -> web',
    );
  });

  test('two services publishing the same host port', () => {
    expect(
      errorOf(
        'services:\n  web:\n    image: x\n    ports: ["8080:80"]\n  api:\n    image: x\n    ports: ["8080:3000"]\n',
      ),
    ).toBe(
      'compose.yaml:7:13 services.api.ports[0]: services "web" and "api" both publish host port 8080/tcp',
    );
  });

  test('overlapping port ranges and the long syntax', () => {
    expect(
      errorOf(
        'services:\n  web:\n    image: x\n    ports: ["8000-8010:8000-8010"]\n  api:\n    image: x\n    ports:\n      - target: 80\n        published: "8005"\n',
      ),
    ).toBe(
      'compose.yaml:8:9 services.api.ports[0]: services "web" and "api" both publish host port 8005/tcp',
    );
  });

  test('0.0.0.0 clashes with a specific address; two specific addresses do not', () => {
    expect(
      errorOf(
        'services:\n  web:\n    image: x\n    ports: ["0.0.0.0:80:80"]\n  api:\n    image: x\n    ports: ["127.0.0.1:80:80"]\n',
      ),
    ).toBe(
      'compose.yaml:7:13 services.api.ports[0]: services "web" and "api" both publish host port 127.0.0.1:80/tcp',
    );
    expect(
      errorOf(
        'services:\n  web:\n    image: x\n    ports: ["127.0.0.2:80:80"]\n  api:\n    image: x\n    ports: ["127.0.0.1:80:80"]\n',
      ),
    ).toBeUndefined();
  });

  test('one service publishing a host port twice', () => {
    expect(errorOf('services:\n  web:\n    image: x\n    ports: ["80:80", "80:8080"]\n')).toBe(
      'compose.yaml:4:22 services.web.ports[1]: service "web" publishes host port 80/tcp twice',
    );
  });

  test('an invalid duration', () => {
    expect(errorOf('services:\n  web:\n    image: x\n    healthcheck:\n      start_period: soon\n')).toBe(
      'compose.yaml:5:7 services.web.healthcheck.start_period: "soon" is not a valid duration (expected e.g. 30s, 1m30s, 500ms)',
    );
    expect(errorOf('services:\n  web:\n    image: x\n    stop_grace_period: 1x\n')).toBe(
      'compose.yaml:4:5 services.web.stop_grace_period: "1x" is not a valid duration (expected e.g. 30s, 1m30s, 500ms)',
    );
  });

  test('an invalid byte size', () => {
    expect(errorOf('services:\n  web:\n    image: x\n    shm_size: big\n')).toBe(
      'compose.yaml:4:5 services.web.shm_size: "big" is not a valid size (expected e.g. 512m, 2g, 1024)',
    );
    expect(
      errorOf(
        'services:\n  web:\n    image: x\n    deploy:\n      resources:\n        limits:\n          memory: 1.5x\n',
      ),
    ).toBe(
      'compose.yaml:7:11 services.web.deploy.resources.limits.memory: "1.5x" is not a valid size (expected e.g. 512m, 2g, 1024)',
    );
    expect(errorOf('services:\n  web:\n    image: x\n    tmpfs: ["/run:size=huge"]\n')).toBe(
      'compose.yaml:4:13 services.web.tmpfs[0]: "huge" is not a valid size (expected e.g. 512m, 2g, 1024)',
    );
    expect(errorOf('services:\n  web:\n    image: x\n    memswap_limit: -1\n')).toBeUndefined();
  });

  test('container_name with more than one replica', () => {
    expect(errorOf('services:\n  web:\n    image: x\n    container_name: web\n    scale: 2\n')).toBe(
      'compose.yaml:4:5 services.web.container_name: container_name "web" cannot be used with scale 2: container names must be unique',
    );
    expect(
      errorOf('services:\n  web:\n    image: x\n    container_name: web\n    deploy: { replicas: "3" }\n'),
    ).toBe(
      'compose.yaml:4:5 services.web.container_name: container_name "web" cannot be used with deploy.replicas 3: container names must be unique',
    );
  });

  test('the same container_name on two services', () => {
    expect(
      errorOf(
        'services:\n  a:\n    image: x\n    container_name: db\n  b:\n    image: x\n    container_name: db\n',
      ),
    ).toBe(
      'compose.yaml:7:5 services.b.container_name: container name "db" is used by both service "a" and service "b"',
    );
  });

  test('scale different from deploy.replicas', () => {
    expect(errorOf('services:\n  web:\n    image: x\n    scale: 2\n    deploy: { replicas: 3 }\n')).toBe(
      "compose.yaml:2:3 services.web: can't set distinct values on 'scale' and 'deploy.replicas': invalid compose project",
    );
  });

  test('mem_limit different from deploy.resources.limits.memory', () => {
    expect(
      errorOf(
        'services:\n  web:\n    image: x\n    mem_limit: 1g\n    deploy: { resources: { limits: { memory: 512m } } }\n',
      ),
    ).toBe(
      "compose.yaml:4:5 services.web.mem_limit: can't set distinct values on 'mem_limit' and 'deploy.resources.limits.memory': invalid compose project",
    );
  });

  test('two mounts on one target', () => {
    expect(
      errorOf('services:\n  web:\n    image: x\n    tmpfs: /data\n    volumes: ["./data:/data"]\n'),
    ).toBe(
      'compose.yaml:5:15 services.web.volumes[0]: target /data is already mounted as services.web.tmpfs',
    );
  });

  test('a watch rule without a target', () => {
    expect(
      errorOf(
        'services:\n  web:\n    build: .\n    develop:\n      watch:\n        - path: ./src\n          action: sync\n',
      ),
    ).toBe('compose.yaml:6:11 services.web.develop.watch[0]: target is required for action "sync"');
  });
});

describe('checkConsistency warns', () => {
  test('about a watch rebuild rule on a service without build, which Docker Compose loads too', () => {
    const yaml =
      'services:\n  web:\n    image: x\n    develop:\n      watch:\n        - path: ./src\n          action: rebuild\n';
    expect(errorOf(yaml)).toBeUndefined();
    expect(warningsOf(yaml)).toEqual([
      {
        message:
          'services.web.develop.watch[0]: action "rebuild" needs the service to have a build section; watch will refuse this rule',
        position: { file: 'compose.yaml', line: 6, col: 11 },
      },
    ]);
  });

  test('about ports under host networking, and skips them for clashes', () => {
    const yaml =
      'services:\n  web:\n    image: x\n    network_mode: host\n    ports: ["80:80"]\n  api:\n    image: x\n    ports: ["80:80"]\n';
    expect(warningsOf(yaml)).toEqual([
      {
        message: 'services.web.ports: published ports are discarded when using host network mode',
        position: { file: 'compose.yaml', line: 5, col: 5 },
      },
    ]);
  });

  test('about replicas that outnumber the host ports they publish', () => {
    const yaml = [
      'services:',
      '  web:',
      '    image: x',
      '    deploy: {replicas: 3}',
      '    ports: ["8080:80", "9000-9001:90", "9100-9102:91", "100"]',
      '  one:',
      '    image: x',
      '    scale: 2',
      '    ports: [{target: 80, published: "7000", protocol: udp}]',
    ].join('\n');
    expect(errorOf(yaml)).toBeUndefined();
    expect(warningsOf(yaml)).toEqual([
      {
        message:
          'services.web.ports[0]: deploy.replicas 3 needs 3 host ports but only host port 8080/tcp is published: the extra containers cannot start',
        position: { file: 'compose.yaml', line: 5, col: 13 },
      },
      {
        message:
          'services.web.ports[1]: deploy.replicas 3 needs 3 host ports but only host ports 9000-9001/tcp are published: the extra containers cannot start',
        position: { file: 'compose.yaml', line: 5, col: 24 },
      },
      {
        message:
          'services.one.ports[0]: scale 2 needs 2 host ports but only host port 7000/udp is published: the extra containers cannot start',
        position: { file: 'compose.yaml', line: 9, col: 13 },
      },
    ]);
  });
});

describe('helpers', () => {
  test('splitVolumeSpec keeps Windows drive letters whole', () => {
    expect(splitVolumeSpec('C:\\data:/data:ro')).toEqual(['C:\\data', '/data', 'ro']);
    expect(splitVolumeSpec('data:/data')).toEqual(['data', '/data']);
    expect(splitVolumeSpec('/anon')).toEqual(['/anon']);
  });

  test('forEachAt visits every match of a pattern', () => {
    const seen: string[] = [];
    forEachAt({ a: [{ b: 1 }, { b: 2 }, { c: 3 }] }, ['a', '*', 'b'], (value, path) =>
      seen.push(`${path.join('.')}=${String(value)}`),
    );
    expect(seen).toEqual(['a.0.b=1', 'a.1.b=2']);
  });
});
