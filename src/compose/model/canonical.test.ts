import { describe, expect, it } from 'vitest';
import { normaliseProject } from '../load/normalise.js';
import type { RawMap } from '../load/raw.js';
import { SourceMap } from '../load/source-map.js';
import { compareYamlKeys, formatGoDuration, renderJson, renderYaml, toCanonical } from './canonical.js';
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

describe('formatGoDuration', () => {
  it('prints durations like Go', () => {
    expect(formatGoDuration(0)).toBe('0s');
    expect(formatGoDuration(90_000)).toBe('1m30s');
    expect(formatGoDuration(3_600_000)).toBe('1h0m0s');
    expect(formatGoDuration(1500)).toBe('1.5s');
    expect(formatGoDuration(500)).toBe('500ms');
    expect(formatGoDuration(0.0015)).toBe('1.5µs');
    expect(formatGoDuration(0.000002)).toBe('2ns');
    expect(formatGoDuration(7_384_500)).toBe('2h3m4.5s');
  });
});

describe('compareYamlKeys', () => {
  it('orders digit runs as numbers, like Go yaml', () => {
    expect(['a10', 'a9', 'b', 'a'].sort(compareYamlKeys)).toEqual(['a', 'a9', 'a10', 'b']);
    expect(['web', 'db', 'api'].sort(compareYamlKeys)).toEqual(['api', 'db', 'web']);
  });
});

