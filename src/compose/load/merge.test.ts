import { describe, expect, it } from 'vitest';
import { mergeComposeFiles, portKey, volumeKey } from './merge.js';
import { parseComposeYaml, type ParsedDocument } from './parse.js';
import { stripTags, Tagged } from './raw.js';

function doc(text: string, file: string): ParsedDocument {
  const [parsed] = parseComposeYaml(text, file);
  return { ...parsed!, file };
}

/** Merges the files and returns the model as the later stages see it (tags applied). */
function merged(...texts: string[]) {
  const result = mergeComposeFiles(texts.map((text, index) => doc(text, `f${index + 1}.yaml`)));
  return stripTags(result.value);
}

describe('mergeComposeFiles: mappings, scalars and sequences', () => {
  it('merges mappings per key, the later file winning for scalars', () => {
    expect(
      merged(
        'services:\n  web:\n    image: a\n    user: root\n',
        'services:\n  web:\n    image: b\n    working_dir: /app\n  db:\n    image: pg\n',
      ),
    ).toEqual({
      services: {
        web: { image: 'b', user: 'root', working_dir: '/app' },
        db: { image: 'pg' },
      },
    });
  });

  it('appends plain sequences', () => {
    expect(
      merged(
        'services:\n  web:\n    security_opt: [label:a]\n    group_add: [1]\n',
        'services:\n  web:\n    security_opt: [label:b]\n    group_add: [1]\n',
      ),
    ).toEqual({ services: { web: { security_opt: ['label:a', 'label:b'], group_add: [1, 1] } } });
  });

  it('replaces command, entrypoint and healthcheck.test instead of appending', () => {
    expect(
      merged(
        'services:\n  web:\n    command: [echo, foo]\n    entrypoint: [sh, -c]\n    healthcheck:\n      test: [CMD, a]\n      retries: 3\n',
        'services:\n  web:\n    command: [echo, bar]\n    entrypoint: [bash]\n    healthcheck:\n      test: [CMD, b]\n',
      ),
    ).toEqual({
      services: {
        web: {
          command: ['echo', 'bar'],
          entrypoint: ['bash'],
          healthcheck: { test: ['CMD', 'b'], retries: 3 },
        },
      },
    });
  });

  it('keeps the earlier value when the later file leaves it empty, but clears a replaced command', () => {
    expect(
      merged(
        'services:\n  web:\n    image: a\n    environment: {A: "1"}\n    command: [run]\n',
        'services:\n  web:\n    image:\n    environment:\n    command:\n',
      ),
    ).toEqual({ services: { web: { image: 'a', environment: { A: '1' }, command: null } } });
  });

  it('lets the later file change the type of a value', () => {
    expect(merged('x-a: [1, 2]\n', 'x-a: {b: 1}\n')).toEqual({ 'x-a': { b: 1 } });
  });

  it('merges three files in order', () => {
    expect(
      merged(
        'services:\n  web:\n    image: a\n    ports: ["80:80"]\n',
        'services:\n  web:\n    image: b\n    ports: ["81:81"]\n',
        'services:\n  web:\n    image: c\n    ports: ["80:80", "82:82"]\n',
      ),
    ).toEqual({ services: { web: { image: 'c', ports: ['80:80', '81:81', '82:82'] } } });
  });

  it('returns a single file unchanged and refuses no file at all', () => {
    const only = doc('services:\n  web:\n    image: a\n', 'only.yaml');
    expect(mergeComposeFiles([only])).toBe(only);
    expect(() => mergeComposeFiles([])).toThrow('no compose file to merge');
  });

  it('does not modify its inputs', () => {
    const first = doc(
      'services:\n  web:\n    image: a\n    ports: ["80:80"]\n    environment: [A=1]\n',
      'a.yaml',
    );
    const second = doc(
      'services:\n  web:\n    image: b\n    ports: ["81:81"]\n    environment: {B: 2}\n',
      'b.yaml',
    );
    const before = JSON.stringify([first.value, second.value]);
    mergeComposeFiles([first, second]);
    expect(JSON.stringify([first.value, second.value])).toBe(before);
  });
});

