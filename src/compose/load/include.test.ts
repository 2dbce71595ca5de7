import { describe, expect, it } from 'vitest';
import { resolveIncludes, type IncludeEntry } from './include.js';
import { mergeComposeFiles } from './merge.js';
import { parseComposeYaml, type ParsedDocument } from './parse.js';
import { stripTags } from './raw.js';

function doc(text: string, file: string): ParsedDocument {
  const [parsed] = parseComposeYaml(text, file);
  return { ...parsed!, file };
}

/** A sub-project loader over in-memory files: merges the entry's files, as the real loader does. */
function project(entries: Record<string, string>) {
  const asked: IncludeEntry[] = [];
  const loadIncluded = async (entry: IncludeEntry) => {
    asked.push(entry);
    return mergeComposeFiles(
      entry.paths.map((file) => {
        const text = entries[file];
        if (text === undefined) throw new Error(`ENOENT: ${file}`);
        return doc(text, file);
      }),
    );
  };
  return { loadIncluded, asked };
}

async function included(text: string, entries: Record<string, string>) {
  const { loadIncluded, asked } = project(entries);
  const result = await resolveIncludes(doc(text, '/p/compose.yaml'), {
    projectDirectory: '/p',
    loadIncluded,
  });
  return { value: stripTags(result.value), asked, result };
}

describe('resolveIncludes', () => {
  it('copies the resources of included files into the model and drops the include key', async () => {
    const { value, asked } = await included(
      [
        'name: main',
        'include:',
        '  - ../commons/compose.yaml',
        '  - path: [other/compose.yaml, other/override.yaml]',
        '    project_directory: other',
        '    env_file: [other/.env, /dev/null]',
        'services:',
        '  webapp: {image: web, depends_on: [db]}',
        '',
      ].join('\n'),
      {
        '/commons/compose.yaml': [
          'name: commons',
          'services:',
          '  db: {image: postgres, volumes: ["data:/var/lib/postgresql/data"]}',
          'volumes:',
          '  data: {}',
          'x-extra: 1',
          '',
        ].join('\n'),
        '/p/other/compose.yaml': 'services:\n  cache: {image: redis}\nnetworks:\n  back: {}\n',
        '/p/other/override.yaml':
          'services:\n  cache: {ports: ["6379:6379"]}\nsecrets:\n  key: {file: ./key}\n',
      },
    );
    expect(value).toEqual({
      name: 'main',
      services: {
        webapp: { image: 'web', depends_on: ['db'] },
        db: { image: 'postgres', volumes: ['data:/var/lib/postgresql/data'] },
        cache: { image: 'redis', ports: ['6379:6379'] },
      },
      volumes: { data: {} },
      networks: { back: {} },
      secrets: { key: { file: 'other/key' } },
    });
    expect(asked).toEqual([
      {
        paths: ['/commons/compose.yaml'],
        projectDirectory: '/commons',
        envFiles: [],
        chain: ['/p/compose.yaml', '/commons/compose.yaml'],
      },
      {
        paths: ['/p/other/compose.yaml', '/p/other/override.yaml'],
        projectDirectory: '/p/other',
        envFiles: ['/p/other/.env', '/dev/null'],
        chain: ['/p/compose.yaml', '/p/other/compose.yaml'],
      },
    ]);
  });

  it('merges the including definition over an imported resource of the same name', async () => {
    const { value } = await included(
      [
        'include: [lib/compose.yaml]',
        'services:',
        '  db:',
        '    environment: {POSTGRES_DB: app}',
        '    ports: !override ["5433:5432"]',
        '  gone: !reset',
        'volumes:',
        '  data: {driver: local}',
        '',
      ].join('\n'),
      {
        '/p/lib/compose.yaml': [
          'services:',
          '  db: {image: postgres, environment: {POSTGRES_USER: u}, ports: ["5432:5432"]}',
          '  gone: {image: x}',
          'volumes:',
          '  data: {labels: {a: "1"}}',
          '',
        ].join('\n'),
      },
    );
    expect(value).toEqual({
      services: {
        db: {
          image: 'postgres',
          environment: { POSTGRES_USER: 'u', POSTGRES_DB: 'app' },
          ports: ['5433:5432'],
        },
      },
      volumes: { data: { labels: { a: '1' }, driver: 'local' } },
    });
  });

  it('resolves includes of included files, relative to their own project directory', async () => {
    const { value, asked } = await included('include: [a/compose.yaml]\n', {
      '/p/a/compose.yaml': 'include: [../b/compose.yaml]\nservices:\n  a: {image: a}\n',
      '/p/b/compose.yaml': 'services:\n  b: {image: b}\n',
    });
    expect(value).toEqual({ services: { a: { image: 'a' }, b: { image: 'b' } } });
    expect(asked.map((entry) => entry.chain)).toEqual([
      ['/p/compose.yaml', '/p/a/compose.yaml'],
      ['/p/compose.yaml', '/p/a/compose.yaml', '/p/b/compose.yaml'],
    ]);
  });

  it('reports an include cycle naming the chain', async () => {
    await expect(
      included('include: [a/compose.yaml]\n', {
        '/p/a/compose.yaml': 'include:\n  - ../compose.yaml\nservices:\n  a: {image: a}\n',
      }),
    ).rejects.toThrow(
      '/p/a/compose.yaml:2:5 include[0]: include cycle: compose.yaml -> a/compose.yaml -> compose.yaml',
    );
    await expect(included('include: [compose.yaml]\n', {})).rejects.toThrow(
      'include cycle: compose.yaml -> compose.yaml',
    );
  });

  it('rejects malformed entries with their position', async () => {
    await expect(included('include: a.yaml\n', {})).rejects.toThrow(
      '/p/compose.yaml:1:1 include: include must be a list',
    );
    await expect(included('include:\n  - project_directory: x\n', {})).rejects.toThrow(
      '/p/compose.yaml:2:5 include[0]: include entry needs a path (a string or a list of strings)',
    );
    await expect(included('include:\n  - path: a.yaml\n    env: x\n', {})).rejects.toThrow(
      '/p/compose.yaml:3:5 include[0].env: include entry has an unknown attribute "env"',
    );
    await expect(included('include:\n  - 42\n', {})).rejects.toThrow(
      'include entry must be a path or a mapping with `path`',
    );
  });

  it('keeps positions of imported resources from their own file', async () => {
    const { result } = await included('include: [lib.yaml]\nservices:\n  web: {image: w}\n', {
      '/p/lib.yaml': 'services:\n  db:\n    image: pg\n',
    });
    expect(result.sourceMap.exact(['services', 'db', 'image'])).toEqual({
      file: '/p/lib.yaml',
      line: 3,
      col: 5,
    });
    expect(result.sourceMap.exact(['services', 'web'])).toEqual({ file: '/p/compose.yaml', line: 3, col: 3 });
  });

  it('returns the document itself without include', async () => {
    const plain = doc('services:\n  web: {image: a}\n', '/p/compose.yaml');
    const { loadIncluded } = project({});
    expect(await resolveIncludes(plain, { projectDirectory: '/p', loadIncluded })).toBe(plain);
  });
});

