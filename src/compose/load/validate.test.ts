import { describe, expect, test } from 'vitest';
import { parseComposeYaml } from './parse.js';
import { ComposeError } from './source-map.js';
import { closest, formatMessage, parsePortRange, parsePortSpec, validateSchema } from './validate.js';

/** The message validateSchema throws for a one-document YAML file, or undefined when it passes. */
function errorOf(yaml: string): string | undefined {
  const [document] = parseComposeYaml(yaml, 'compose.yaml');
  if (!document) throw new Error('no document');
  try {
    validateSchema(document.value, document.sourceMap);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ComposeError);
    return (error as ComposeError).message;
  }
}

/** A file with one service `web` whose attributes are the given (indented) YAML lines. */
function web(lines: string): string {
  return `services:\n  web:\n    image: nginx\n${lines.replace(/^/gm, '    ')}\n`;
}

describe('validateSchema accepts', () => {
  test('a file using most of the specification', () => {
    const yaml = `
version: "3.8"
name: shop
include:
  - other/compose.yaml
  - path: [a.yaml, b.yaml]
    project_directory: other
    env_file: other/.env
x-common: &common
  restart: unless-stopped
services:
  web:
    <<: *common
    build:
      context: .
      dockerfile: Dockerfile
      args: { NODE_ENV: production, DEBUG: }
      cache_from: [type=local]
      ssh: [default]
      platforms: [linux/amd64]
      secrets: [npmrc]
      shm_size: 128m
      no_cache: "false"
      x-extra: 1
    image: shop/web:1.0
    command: ["npm", "start"]
    entrypoint: null
    environment:
      - A=1
      - B
    env_file:
      - .env
      - path: ./local.env
        required: false
        format: raw
    label_file: ./labels
    labels: { com.example.tier: frontend }
    ports:
      - 80
      - "8080:80"
      - "127.0.0.1:9000-9001:9000-9001/udp"
      - "[::1]:5432:5432"
      - "127.0.0.1::3000"
      - target: 443
        published: "8443"
        host_ip: 0.0.0.0
        protocol: tcp
        mode: host
        app_protocol: https
        name: tls
    expose: [3000, "4000-4001/udp"]
    volumes:
      - ./src:/app/src:ro
      - data:/var/lib/data
      - /anonymous
      - type: bind
        source: ./config
        target: /config
        read_only: true
        bind: { create_host_path: true, propagation: rprivate, selinux: z }
      - type: tmpfs
        target: /tmp
        tmpfs: { size: 64m, mode: 1777 }
      - type: volume
        source: cache
        target: /cache
        volume: { nocopy: "true", subpath: sub }
    tmpfs: /run
    depends_on:
      db:
        condition: service_healthy
        restart: true
        required: false
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost"]
      interval: 1m30s
      timeout: 10s
      retries: "3"
      start_period: 40s
      start_interval: 5s
    deploy:
      mode: replicated
      replicas: 2
      resources:
        limits: { cpus: "0.5", memory: 512M, pids: 100 }
        reservations:
          memory: 128m
          devices:
            - capabilities: [gpu]
              count: all
      restart_policy: { condition: on-failure, delay: 5s, max_attempts: 3, window: 2m }
      update_config: { parallelism: 2, delay: 10s, order: stop-first }
      placement: { constraints: [node.role==manager], preferences: [{ spread: node.labels.zone }] }
    develop:
      watch:
        - path: ./src
          action: sync+exec
          target: /app/src
          ignore: [node_modules/]
          initial_sync: true
          exec:
            command: npm run reload
            user: node
        - path: package.json
          action: rebuild
    post_start:
      - command: ["sh", "-c", "echo started"]
        privileged: "true"
    pre_stop:
      - command: echo bye
    pre_start:
      - command: ["npm", "run", "migrate"]
        per_replica: false
    networks:
      front:
        aliases: [shop]
        ipv4_address: 172.20.0.5
        priority: 10
      default:
    secrets:
      - db_password
      - source: api_key
        target: /run/secrets/key
        mode: 0400
    configs: [nginx]
    ulimits:
      nofile: { soft: 1024, hard: 2048 }
      nproc: 65535
    logging:
      driver: json-file
      options: { max-size: 10m, max-file: "3" }
    extra_hosts: ["host.docker.internal:host-gateway"]
    cap_add: [NET_ADMIN]
    sysctls: { net.core.somaxconn: 1024 }
    init: true
    stop_grace_period: 20s
    pull_policy: every_12h
    restart: on-failure:3
    mem_limit: 1g
    memswap_limit: -1
    cpus: 1.5
    profiles: [frontend, debug.tools]
    gpus: all
    models: { llm: { endpoint_var: LLM_URL } }
    x-note: anything
  db:
    image: postgres:16
    provider:
      type: model
      options: { model: ai/smollm2, flags: [a, b] }
    network_mode: "service:web"
    container_name: shop-db
  empty:
networks:
  front:
    driver: bridge
    ipam:
      config:
        - subnet: 172.20.0.0/24
          gateway: 172.20.0.1
  outside:
    external: true
  legacy:
    external: { name: legacy_net }
  plain:
volumes:
  data:
  cache:
    driver: local
    driver_opts: { type: none, o: bind, device: /srv/cache }
secrets:
  db_password: { file: ./db_password.txt }
  api_key: { environment: API_KEY }
configs:
  nginx: { content: "server {}" }
models:
  llm: { model: ai/smollm2, context_size: 4096, runtime_flags: [--verbose] }
`;
    expect(errorOf(yaml)).toBeUndefined();
  });

  test('values left uninterpolated (interpolation turned off)', () => {
    expect(
      errorOf(web('ports: ["${PORT}:80"]\nstop_grace_period: $GRACE\nprivileged: ${PRIV:-false}')),
    ).toBeUndefined();
  });

  test('booleans, integers and numbers written as strings, as interpolation leaves them', () => {
    expect(
      errorOf(web('privileged: "true"\ntty: "no"\nscale: "2"\ncpus: "0.25"\nmem_limit: "512m"')),
    ).toBeUndefined();
  });

  test('an empty services section', () => {
    expect(errorOf('services:\n')).toBeUndefined();
  });
});

