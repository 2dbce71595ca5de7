import { describe, expect, it } from 'vitest';
import { rebaseServicePaths, resolveExtends } from './extends.js';
import { parseComposeYaml, type ParsedDocument } from './parse.js';
import { stripTags } from './raw.js';
import { ComposeError } from './source-map.js';

function doc(text: string, file: string): ParsedDocument {
  const [parsed] = parseComposeYaml(text, file);
  return { ...parsed!, file };
}

/** A loader over in-memory files that records what it was asked for. */
function files(entries: Record<string, string>) {
  const asked: string[] = [];
  const loadFile = (file: string) => {
    asked.push(file);
    const text = entries[file];
    if (text === undefined) throw new Error(`ENOENT: ${file}`);
    return doc(text, file);
  };
  return { loadFile, asked };
}

const noFiles = files({}).loadFile;

function resolved(text: string, loadFile = noFiles, file = '/p/compose.yaml') {
  return stripTags(resolveExtends(doc(text, file), loadFile).value);
}

describe('resolveExtends within one file', () => {
  it('merges the base service under the extending one and drops the extends key', () => {
    expect(
      resolved(
        [
          'services:',
          '  common:',
          '    image: busybox',
          '    environment: {TZ: utc, PORT: "80"}',
          '    volumes: ["common:/var/lib/backup/data:rw"]',
          '  cli:',
          '    extends: {service: common}',
          '    environment: [PORT=8080]',
          '    volumes: ["cli:/var/lib/backup/data:ro"]',
          '',
        ].join('\n'),
      ),
    ).toEqual({
      services: {
        common: {
          image: 'busybox',
          environment: { TZ: 'utc', PORT: '80' },
          volumes: ['common:/var/lib/backup/data:rw'],
        },
        cli: {
          image: 'busybox',
          environment: { TZ: 'utc', PORT: '8080' },
          volumes: ['cli:/var/lib/backup/data:ro'],
        },
      },
    });
  });

  it('accepts a bare service name and follows chains', () => {
    expect(
      resolved(
        [
          'services:',
          '  base: {image: busybox, user: root, security_opt: ["label:role:ROLE"]}',
          '  common: {image: busybox, extends: base}',
          '  cli:',
          '    extends: common',
          '    security_opt: ["label:user:USER"]',
          '',
        ].join('\n'),
      ),
    ).toEqual({
      services: {
        base: { image: 'busybox', user: 'root', security_opt: ['label:role:ROLE'] },
        common: { image: 'busybox', user: 'root', security_opt: ['label:role:ROLE'] },
        cli: { image: 'busybox', user: 'root', security_opt: ['label:role:ROLE', 'label:user:USER'] },
      },
    });
  });

  it('inherits depends_on, links and volumes_from of the base, as current Compose does', () => {
    expect(
      resolved(
        [
          'services:',
          '  db: {image: pg}',
          '  base: {image: a, depends_on: [db], links: [db], volumes_from: [db]}',
          '  web: {extends: base, depends_on: {cache: {condition: service_healthy}}}',
          '  cache: {image: redis}',
          '',
        ].join('\n'),
      ),
    ).toMatchObject({
      services: {
        web: {
          image: 'a',
          depends_on: {
            db: { condition: 'service_started', required: true },
            cache: { condition: 'service_healthy' },
          },
          links: ['db'],
          volumes_from: ['db'],
        },
      },
    });
  });

  it('lets the extending service !reset or !override what the base set', () => {
    expect(
      resolved(
        [
          'services:',
          '  base: {image: a, ports: ["80:80"], command: [x], environment: {A: "1", B: "2"}}',
          '  web:',
          '    extends: base',
          '    ports: !override ["81:81"]',
          '    command: !reset null',
          '    environment: {A: !reset null}',
          '',
        ].join('\n'),
      ),
    ).toEqual({
      services: {
        base: { image: 'a', ports: ['80:80'], command: ['x'], environment: { A: '1', B: '2' } },
        web: { image: 'a', ports: ['81:81'], environment: { B: '2' } },
      },
    });
  });

  it('returns the document itself when nothing extends', () => {
    const plain = doc('services:\n  web: {image: a}\n', '/p/compose.yaml');
    expect(resolveExtends(plain, noFiles)).toBe(plain);
  });

  it('reports an unknown base service with its position', () => {
    const text = 'services:\n  web:\n    image: a\n    extends: nope\n';
    expect(() => resolved(text)).toThrow(
      new ComposeError('cannot extend service "web": service "nope" not found', {
        position: { file: '/p/compose.yaml', line: 4, col: 5 },
        path: ['services', 'web', 'extends'],
      }),
    );
    expect(() => resolved(text)).toThrow(
      '/p/compose.yaml:4:5 services.web.extends: cannot extend service "web": service "nope" not found',
    );
  });

  it('reports cycles naming the chain', () => {
    expect(() =>
      resolved('services:\n  a: {extends: b}\n  b: {extends: c}\n  c:\n    extends: a\n    image: x\n'),
    ).toThrow('/p/compose.yaml:2:7 services.a.extends: circular extends: a -> b -> c -> a');
    expect(() => resolved('services:\n  a:\n    extends: a\n')).toThrow('circular extends: a -> a');
  });

  it('rejects an extends without a service', () => {
    expect(() => resolved('services:\n  a:\n    extends: {file: x.yaml}\n')).toThrow(
      'services.a.extends: extends.service is required',
    );
  });
});