describe('include path rebasing', () => {
  it('rewrites relative host paths of included resources for the including project directory', async () => {
    const { value } = await included(['include:', '  - db/compose.yaml', ''].join('\n'), {
      '/p/db/compose.yaml': [
        'services:',
        '  db:',
        '    build: ./image',
        '    env_file: db.env',
        '    volumes: ["./init:/init", "data:/data", "/abs:/abs"]',
        'secrets:',
        '  pw: {file: ./pw.txt}',
        'volumes:',
        '  data: {driver: local, driver_opts: {type: none, o: bind, device: ./store}}',
        '',
      ].join('\n'),
    });
    expect(value).toEqual({
      services: {
        db: {
          build: './db/image',
          env_file: './db/db.env',
          volumes: ['./db/init:/init', 'data:/data', '/abs:/abs'],
        },
      },
      secrets: { pw: { file: 'db/pw.txt' } },
      volumes: { data: { driver: 'local', driver_opts: { type: 'none', o: 'bind', device: 'db/store' } } },
    });
  });

  it('uses project_directory, not the file directory, as the base of included paths', async () => {
    const { value } = await included(
      ['include:', '  - path: modules/api/compose.yaml', '    project_directory: modules', ''].join('\n'),
      { '/p/modules/api/compose.yaml': 'services:\n  api: {build: ./api, image: a}\n' },
    );
    expect(value).toEqual({ services: { api: { build: './modules/api', image: 'a' } } });
  });
});