describe('validateSchema reports the most specific error', () => {
  test('an invalid short port', () => {
    expect(errorOf(web('ports:\n  - "80:80:80"'))).toBe(
      'compose.yaml:5:9 services.web.ports[0]: "80:80:80" is not a valid port (expected [HOST:]CONTAINER[/PROTOCOL])',
    );
  });

  test('a port number out of range', () => {
    expect(errorOf(web('ports: [70000]'))).toBe(
      'compose.yaml:4:13 services.web.ports[0]: must be at most 65535',
    );
  });

  test('an unknown service attribute, with a suggestion', () => {
    expect(errorOf('services:\n  web:\n    imagee: nginx\n')).toBe(
      'compose.yaml:3:5 services.web: additional property "imagee" is not allowed (did you mean "image"?)',
    );
  });

  test('an unknown attribute with no close name', () => {
    expect(errorOf(web('flavour: vanilla'))).toBe(
      'compose.yaml:4:5 services.web: additional property "flavour" is not allowed',
    );
  });

  test('an unknown top-level key', () => {
    expect(errorOf('servics:\n  web:\n    image: nginx\n')).toBe(
      'compose.yaml:1:1 additional property "servics" is not allowed (did you mean "services"?)',
    );
  });

  test('an unknown key in a nested object suggests from that object', () => {
    expect(errorOf('services:\n  web:\n    image: x\nsecrets:\n  token:\n    files: ./token\n')).toBe(
      'compose.yaml:6:5 secrets.token: additional property "files" is not allowed (did you mean "file"?)',
    );
  });

  test('x- extensions are allowed where Compose allows them', () => {
    expect(errorOf(web('x-a: 1\nhealthcheck:\n  x-b: 2\n  test: [NONE]'))).toBeUndefined();
  });

  test('a restart policy', () => {
    expect(errorOf(web('restart: sometimes'))).toBe(
      'compose.yaml:4:5 services.web.restart: "sometimes" is not a valid restart policy (expected no, always, on-failure[:N] or unless-stopped)',
    );
  });

  test('a type error names the expected type and what was found', () => {
    expect(errorOf('services:\n  web:\n    image: 5\n')).toBe(
      'compose.yaml:3:5 services.web.image: must be a string, got a number',
    );
  });

  test('null where a string is required', () => {
    expect(errorOf('services:\n  web:\n    image:\n')).toBe(
      'compose.yaml:3:5 services.web.image: must be a string, got null',
    );
  });

  test('when no branch of a choice applies, the accepted types are listed together', () => {
    expect(errorOf(web('build: 5'))).toBe(
      'compose.yaml:4:5 services.web.build: must be a string or a mapping, got a number',
    );
    expect(errorOf(web('environment: true'))).toBe(
      'compose.yaml:4:5 services.web.environment: must be a mapping or a list, got a boolean',
    );
  });

  test('the branch that got furthest wins over "must match a schema"', () => {
    expect(errorOf(web('depends_on:\n  db:\n    condition: ready'))).toBe(
      'compose.yaml:6:9 services.web.depends_on.db.condition: must be one of "service_started", "service_healthy", "service_completed_successfully"',
    );
    expect(errorOf(web('networks:\n  front:\n    aliases: shop'))).toBe(
      'compose.yaml:6:9 services.web.networks.front.aliases: must be a list, got a string',
    );
    expect(errorOf(web('build:\n  context: .\n  dockerfille: Dockerfile'))).toBe(
      'compose.yaml:6:7 services.web.build: additional property "dockerfille" is not allowed (did you mean "dockerfile"?)',
    );
  });

  test('a missing required property', () => {
    expect(errorOf(web('extends:\n  file: base.yaml'))).toBe(
      'compose.yaml:4:5 services.web.extends: missing required property "service"',
    );
    expect(errorOf(web('depends_on:\n  db:\n    restart: true'))).toBe(
      'compose.yaml:5:7 services.web.depends_on.db: missing required property "condition"',
    );
  });

  test('an invalid duration', () => {
    expect(errorOf(web('healthcheck:\n  interval: 10x'))).toBe(
      'compose.yaml:5:7 services.web.healthcheck.interval: "10x" is not a valid duration (expected e.g. 30s, 1m30s, 500ms)',
    );
  });

  test('an invalid byte size', () => {
    expect(errorOf(web('mem_limit: lots'))).toBe(
      'compose.yaml:4:5 services.web.mem_limit: "lots" is not a valid size (expected e.g. 512m, 2g, 1024)',
    );
  });

  test('a boolean written as a word that is not one', () => {
    expect(errorOf(web('privileged: maybe'))).toBe(
      'compose.yaml:4:5 services.web.privileged: "maybe" is not a boolean (expected true or false)',
    );
  });

  test('an integer written as a word', () => {
    expect(errorOf(web('scale: two'))).toBe('compose.yaml:4:5 services.web.scale: "two" is not an integer');
  });

  test('a healthcheck test that does not start with CMD, CMD-SHELL or NONE', () => {
    expect(errorOf(web('healthcheck:\n  test: [CMDD, curl]'))).toBe(
      'compose.yaml:5:14 services.web.healthcheck.test[0]: must start with "CMD", "CMD-SHELL" or "NONE"',
    );
  });

  test('duplicate list entries point at the later one', () => {
    expect(errorOf(web('ports:\n  - "80:80"\n  - "80:80"'))).toBe(
      'compose.yaml:6:9 services.web.ports[1]: duplicate entry "80:80", already listed at [0]',
    );
  });

  test('an invalid service name', () => {
    expect(errorOf('services:\n  "my web":\n    image: x\n')).toBe(
      'compose.yaml:2:3 services: "my web" is not a valid name (use letters, digits, ".", "_" and "-")',
    );
  });

  test('an invalid ulimit name', () => {
    expect(errorOf(web('ulimits:\n  NOFILE: 1024'))).toBe(
      'compose.yaml:5:7 services.web.ulimits: "NOFILE" is not a valid ulimit name (lowercase letters, e.g. nofile)',
    );
  });

  test('a pull policy', () => {
    expect(errorOf(web('pull_policy: every_5m'))).toBeUndefined();
    expect(errorOf(web('pull_policy: sometimes'))).toBe(
      'compose.yaml:4:5 services.web.pull_policy: "sometimes" is not a valid pull policy (expected always, never, missing, if_not_present, build, refresh, daily, weekly or every_<duration>)',
    );
  });

  test('a long-syntax port', () => {
    expect(errorOf(web('ports:\n  - target: 80\n    protocol: icmp'))).toBe(
      'compose.yaml:6:9 services.web.ports[0].protocol: must be one of "tcp", "udp", "sctp"',
    );
    expect(errorOf(web('ports:\n  - published: 80'))).toBe(
      'compose.yaml:5:9 services.web.ports[0]: missing required property "target"',
    );
    expect(errorOf(web('ports:\n  - target: 80\n    published: "80-70"'))).toBe(
      'compose.yaml:6:9 services.web.ports[0].published: "80-70" is not a valid port or port range (expected e.g. 8080 or 8000-8010)',
    );
  });

  test('a long-syntax volume', () => {
    expect(errorOf(web('volumes:\n  - type: disk\n    target: /d'))).toBe(
      'compose.yaml:5:9 services.web.volumes[0].type: must be one of "bind", "volume", "tmpfs", "image", "npipe", "cluster"',
    );
    expect(errorOf(web('volumes:\n  - type: volume\n    target: /d\n    volume:\n      nocopyy: true'))).toBe(
      'compose.yaml:8:11 services.web.volumes[0].volume: additional property "nocopyy" is not allowed (did you mean "nocopy"?)',
    );
  });

  test('a watch rule', () => {
    expect(errorOf(web('develop:\n  watch:\n    - path: ./src\n      action: copy'))).toBe(
      'compose.yaml:7:11 services.web.develop.watch[0].action: must be one of "sync", "rebuild", "restart", "sync+restart", "sync+exec"',
    );
    expect(errorOf(web('develop:\n  watch:\n    - action: rebuild'))).toBe(
      'compose.yaml:6:11 services.web.develop.watch[0]: missing required property "path"',
    );
  });

  test('a top-level model needs its model', () => {
    expect(errorOf('services: {}\nmodels:\n  llm:\n    context_size: 10\n')).toBe(
      'compose.yaml:3:3 models.llm: missing required property "model"',
    );
  });

  test('an invalid container name', () => {
    expect(errorOf(web('container_name: "-db"'))).toBe(
      'compose.yaml:4:5 services.web.container_name: "-db" is not a valid container name (at least 2 characters: letters, digits, ".", "_" and "-", starting with a letter or digit)',
    );
  });
});

