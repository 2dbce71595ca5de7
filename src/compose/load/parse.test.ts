import { describe, expect, it } from 'vitest';
import { parseComposeYaml } from './parse.js';
import { Tagged } from './raw.js';
import { ComposeError } from './source-map.js';

function parseOne(text: string) {
  const documents = parseComposeYaml(text, 'compose.yaml');
  expect(documents).toHaveLength(1);
  return documents[0]!;
}

function errorOf(text: string): ComposeError {
  try {
    parseComposeYaml(text, 'compose.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ComposeError);
    return error as ComposeError;
  }
  throw new Error('expected an error');
}

describe('parseComposeYaml', () => {
  it('returns plain values and records key positions by path', () => {
    const { value, sourceMap, file } = parseOne(
      ['services:', '  web:', '    image: nginx', '    ports:', '      - "8080:80"', '      - 443'].join(
        '\n',
      ),
    );
    expect(file).toBe('compose.yaml');
    expect(value).toEqual({ services: { web: { image: 'nginx', ports: ['8080:80', 443] } } });
    expect(sourceMap.exact(['services'])).toEqual({ file: 'compose.yaml', line: 1, col: 1 });
    expect(sourceMap.exact(['services', 'web'])).toEqual({ file: 'compose.yaml', line: 2, col: 3 });
    expect(sourceMap.exact(['services', 'web', 'image'])).toEqual({ file: 'compose.yaml', line: 3, col: 5 });
    expect(sourceMap.exact(['services', 'web', 'ports', 0])).toEqual({
      file: 'compose.yaml',
      line: 5,
      col: 9,
    });
    expect(sourceMap.exact(['services', 'web', 'ports', 1])).toEqual({
      file: 'compose.yaml',
      line: 6,
      col: 9,
    });
  });

  it('keeps yes/no/on/off as strings, true/false as booleans, and reads 0755 as octal', () => {
    const { value } = parseOne(
      'a: yes\nb: no\nc: on\nd: off\ne: true\nf: False\ng: 0755\nh: "0755"\ni: 1.5\nj: ~\nk:\nl: 0o17\nm: 0x1F\nn: 08\n',
    );
    expect(value).toEqual({
      a: 'yes',
      b: 'no',
      c: 'on',
      d: 'off',
      e: true,
      f: false,
      g: 493,
      h: '0755',
      i: 1.5,
      j: null,
      k: null,
      l: 15,
      m: 31,
      n: 8,
    });
  });

  it('keeps map keys as written, even when they look like numbers or booleans', () => {
    const { value } = parseOne('labels:\n  80: http\n  true: yes\n  "1.0": x\n');
    expect(value).toEqual({ labels: { '80': 'http', true: 'yes', '1.0': 'x' } });
  });

  it('resolves anchors and aliases, pointing positions at the anchored text', () => {
    const { value, sourceMap } = parseOne(
      [
        'x-env: &env',
        '  A: "1"',
        'services:',
        '  web:',
        '    environment: *env',
        '  db:',
        '    environment: *env',
      ].join('\n'),
    );
    expect(value).toEqual({
      'x-env': { A: '1' },
      services: { web: { environment: { A: '1' } }, db: { environment: { A: '1' } } },
    });
    expect(sourceMap.exact(['services', 'db', 'environment'])).toEqual({
      file: 'compose.yaml',
      line: 7,
      col: 5,
    });
    expect(sourceMap.exact(['services', 'db', 'environment', 'A'])).toEqual({
      file: 'compose.yaml',
      line: 2,
      col: 3,
    });
  });

  it('resolves << merge keys: explicit keys win, earlier sources win over later ones', () => {
    const { value, sourceMap } = parseOne(
      [
        'x-a: &a {image: a, restart: always, tty: true}',
        'x-b: &b {image: b, init: true, tty: false}',
        'services:',
        '  web:',
        '    image: explicit',
        '    <<: [*a, *b]',
        '  api:',
        '    <<: *b',
        '    init: false',
      ].join('\n'),
    );
    expect((value['services'] as Record<string, unknown>)['web']).toEqual({
      image: 'explicit',
      restart: 'always',
      tty: true,
      init: true,
    });
    expect((value['services'] as Record<string, unknown>)['api']).toEqual({
      image: 'b',
      init: false,
      tty: false,
    });
    expect(sourceMap.exact(['services', 'web', 'image'])).toEqual({ file: 'compose.yaml', line: 5, col: 5 });
    expect(sourceMap.exact(['services', 'web', 'restart'])).toEqual({
      file: 'compose.yaml',
      line: 1,
      col: 20,
    });
    expect(sourceMap.exact(['services', 'api', 'init'])).toEqual({ file: 'compose.yaml', line: 9, col: 5 });
  });

  it('resolves merge keys nested inside merge sources', () => {
    const { value } = parseOne(
      ['x-base: &base {a: 1}', 'x-mid: &mid', '  <<: *base', '  b: 2', 'out:', '  <<: *mid', '  c: 3'].join(
        '\n',
      ),
    );
    expect(value['out']).toEqual({ a: 1, b: 2, c: 3 });
  });

  it('wraps !reset and !override values in Tagged, on scalars, maps and sequences', () => {
    const { value } = parseOne(
      [
        'services:',
        '  web:',
        '    ports: !reset []',
        '    image: !reset',
        '    environment: !override',
        '      A: "1"',
        '    command: !override [echo, hi]',
        '    cpus: !override 1.5',
        '    user: !override "1000"',
      ].join('\n'),
    );
    const web = (value['services'] as Record<string, Record<string, unknown>>)['web']!;
    expect(web['ports']).toEqual(new Tagged('reset', []));
    expect(web['image']).toEqual(new Tagged('reset', null));
    expect(web['environment']).toEqual(new Tagged('override', { A: '1' }));
    expect(web['command']).toEqual(new Tagged('override', ['echo', 'hi']));
    expect(web['cpus']).toEqual(new Tagged('override', 1.5));
    expect(web['user']).toEqual(new Tagged('override', '1000'));
  });

  it('keeps x- extensions as they are', () => {
    const { value } = parseOne('x-custom:\n  nested: [1, {a: b}]\nservices: {}\n');
    expect(value).toEqual({ 'x-custom': { nested: [1, { a: 'b' }] }, services: {} });
  });

  it('returns one document per --- section, skipping empty ones', () => {
    const documents = parseComposeYaml('services: {a: {image: x}}\n---\n---\nname: demo\n', 'multi.yaml');
    expect(documents.map((d) => d.value)).toEqual([{ services: { a: { image: 'x' } } }, { name: 'demo' }]);
    expect(documents[1]!.sourceMap.exact(['name'])).toEqual({ file: 'multi.yaml', line: 4, col: 1 });
  });

  it('rejects an empty file', () => {
    expect(errorOf('').message).toBe('compose.yaml:1:1 empty compose file');
    expect(errorOf('# just a comment\n\n').message).toBe('compose.yaml:1:1 empty compose file');
  });

  it('rejects a top level that is not a mapping', () => {
    expect(errorOf('- a\n- b\n').message).toBe('compose.yaml:1:1 top-level object must be a mapping');
    expect(errorOf('just text\n').message).toBe('compose.yaml:1:1 top-level object must be a mapping');
  });

  it('rejects duplicate keys, naming the key and the first line', () => {
    const error = errorOf('services:\n  web:\n    image: a\n    image: b\n');
    expect(error.message).toBe(
      'compose.yaml:4:5 services.web: mapping key "image" already defined at line 3',
    );
    expect(error.path).toEqual(['services', 'web']);
  });

  it('turns YAML syntax errors into file:line:col messages', () => {
    const error = errorOf('services:\n  web:\n    ports: [80\n  db: {}\n');
    expect(error.message).toMatch(/^compose\.yaml:4:\d+ invalid YAML: /);
    expect(error.message).not.toMatch(/at line/);
    expect(errorOf('a: 1\n  b: 2\n').message).toBe(
      'compose.yaml:2:4 invalid YAML: mapping values are not allowed here (check the indentation of this line)',
    );
  });

  it('points at the stray colon of an over-indented key, not at the value above it', () => {
    expect(errorOf('services:\n  web:\n    image: nginx\n     ports:\n      - "80:80"\n').message).toBe(
      'compose.yaml:4:11 invalid YAML: mapping values are not allowed here (check the indentation of this line)',
    );
  });

  it('explains a value that contains ": " unquoted', () => {
    expect(errorOf('services:\n  web:\n    image: nginx: latest\n').message).toBe(
      'compose.yaml:3:12 invalid YAML: mapping values are not allowed here (quote a value that contains ": ")',
    );
  });

  it('resolves a redefined anchor to its latest definition before the alias', () => {
    const { value } = parseOne(
      ['x-a: &v first', 'x-b: *v', 'x-c: &v second', 'x-d: *v', 'x-e: [&w 1, *w, &w 2, *w]'].join('\n'),
    );
    expect(value).toEqual({
      'x-a': 'first',
      'x-b': 'first',
      'x-c': 'second',
      'x-d': 'second',
      'x-e': [1, 1, 2, 2],
    });
  });

  it('rejects an alias used before its anchor', () => {
    expect(errorOf('x-a: *v\nx-b: &v 1\n').message).toBe('compose.yaml:1:6 x-a: unknown anchor "v"');
  });

  it('reads 300 services that each merge a shared anchor in well under a second', () => {
    const lines = ['x-common: &common', '  restart: always', '  labels: {team: core}', 'services:'];
    for (let i = 0; i < 300; i++) lines.push(`  s${i}:`, '    <<: *common', `    image: app${i}`);
    const started = performance.now();
    const { value } = parseOne(lines.join('\n'));
    expect(performance.now() - started).toBeLessThan(500);
    expect((value.services as Record<string, unknown>).s299).toEqual({
      restart: 'always',
      labels: { team: 'core' },
      image: 'app299',
    });
  });

  it('rejects an alias to an unknown anchor', () => {
    expect(errorOf('a: *nowhere\n').message).toMatch(/^compose\.yaml:1:4 /);
  });

  it('stops a document whose aliases expand without bound', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    expect(errorOf(lines.join('\n')).message).toMatch(/too many alias expansions/);
  });

  it('rejects merge keys that do not point at mappings', () => {
    expect(errorOf('x: &x [1]\ny:\n  <<: *x\n').message).toBe(
      'compose.yaml:3:7 y: merge key "<<" needs a mapping or a list of mappings',
    );
  });
});
