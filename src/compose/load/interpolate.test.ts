import { describe, expect, it } from 'vitest';
import { InterpolationError, interpolateString, interpolateTree, listVariables } from './interpolate.js';
import type { Lookup } from './interpolate.js';
import { Tagged } from './raw.js';
import type { RawMap } from './raw.js';
import { ComposeError, SourceMap } from './source-map.js';
import type { LoadWarning } from './warnings.js';

const env: Record<string, string> = { FOO: 'first', BAR: '', JSON: '{"json":2}', lower_case: 'low' };
const lookup: Lookup = (name) => env[name];

function value(text: string): string {
  return interpolateString(text, lookup).value;
}

function failure(text: string): InterpolationError {
  try {
    interpolateString(text, lookup);
  } catch (error) {
    expect(error).toBeInstanceOf(InterpolationError);
    return error as InterpolationError;
  }
  throw new Error(`expected ${text} to fail`);
}

describe('interpolateString', () => {
  it('replaces $VAR and ${VAR}, with names of letters, digits and underscores in any case', () => {
    expect(value('This $FOO var')).toBe('This first var');
    expect(value('This ${FOO} var')).toBe('This first var');
    expect(value('$FOO-bar')).toBe('first-bar');
    expect(value('${FOO}${FOO}')).toBe('firstfirst');
    expect(value('$lower_case/x')).toBe('low/x');
    expect(value('${JSON}')).toBe('{"json":2}');
  });

  it('turns $$ into a literal $ and leaves other lone dollars alone', () => {
    expect(value('$${FOO}')).toBe('${FOO}');
    expect(value('$$FOO')).toBe('$FOO');
    expect(value('a $ string')).toBe('a $ string');
    expect(value('^REGEX$')).toBe('^REGEX$');
    expect(value('$}')).toBe('$}');
    expect(value('$1 and $-')).toBe('$1 and $-');
    expect(value('echo $$HOME ${FOO:-$$x}')).toBe('echo $HOME first');
    expect(value('${UNSET:-$$x}')).toBe('$x');
  });

  it('reports unset variables used without a default and makes them empty', () => {
    expect(interpolateString('This ${missing} var', lookup)).toEqual({
      value: 'This  var',
      missing: ['missing'],
    });
    expect(interpolateString('$A$B', lookup)).toEqual({ value: '', missing: ['A', 'B'] });
    // Set but empty is not missing.
    expect(interpolateString('This ${BAR} var', lookup)).toEqual({ value: 'This  var', missing: [] });
  });

  it('applies :- and - defaults on unset-or-empty and unset only', () => {
    expect(value('ok ${missing:-def}')).toBe('ok def');
    expect(value('ok ${missing-def}')).toBe('ok def');
    expect(value('ok ${BAR:-def}')).toBe('ok def');
    expect(value('ok ${BAR-def}')).toBe('ok ');
    expect(value('ok ${FOO:-def}')).toBe('ok first');
    expect(value('ok ${FOO-def}')).toBe('ok first');
    expect(value('ok ${BAR:-/non:-alphanumeric}')).toBe('ok /non:-alphanumeric');
    expect(value('${missing:-}')).toBe('');
    expect(interpolateString('${missing:-x}', lookup).missing).toEqual([]);
  });

  it('applies :+ and + alternates on set-and-non-empty and set', () => {
    expect(value('ok ${UNSET_VAR:+presence}')).toBe('ok ');
    expect(value('ok ${UNSET_VAR+presence}')).toBe('ok ');
    expect(value('ok ${FOO:+presence}')).toBe('ok presence');
    expect(value('ok ${FOO+presence}')).toBe('ok presence');
    expect(value('ok ${BAR+presence}')).toBe('ok presence');
    expect(value('ok ${BAR:+presence}')).toBe('ok ');
    expect(interpolateString('${UNSET:+x}', lookup).missing).toEqual([]);
  });

  it('interpolates defaults and alternates themselves, recursively', () => {
    expect(value('ok ${UNSET_VAR-$FOO}')).toBe('ok first');
    expect(value('ok ${UNSET_VAR-${FOO}}')).toBe('ok first');
    expect(value('ok ${UNSET_VAR-${FOO} ${FOO}}')).toBe('ok first first');
    expect(value('ok ${BAR:-${FOO} ${FOO}}')).toBe('ok first first');
    expect(value('ok ${BAR+$FOO ${FOO:+second}}')).toBe('ok first second');
    expect(value('${A:-${B:-${C:-deep}}}')).toBe('deep');
    expect(value('+ok ${UNSET:-${BAR-defaultValue}}')).toBe('+ok ');
    expect(value('${FOO:+${FOO},}B')).toBe('first,B');
    expect(value('ok ${SUBDOMAIN:-redis}.${FOO:?}')).toBe('ok redis.first');
    expect(interpolateString('${A:-${NESTED}}', lookup)).toEqual({ value: '', missing: ['NESTED'] });
  });

  it('keeps text after the expression, including braces, as Docker Compose does', () => {
    expect(value('${FOO:-x}}')).toBe('first}');
    expect(value('${UNSET:-{}}')).toBe('{}');
    expect(value('${UNSET:-{a}}')).toBe('{a}');
    expect(value('${UNSET:-a} and {b}')).toBe('a and {b}');
  });

  it('fails on :? and ? with the variable and the (interpolated) message', () => {
    expect(failure('not ok ${UNSET_VAR:?Mandatory Variable Unset}').message).toBe(
      'required variable UNSET_VAR is missing a value: Mandatory Variable Unset',
    );
    expect(failure('not ok ${BAR:?Mandatory Variable Empty}').message).toBe(
      'required variable BAR is missing a value: Mandatory Variable Empty',
    );
    expect(failure('${UNSET_VAR:?}').message).toBe('required variable UNSET_VAR is missing a value');
    expect(failure('${UNSET_VAR?}').message).toBe('required variable UNSET_VAR is missing a value');
    expect(failure('${UNSET_VAR?Needs ${FOO}}').message).toBe(
      'required variable UNSET_VAR is missing a value: Needs first',
    );
    const error = failure('${X:?x}');
    expect([error.kind, error.variable, error.template]).toEqual(['required', 'X', '${X:?x}']);
  });

  it('passes :? and ? when the variable has a value', () => {
    expect(value('ok ${FOO:?err}')).toBe('ok first');
    expect(value('ok ${FOO?err}')).toBe('ok first');
    expect(value('ok ${BAR?err}')).toBe('ok ');
  });

  it('rejects invalid expressions, saying where and why', () => {
    const noName = '"${" must be followed by a variable name';
    for (const [template, reason] of [
      ['${', noName],
      ['${}', noName],
      ['${ }', noName],
      ['${ foo}', noName],
      ['${foo }', 'unexpected " " after "${foo"'],
      ['${foo!}', 'unexpected "!" after "${foo"'],
      ['${VAR', '"${VAR" is not closed by "}"'],
      ['${VAR:}', 'unexpected ":" after "${VAR"'],
      ['${VAR:x}', 'unexpected ":" after "${VAR"'],
      ['${1}', noName],
    ]) {
      const error = failure(template!);
      expect(error.kind).toBe('invalid-format');
      expect(error.offset).toBe(0);
      expect(error.message).toBe(
        `invalid interpolation format ${JSON.stringify(template)} at character 1: ${reason}. You may need to escape any $ with another $ ($$).`,
      );
    }
    expect(failure('echo "${HOME"').message).toBe(
      'invalid interpolation format "echo \\"${HOME\\"" at character 7: "${HOME" is not closed by "}". You may need to escape any $ with another $ ($$).',
    );
    // Inside a default, the position is still counted from the start of the whole value.
    expect(failure('a ${UNSET:-b ${} c}').offset).toBe(13);
    // The argument of an operator must close on the same line.
    expect(failure('${UNSET:-a\n}').kind).toBe('invalid-format');
    expect(failure('${A/b/c}').kind).toBe('invalid-format');
  });
});