describe('mergeComposeFiles: key/value attributes', () => {
  it('merges environment by key across mapping and list forms', () => {
    expect(
      merged(
        'services:\n  web:\n    environment:\n      - A=1\n      - B=2\n      - C\n',
        'services:\n  web:\n    environment:\n      B: three\n      D: 4\n',
      ),
    ).toEqual({ services: { web: { environment: { A: '1', B: 'three', C: null, D: 4 } } } });
  });

  it('keeps two lists a list, de-duplicated by key with the later entry in the earlier place', () => {
    expect(
      merged(
        'services:\n  web:\n    labels: [a=1, b=2]\n    environment: [X=1]\n',
        'services:\n  web:\n    labels: [c=3, a=9]\n    environment: [X]\n',
      ),
    ).toEqual({ services: { web: { labels: ['a=9', 'b=2', 'c=3'], environment: ['X'] } } });
  });

  it('applies the same rule to build args, annotations, sysctls, deploy labels and resource labels', () => {
    expect(
      merged(
        [
          'services:',
          '  web:',
          '    build: {context: ., args: [V=1]}',
          '    annotations: {a: "1"}',
          '    sysctls: [net.core.somaxconn=1024]',
          '    deploy: {labels: [x=1]}',
          'networks:',
          '  n: {labels: {a: "1"}}',
          'volumes:',
          '  v: {labels: [a=1]}',
          '',
        ].join('\n'),
        [
          'services:',
          '  web:',
          '    build: {args: {V: "2"}}',
          '    annotations: [b=2]',
          '    sysctls: {net.core.somaxconn: 2048}',
          '    deploy: {labels: {y: "2"}}',
          'networks:',
          '  n: {labels: [b=2]}',
          'volumes:',
          '  v: {labels: [a=2]}',
          '',
        ].join('\n'),
      ),
    ).toEqual({
      services: {
        web: {
          build: { context: '.', args: { V: '2' } },
          annotations: { a: '1', b: '2' },
          sysctls: { 'net.core.somaxconn': 2048 },
          deploy: { labels: { x: '1', y: '2' } },
        },
      },
      networks: { n: { labels: { a: '1', b: '2' } } },
      volumes: { v: { labels: ['a=2'] } },
    });
  });

  it('removes one key with !reset', () => {
    expect(
      merged(
        'services:\n  app:\n    environment:\n      FOO: BAR\n      KEEP: "1"\n',
        'services:\n  app:\n    environment:\n      FOO: !reset null\n',
      ),
    ).toEqual({ services: { app: { environment: { KEEP: '1' } } } });
  });

  it('merges extra_hosts as host=ip entries without duplicates', () => {
    expect(
      merged(
        'services:\n  web:\n    extra_hosts:\n      b.test: 10.0.0.2\n      a.test: [10.0.0.1, "::1"]\n',
        'services:\n  web:\n    extra_hosts: ["a.test=10.0.0.1", "c.test:10.0.0.3"]\n',
      ),
    ).toEqual({
      services: {
        web: { extra_hosts: ['a.test=10.0.0.1', 'a.test=::1', 'b.test=10.0.0.2', 'c.test:10.0.0.3'] },
      },
    });
  });
});