describe('toCanonical', () => {
  it('orders attributes as Docker Compose prints them and drops empty values', () => {
    const project = load({
      services: {
        web: {
          image: 'nginx',
          profiles: ['debug'],
          hostname: 'web',
          healthcheck: { test: ['CMD', 'true'], interval: '30s' },
          build: '.',
          environment: { B: '2', A: '1' },
          labels: [],
          read_only: false,
          command: 'npm start',
          ports: ['8080:80'],
          'x-note': 'kept',
        },
      },
    });
    const web = (toCanonical(project).services as Record<string, object>).web as Record<string, unknown>;
    expect(Object.keys(web)).toEqual([
      'profiles',
      'build',
      'command',
      'environment',
      'hostname',
      'healthcheck',
      'image',
      'networks',
      'ports',
      'x-note',
    ]);
    expect(web).toEqual({
      profiles: ['debug'],
      build: { context: '/projects/app', dockerfile: 'Dockerfile' },
      command: ['npm', 'start'],
      environment: { A: '1', B: '2' },
      hostname: 'web',
      healthcheck: { test: ['CMD', 'true'], interval: '30s' },
      image: 'nginx',
      networks: { default: null },
      ports: [{ mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' }],
      'x-note': 'kept',
    });
  });

  it('prints sizes as strings, modes in octal and pointer fields even when zero', () => {
    const project = load({
      services: {
        db: {
          image: 'postgres',
          shm_size: '64m',
          scale: 0,
          attach: false,
          secrets: [{ source: 's', mode: 0o440 }],
          ulimits: { nofile: 1024, nproc: { soft: 1, hard: 2 } },
          deploy: { resources: { limits: { memory: '1g' } }, restart_policy: { delay: 0 } },
          depends_on: { cache: { condition: 'service_started', required: false } },
          extra_hosts: ['b=2.2.2.2', 'a=1.1.1.1'],
          volumes: ['./d:/d', 'vol:/v'],
          gpus: 'all',
        },
      },
      secrets: { s: { file: './s.txt' } },
    });
    const db = (toCanonical(project).services as Record<string, object>).db as Record<string, unknown>;
    expect(db).toEqual({
      attach: false,
      depends_on: { cache: { condition: 'service_started', required: false } },
      deploy: {
        replicas: 0,
        resources: { limits: { memory: '1073741824' } },
        restart_policy: { delay: '0s' },
      },
      extra_hosts: ['a=1.1.1.1', 'b=2.2.2.2'],
      gpus: [{ count: -1 }],
      image: 'postgres',
      networks: { default: null },
      scale: 0,
      secrets: [{ source: 's', target: '/run/secrets/s', mode: '0440' }],
      shm_size: '67108864',
      ulimits: { nofile: 1024, nproc: { soft: 1, hard: 2 } },
      volumes: [
        { type: 'bind', source: '/projects/app/d', target: '/d', bind: {} },
        { type: 'volume', source: 'vol', target: '/v', volume: {} },
      ],
    });
  });

  it('prints create_host_path only when a bind turns it off', () => {
    const project = load({
      services: {
        app: {
          image: 'alpine',
          volumes: [
            { type: 'bind', source: './a', target: '/a', bind: { create_host_path: false } },
            { type: 'bind', source: './b', target: '/b', bind: { create_host_path: true } },
          ],
        },
      },
    });
    const app = (toCanonical(project).services as Record<string, Record<string, unknown>>).app;
    expect(app?.volumes).toEqual([
      { type: 'bind', source: '/projects/app/a', target: '/a', bind: { create_host_path: false } },
      { type: 'bind', source: '/projects/app/b', target: '/b', bind: {} },
    ]);
  });

  it('prints a ulimit written as one number as a number, and a soft/hard pair as a pair', () => {
    const project = load({
      services: { app: { image: 'alpine', ulimits: { nproc: 512, nofile: { soft: 2048, hard: 2048 } } } },
    });
    const app = (toCanonical(project).services as Record<string, Record<string, unknown>>).app;
    expect(app?.ulimits).toEqual({ nofile: { soft: 2048, hard: 2048 }, nproc: 512 });
  });

  it('hides secret contents and orders the top level', () => {
    const project = load({
      services: { a: { image: 'x' } },
      volumes: { data: null },
      secrets: { token: { environment: 'TOKEN' } },
      configs: { inline: { content: 'hello' } },
      'x-top': 1,
    });
    const canonical = toCanonical(project);
    expect(Object.keys(canonical)).toEqual([
      'name',
      'services',
      'networks',
      'volumes',
      'secrets',
      'configs',
      'x-top',
    ]);
    expect(canonical.secrets).toEqual({ token: { name: 'demo_token', environment: 'TOKEN' } });
    expect(canonical.configs).toEqual({ inline: { name: 'demo_inline', content: 'hello' } });
    expect(Object.keys(toCanonical(project, 'json'))).toEqual([
      'configs',
      'name',
      'networks',
      'secrets',
      'services',
      'volumes',
      'x-top',
    ]);
  });
});

describe('renderYaml / renderJson', () => {
  const project = load({
    services: {
      web: {
        image: 'nginx:1.27',
        command: ['echo', '$HOME <ok>'],
        environment: ['FLAG=yes'],
        ports: ['8080:80'],
        volumes: ['data:/data'],
        healthcheck: { test: 'curl -f http://localhost || exit 1', interval: '1m30s', retries: 3 },
      },
    },
    volumes: { data: {} },
  });

  it('prints docker compose style YAML', () => {
    expect(renderYaml(project)).toBe(
      [
        'name: demo',
        'services:',
        '  web:',
        '    command:',
        '      - echo',
        '      - $$HOME <ok>',
        '    environment:',
        '      FLAG: "yes"',
        '    healthcheck:',
        '      test:',
        '        - CMD-SHELL',
        '        - curl -f http://localhost || exit 1',
        '      interval: 1m30s',
        '      retries: 3',
        '    image: nginx:1.27',
        '    networks:',
        '      default: null',
        '    ports:',
        '      - mode: ingress',
        '        target: 80',
        '        published: "8080"',
        '        protocol: tcp',
        '    volumes:',
        '      - type: volume',
        '        source: data',
        '        target: /data',
        '        volume: {}',
        'networks:',
        '  default:',
        '    name: demo_default',
        'volumes:',
        '  data:',
        '    name: demo_data',
        '',
      ].join('\n'),
    );
  });

  it('quotes like Go: double quotes for strings read back as other types, single quotes otherwise', () => {
    const quoted = load({
      services: {
        off: {
          image: 'alpine',
          command: ['*.css', '8080', 'a: b', '', 'y', '1e3', 'plain', '-U'],
          'x-meta': { zeta: 1, alpha: { b: 2, a: 1 } },
        },
      },
    });
    const text = renderYaml(quoted);
    expect(text).toContain(
      [
        '  "off":',
        '    command:',
        "      - '*.css'",
        '      - "8080"',
        "      - 'a: b'",
        '      - ""',
        '      - "y"',
        '      - "1e3"',
        '      - plain',
        '      - -U',
      ].join('\n'),
    );
    // Extension values are Go maps: sorted at every level.
    expect(text).toContain(
      ['    x-meta:', '      alpha:', '        a: 1', '        b: 2', '      zeta: 1'].join('\n'),
    );
  });

  it('quotes strings that a YAML 1.2 reader would take for numbers, so the output reads back the same', () => {
    const text = renderYaml(
      load({ services: { app: { image: 'alpine', labels: { a: '0o17', b: '+0o7', c: '0x1f', d: '.5' } } } }),
    );
    expect(text).toContain(
      ['    labels:', '      a: "0o17"', '      b: +0o7', '      c: "0x1f"', '      d: ".5"'].join('\n'),
    );
  });

  it('prints nested x- extensions in YAML only, top-level ones in both', () => {
    const withExtensions = load({
      services: { app: { image: 'alpine', 'x-note': 'service' } },
      'x-top': 'project',
    });
    const json = JSON.parse(renderJson(withExtensions)) as Record<string, Record<string, object>>;
    expect(json['x-top']).toBe('project');
    expect(json.services?.app).not.toHaveProperty('x-note');
    expect(renderYaml(withExtensions)).toContain('    x-note: service\n');
  });

  it('prints JSON with null commands and escaped HTML characters', () => {
    const json = renderJson(load({ services: { a: { image: 'x', labels: { tag: 'a<b' } } } }));
    expect(json).toBe(
      [
        '{',
        '  "name": "demo",',
        '  "networks": {',
        '    "default": {',
        '      "name": "demo_default"',
        '    }',
        '  },',
        '  "services": {',
        '    "a": {',
        '      "command": null,',
        '      "entrypoint": null,',
        '      "image": "x",',
        '      "labels": {',
        '        "tag": "a\\u003cb"',
        '      },',
        '      "networks": {',
        '        "default": null',
        '      }',
        '    }',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    expect(renderJson(project)).toContain('"$$HOME \\u003cok\\u003e"');
  });
});