describe('interpolateTree', () => {
  const sourceMap = new SourceMap();
  sourceMap.set(['services', 'web'], { file: 'compose.yaml', line: 2, col: 3 });
  sourceMap.set(['services', 'web', 'image'], { file: 'compose.yaml', line: 3, col: 5 });

  it('interpolates string values only, never keys, and goes inside Tagged values and lists', () => {
    const tree: RawMap = {
      services: {
        web: {
          image: 'nginx:${FOO}',
          labels: { $FOO: '$FOO' },
          ports: ['${PORT:-80}:80', 8080],
          read_only: true,
          command: new Tagged('override', ['echo', '${FOO}']),
          cpus: null,
        },
      },
    };
    const warnings: LoadWarning[] = [];
    const out = interpolateTree(tree, lookup, sourceMap, (w) => warnings.push(w));
    expect(out).toEqual({
      services: {
        web: {
          image: 'nginx:first',
          labels: { $FOO: 'first' },
          ports: ['80:80', 8080],
          read_only: true,
          command: new Tagged('override', ['echo', 'first']),
          cpus: null,
        },
      },
    });
    expect(warnings).toEqual([]);
    // Pure: the input is untouched.
    expect((tree['services'] as RawMap)['web']).toMatchObject({ image: 'nginx:${FOO}' });
  });

  it('warns once per unset variable, at its first use', () => {
    const warnings: LoadWarning[] = [];
    const out = interpolateTree(
      { services: { web: { image: '${TAG}', environment: ['A=${TAG}', 'B=$OTHER'] } } },
      lookup,
      sourceMap,
      (w) => warnings.push(w),
    );
    expect(out).toEqual({ services: { web: { image: '', environment: ['A=', 'B='] } } });
    expect(warnings).toEqual([
      {
        message: 'The "TAG" variable is not set. Defaulting to a blank string.',
        position: { file: 'compose.yaml', line: 3, col: 5 },
      },
      {
        message: 'The "OTHER" variable is not set. Defaulting to a blank string.',
        position: { file: 'compose.yaml', line: 2, col: 3 },
      },
    ]);
  });

  it('reports a missing required variable with file, line, path and message', () => {
    expect(() =>
      interpolateTree({ services: { web: { image: '${TAG:?set TAG first}' } } }, lookup, sourceMap, () => {}),
    ).toThrowError(
      new ComposeError('required variable TAG is missing a value: set TAG first', {
        position: { file: 'compose.yaml', line: 3, col: 5 },
        path: ['services', 'web', 'image'],
      }),
    );
    try {
      interpolateTree({ services: { web: { image: '${TAG?}' } } }, lookup, sourceMap, () => {});
    } catch (error) {
      expect(error).toBeInstanceOf(ComposeError);
      expect((error as ComposeError).message).toBe(
        'compose.yaml:3:5 services.web.image: required variable TAG is missing a value',
      );
      expect((error as ComposeError).path).toEqual(['services', 'web', 'image']);
    }
  });

  it('reports invalid syntax with the path and the whole value', () => {
    let caught: unknown;
    try {
      interpolateTree({ services: { web: { image: 'nginx:${VAR' } } }, lookup, sourceMap, () => {});
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ComposeError);
    expect((caught as ComposeError).message).toBe(
      'compose.yaml:3:5 services.web.image: invalid interpolation format "nginx:${VAR" at character 7: "${VAR" is not closed by "}". You may need to escape any $ with another $ ($$).',
    );
  });
});