describe('mergeComposeFiles: unique entries', () => {
  it('adds ports, replacing one with the same ip, published port, target and protocol', () => {
    expect(
      merged(
        'services:\n  web:\n    ports:\n      - "8080:80"\n      - "127.0.0.1:9000:9000/udp"\n      - 3000\n',
        [
          'services:',
          '  web:',
          '    ports:',
          '      - {target: 80, published: "8080", mode: host}',
          '      - "127.0.0.1:9000:9000"',
          '      - "3000"',
          '',
        ].join('\n'),
      ),
    ).toEqual({
      services: {
        web: {
          ports: [
            { target: 80, published: '8080', mode: 'host' },
            '127.0.0.1:9000:9000/udp',
            '3000',
            '127.0.0.1:9000:9000',
          ],
        },
      },
    });
  });

  it('computes port keys from short and long syntax alike', () => {
    expect(portKey('8080:80')).toBe('0.0.0.0:8080:80/tcp');
    expect(portKey({ target: 80, published: 8080 })).toBe('0.0.0.0:8080:80/tcp');
    expect(portKey('[::1]:53:53/udp')).toBe('::1:53:53/udp');
    expect(portKey({ target: 53, host_ip: '::1', published: '53', protocol: 'udp' })).toBe('::1:53:53/udp');
    expect(portKey(80)).toBe('0.0.0.0::80/tcp');
    expect(portKey('8000-8001:80-81')).toBe('0.0.0.0:8000-8001:80-81/tcp');
    expect(portKey({ published: 1 })).toBeUndefined();
  });

  it('replaces volumes and devices with the same container path', () => {
    expect(
      merged(
        'services:\n  web:\n    volumes: ["foo:/work", "./src:/src:ro", /anon]\n    devices: ["/dev/a:/dev/x"]\n',
        'services:\n  web:\n    volumes: ["bar:/work", {type: bind, source: ./lib, target: /lib}]\n    devices: [{source: /dev/b, target: /dev/x}, "/dev/c"]\n',
      ),
    ).toEqual({
      services: {
        web: {
          volumes: ['bar:/work', './src:/src:ro', '/anon', { type: 'bind', source: './lib', target: '/lib' }],
          devices: [{ source: '/dev/b', target: '/dev/x' }, '/dev/c'],
        },
      },
    });
    expect(volumeKey('data:/var/lib/data:rw')).toBe('/var/lib/data');
    expect(volumeKey('/tmp/cache')).toBe('/tmp/cache');
  });

  it('replaces secrets and configs with the same target, defaulting it from the source', () => {
    expect(
      merged(
        'services:\n  web:\n    secrets: [token, {source: key, target: /etc/key}]\n    configs: [app]\n',
        'services:\n  web:\n    secrets: [{source: token, mode: 0400}, {source: other, target: /etc/key}]\n    configs: [{source: app2, target: /app}, other]\n',
      ),
    ).toEqual({
      services: {
        web: {
          secrets: [
            { source: 'token', mode: 0o400 },
            { source: 'other', target: '/etc/key' },
          ],
          configs: [{ source: 'app2', target: '/app' }, 'other'],
        },
      },
    });
  });

  it('de-duplicates env_file by path, and dns, tmpfs, cap_add, expose and profiles by value', () => {
    expect(
      merged(
        [
          'services:',
          '  web:',
          '    env_file: .env',
          '    dns: 8.8.8.8',
          '    dns_search: [a.test]',
          '    tmpfs: /run',
          '    cap_add: [NET_ADMIN]',
          '    cap_drop: [ALL]',
          '    expose: [80, "443"]',
          '    profiles: [dev]',
          '    links: [db]',
          '    label_file: a.labels',
          '',
        ].join('\n'),
        [
          'services:',
          '  web:',
          '    env_file: [{path: .env, required: false}, extra.env]',
          '    dns: [1.1.1.1, 8.8.8.8]',
          '    dns_search: b.test',
          '    tmpfs: [/run, /tmp]',
          '    cap_add: [NET_ADMIN, SYS_TIME]',
          '    cap_drop: [ALL]',
          '    expose: ["80", 8080]',
          '    profiles: [dev, test]',
          '    links: [db, cache]',
          '    label_file: [a.labels]',
          '',
        ].join('\n'),
      ),
    ).toEqual({
      services: {
        web: {
          env_file: [{ path: '.env', required: false }, 'extra.env'],
          dns: ['8.8.8.8', '1.1.1.1'],
          dns_search: ['a.test', 'b.test'],
          tmpfs: ['/run', '/tmp'],
          cap_add: ['NET_ADMIN', 'SYS_TIME'],
          cap_drop: ['ALL'],
          expose: ['80', '443', 8080],
          profiles: ['dev', 'test'],
          links: ['db', 'cache'],
          label_file: ['a.labels', 'a.labels'],
        },
      },
    });
  });
});