describe('resolveExtends across files', () => {
  it('loads the base from a file relative to the extending file and rebases its paths', () => {
    const { loadFile, asked } = files({
      '/p/common/base.yaml': [
        'services:',
        '  app:',
        '    build: ./app',
        '    env_file: [common.env, {path: /abs.env}]',
        '    volumes: ["./data:/data", "named:/named", {type: bind, source: ../shared, target: /shared}]',
        '    label_file: ./labels',
        '    develop: {watch: [{path: ./src, action: sync, target: /src}]}',
        '',
      ].join('\n'),
    });
    expect(
      resolved(
        [
          'services:',
          '  web:',
          '    extends: {file: common/base.yaml, service: app}',
          '    volumes: ["./mine:/data"]',
          '  worker:',
          '    extends: {file: ./common/base.yaml, service: app}',
          '',
        ].join('\n'),
        loadFile,
      ),
    ).toEqual({
      services: {
        web: {
          build: './common/app',
          env_file: ['./common/common.env', { path: '/abs.env' }],
          volumes: ['./mine:/data', 'named:/named', { type: 'bind', source: './shared', target: '/shared' }],
          label_file: './common/labels',
          develop: { watch: [{ path: './common/src', action: 'sync', target: '/src' }] },
        },
        worker: {
          build: './common/app',
          env_file: ['./common/common.env', { path: '/abs.env' }],
          volumes: [
            './common/data:/data',
            'named:/named',
            { type: 'bind', source: './shared', target: '/shared' },
          ],
          label_file: './common/labels',
          develop: { watch: [{ path: './common/src', action: 'sync', target: '/src' }] },
        },
      },
    });
    // Two references to one file load it once.
    expect(asked).toEqual(['/p/common/base.yaml']);
  });

  it('follows a chain into a third file relative to the second one', () => {
    const { loadFile } = files({
      '/p/a/mid.yaml':
        'services:\n  mid:\n    extends: {file: ../b/root.yaml, service: root}\n    user: app\n',
      '/p/b/root.yaml':
        'services:\n  root:\n    image: alpine\n    build: {context: ctx, dockerfile: Dockerfile}\n',
    });
    expect(resolved('services:\n  web:\n    extends: {file: a/mid.yaml, service: mid}\n', loadFile)).toEqual({
      services: {
        web: { image: 'alpine', build: { context: './b/ctx', dockerfile: 'Dockerfile' }, user: 'app' },
      },
    });
  });

  it('reports a cycle across files, naming them', () => {
    const { loadFile } = files({
      '/p/other.yaml': 'services:\n  b:\n    extends: {file: compose.yaml, service: a}\n',
      '/p/compose.yaml': 'services:\n  a:\n    extends: {file: other.yaml, service: b}\n',
    });
    expect(() =>
      resolved('services:\n  a:\n    extends: {file: other.yaml, service: b}\n', loadFile),
    ).toThrow('circular extends: a (compose.yaml) -> b (other.yaml) -> a (compose.yaml)');
  });

  it('reports a base service missing from the other file, and a file that cannot be read', () => {
    const { loadFile } = files({ '/p/base.yaml': 'services:\n  x: {image: a}\n' });
    expect(() =>
      resolved('services:\n  web:\n    extends: {file: base.yaml, service: y}\n', loadFile),
    ).toThrow('cannot extend service "web": service "y" not found in base.yaml');
    expect(() =>
      resolved('services:\n  web:\n    extends: {file: gone.yaml, service: y}\n', loadFile),
    ).toThrow(
      '/p/compose.yaml:3:5 services.web.extends: cannot extend service "web" from gone.yaml: ENOENT: /p/gone.yaml',
    );
  });

  it('takes positions of inherited values from the base file', () => {
    const { loadFile } = files({ '/p/base.yaml': 'services:\n  app:\n    image: a\n    ports: ["80:80"]\n' });
    const result = resolveExtends(
      doc(
        'services:\n  web:\n    extends: {file: base.yaml, service: app}\n    ports: ["81:81"]\n',
        '/p/compose.yaml',
      ),
      loadFile,
    );
    expect(result.sourceMap.exact(['services', 'web', 'image'])).toEqual({
      file: '/p/base.yaml',
      line: 3,
      col: 5,
    });
    expect(result.sourceMap.exact(['services', 'web', 'ports', 0])).toEqual({
      file: '/p/base.yaml',
      line: 4,
      col: 13,
    });
    expect(result.sourceMap.exact(['services', 'web', 'ports', 1])).toEqual({
      file: '/p/compose.yaml',
      line: 4,
      col: 13,
    });
  });
});

describe('rebaseServicePaths', () => {
  it('rewrites relative host paths only', () => {
    expect(
      rebaseServicePaths(
        {
          image: 'x',
          build: {
            context: 'https://github.com/a/b.git',
            additional_contexts: ['lib=../lib', 'img=docker-image://alpine'],
            ssh: ['default', 'key=./id'],
          },
          volumes: ['~/cache:/cache', '/abs:/abs', 'data:/data', './x:/x'],
          env_file: '.env',
        },
        '/p/sub',
        '/p',
      ),
    ).toEqual({
      image: 'x',
      build: {
        context: 'https://github.com/a/b.git',
        additional_contexts: ['lib=./lib', 'img=docker-image://alpine'],
        ssh: ['default', 'key=./sub/id'],
      },
      volumes: ['~/cache:/cache', '/abs:/abs', 'data:/data', './sub/x:/x'],
      env_file: './sub/.env',
    });
  });

  it('goes up when the base is in a sibling directory, and does nothing in the same directory', () => {
    expect(rebaseServicePaths({ build: '.' }, '/p/a', '/p/b')).toEqual({ build: '../a' });
    const same = { build: '.' };
    expect(rebaseServicePaths(same, '/p', '/p/')).toBe(same);
  });
});