describe('listVariables', () => {
  it('lists every variable once, sorted, with required, default and alternate values', () => {
    const tree: RawMap = {
      name: '${PROJECT:-demo}',
      services: {
        web: {
          image: '${REGISTRY?}/web:${TAG:-latest}',
          environment: ['DEBUG=${DEBUG:+1}', 'HOME=$$HOME', 'X=$PLAIN'],
          command: new Tagged('override', ['${CMD:?needs ${HINT}}']),
          labels: { '${KEY}': 'static' },
          healthcheck: { retries: 3 },
        },
        db: { image: 'postgres:${TAG}', user: '${UID-${FALLBACK:-1000}}' },
      },
    };
    expect(listVariables(tree)).toEqual([
      { name: 'CMD', required: true },
      { name: 'DEBUG', required: false, alternateValue: '1' },
      { name: 'FALLBACK', required: false, defaultValue: '1000' },
      { name: 'PLAIN', required: false },
      { name: 'PROJECT', required: false, defaultValue: 'demo' },
      { name: 'REGISTRY', required: true },
      { name: 'TAG', required: false, defaultValue: 'latest' },
      { name: 'UID', required: false, defaultValue: '${FALLBACK:-1000}' },
    ]);
  });

  it('skips invalid expressions instead of failing', () => {
    expect(listVariables({ a: '${ bad} ${GOOD}' })).toEqual([{ name: 'GOOD', required: false }]);
  });
});