describe('mergeComposeFiles: attributes converted before merging', () => {
  it('turns depends_on lists into mappings with the default condition', () => {
    expect(
      merged(
        'services:\n  web:\n    depends_on: [db, cache]\n',
        'services:\n  web:\n    depends_on:\n      db: {condition: service_healthy}\n      queue: {condition: service_started, required: false}\n',
      ),
    ).toEqual({
      services: {
        web: {
          depends_on: {
            db: { condition: 'service_healthy', required: true },
            cache: { condition: 'service_started', required: true },
            queue: { condition: 'service_started', required: false },
          },
        },
      },
    });
  });

  it('merges service networks given as a list or a mapping, de-duplicating aliases', () => {
    expect(
      merged(
        'services:\n  web:\n    networks:\n      front: {aliases: [a]}\n      back:\n',
        'services:\n  web:\n    networks:\n      front: {aliases: [a, b]}\n      extra: {}\n',
      ),
    ).toEqual({
      services: { web: { networks: { front: { aliases: ['a', 'b'] }, back: null, extra: {} } } },
    });
    expect(
      merged(
        'services:\n  web:\n    networks: [front, back]\n',
        'services:\n  web:\n    networks:\n      back: {priority: 10}\n',
      ),
    ).toEqual({ services: { web: { networks: { front: null, back: { priority: 10 } } } } });
  });

  it('treats build: <path> as build.context', () => {
    expect(
      merged(
        'services:\n  web:\n    build: ./app\n',
        'services:\n  web:\n    build:\n      dockerfile: Dockerfile.dev\n      tags: [a]\n',
      ),
    ).toEqual({
      services: { web: { build: { context: './app', dockerfile: 'Dockerfile.dev', tags: ['a'] } } },
    });
    expect(
      merged('services:\n  web:\n    build: {context: a, target: t}\n', 'services:\n  web:\n    build: b\n'),
    ).toEqual({ services: { web: { build: { context: 'b', target: 't' } } } });
  });

  it('merges logging options only for the same driver', () => {
    expect(
      merged(
        'services:\n  a:\n    logging: {driver: json-file, options: {max-size: 1m}}\n  b:\n    logging: {driver: json-file, options: {max-size: 1m}}\n',
        'services:\n  a:\n    logging: {options: {max-file: "3"}}\n  b:\n    logging: {driver: syslog, options: {tag: x}}\n',
      ),
    ).toEqual({
      services: {
        a: { logging: { driver: 'json-file', options: { 'max-size': '1m', 'max-file': '3' } } },
        b: { logging: { driver: 'syslog', options: { tag: 'x' } } },
      },
    });
  });

  it('replaces each ulimit and merges ipam configs by subnet', () => {
    expect(
      merged(
        [
          'services:',
          '  web:',
          '    ulimits: {nofile: {soft: 1, hard: 2}, nproc: 10}',
          'networks:',
          '  n:',
          '    ipam:',
          '      config: [{subnet: 10.0.0.0/24, gateway: 10.0.0.1}, {subnet: 10.1.0.0/24}]',
          '',
        ].join('\n'),
        [
          'services:',
          '  web:',
          '    ulimits: {nofile: {soft: 5}}',
          'networks:',
          '  n:',
          '    ipam:',
          '      config: [{subnet: 10.0.0.0/24, ip_range: 10.0.0.0/25}, {subnet: 10.2.0.0/24}]',
          '',
        ].join('\n'),
      ),
    ).toEqual({
      services: { web: { ulimits: { nofile: { soft: 5 }, nproc: 10 } } },
      networks: {
        n: {
          ipam: {
            config: [
              { subnet: '10.0.0.0/24', gateway: '10.0.0.1', ip_range: '10.0.0.0/25' },
              { subnet: '10.1.0.0/24' },
              { subnet: '10.2.0.0/24' },
            ],
          },
        },
      },
    });
  });
});