describe('parsePortSpec', () => {
  test('reads every part of the short syntax', () => {
    expect(parsePortSpec('80')).toEqual({ hostIp: '', target: { start: 80, end: 80 }, protocol: 'tcp' });
    expect(parsePortSpec('8080:80/udp')).toEqual({
      hostIp: '',
      published: { start: 8080, end: 8080 },
      target: { start: 80, end: 80 },
      protocol: 'udp',
    });
    expect(parsePortSpec('127.0.0.1:9000-9001:9000-9001')).toEqual({
      hostIp: '127.0.0.1',
      published: { start: 9000, end: 9001 },
      target: { start: 9000, end: 9001 },
      protocol: 'tcp',
    });
    expect(parsePortSpec('[::1]:5432:5432')?.hostIp).toBe('::1');
    expect(parsePortSpec('::1:5432:5432')?.hostIp).toBe('::1');
    expect(parsePortSpec('127.0.0.1::80')).toEqual({
      hostIp: '127.0.0.1',
      target: { start: 80, end: 80 },
      protocol: 'tcp',
    });
    expect(parsePortSpec('8000-8010:80')?.published).toEqual({ start: 8000, end: 8010 });
  });

  test('rejects what Docker rejects', () => {
    for (const bad of [
      '80:80:80',
      '',
      ':80',
      '0',
      '70000',
      '80/icmp',
      '8080:80-81',
      '300.1.1.1:80:80',
      'a:80',
      '90-80',
    ]) {
      expect(parsePortSpec(bad), bad).toBeUndefined();
    }
  });

  test('port ranges', () => {
    expect(parsePortRange('8000-8010')).toEqual({ start: 8000, end: 8010 });
    expect(parsePortRange('65536')).toBeUndefined();
  });
});

describe('closest', () => {
  test('suggests likely typos only', () => {
    expect(closest('imagee', ['image', 'init'])).toBe('image');
    expect(closest('enviroment', ['environment', 'env_file'])).toBe('environment');
    expect(closest('dsn', ['dns', 'ipc'])).toBe('dns');
    expect(closest('Image', ['image'])).toBe('image');
    expect(closest('flavour', ['image', 'ports'])).toBeUndefined();
  });
});

test('formatMessage quotes the value', () => {
  expect(formatMessage('compose-duration', '5 minutes')).toBe(
    '"5 minutes" is not a valid duration (expected e.g. 30s, 1m30s, 500ms)',
  );
});