describe('mergeComposeFiles: !reset and !override', () => {
  it('removes values with !reset, whatever value it carries', () => {
    expect(
      merged(
        'services:\n  app:\n    image: myapp\n    ports: ["8080:80"]\n    build: .\n',
        'services:\n  app:\n    image: myapp\n    ports: !reset []\n    build: !reset\n',
      ),
    ).toEqual({ services: { app: { image: 'myapp' } } });
  });

  it('replaces values with !override instead of merging them', () => {
    expect(
      merged(
        'services:\n  app:\n    image: myapp\n    ports: ["8080:80"]\n    environment: {A: "1"}\n',
        'services:\n  app:\n    ports: !override ["8443:443"]\n    environment: !override {B: "2"}\n',
      ),
    ).toEqual({ services: { app: { image: 'myapp', ports: ['8443:443'], environment: { B: '2' } } } });
  });

  it('replaces a whole service with !override', () => {
    expect(
      merged(
        'services:\n  app:\n    image: a\n    ports: ["80:80"]\n',
        'services:\n  app: !override\n    image: b\n',
      ),
    ).toEqual({ services: { app: { image: 'b' } } });
  });

  it('keeps later tags in the result so they act on what is merged under it later', () => {
    const result = mergeComposeFiles([
      doc('services:\n  app:\n    image: a\n', 'a.yaml'),
      doc('services:\n  app:\n    ports: !override ["1:1"]\n    dns: !reset []\n', 'b.yaml'),
    ]);
    const app = (result.value.services as Record<string, Record<string, unknown>>).app!;
    expect(app.ports).toEqual(new Tagged('override', ['1:1']));
    expect(app.dns).toEqual(new Tagged('reset', []));
  });

  it('reads a tag of an earlier file as its plain value when a later file merges over it', () => {
    expect(
      merged(
        'services:\n  app:\n    image: a\n',
        'services:\n  app:\n    ports: !override ["1:1"]\n    dns: !reset [x]\n',
        'services:\n  app:\n    ports: ["2:2"]\n    dns: [y]\n',
      ),
    ).toEqual({ services: { app: { image: 'a', ports: ['1:1', '2:2'], dns: ['y'] } } });
  });
});

describe('mergeComposeFiles: positions', () => {
  const result = mergeComposeFiles([
    doc('services:\n  web:\n    image: a\n    user: root\n    ports:\n      - "80:80"\n', 'base.yaml'),
    doc(
      'services:\n  web:\n    image: b\n    ports:\n      - "81:81"\n      - "80:80"\n    environment: [A=1]\n',
      'override.yaml',
    ),
    doc('services:\n  web:\n    environment: {B: "2"}\n', 'third.yaml'),
  ]);

  it('takes the position of a value from the file that set it', () => {
    expect(result.sourceMap.exact(['services', 'web', 'image'])).toEqual({
      file: 'override.yaml',
      line: 3,
      col: 5,
    });
    expect(result.sourceMap.exact(['services', 'web', 'user'])).toEqual({
      file: 'base.yaml',
      line: 4,
      col: 5,
    });
  });

  it('records positions at the indices of merged sequences', () => {
    expect(result.value.services).toMatchObject({ web: { ports: ['80:80', '81:81'] } });
    expect(result.sourceMap.exact(['services', 'web', 'ports', 0])).toEqual({
      file: 'override.yaml',
      line: 6,
      col: 9,
    });
    expect(result.sourceMap.exact(['services', 'web', 'ports', 1])).toEqual({
      file: 'override.yaml',
      line: 5,
      col: 9,
    });
  });

  it('moves positions of list entries to their key when a list becomes a mapping', () => {
    expect(result.value.services).toMatchObject({ web: { environment: { A: '1', B: '2' } } });
    expect(result.sourceMap.exact(['services', 'web', 'environment', 'A'])).toEqual({
      file: 'override.yaml',
      line: 7,
      col: 19,
    });
    expect(result.sourceMap.exact(['services', 'web', 'environment', 'B'])).toEqual({
      file: 'third.yaml',
      line: 3,
      col: 19,
    });
  });

  it('keeps the first file as the document file', () => {
    expect(result.file).toBe('base.yaml');
  });
});
