import { describe, expect, it } from 'vitest';
import { parseDotEnv, parseDotEnvInto, parseRawEnv } from './dotenv.js';
import type { Lookup } from './interpolate.js';
import { ComposeError } from './source-map.js';
import type { LoadWarning } from './warnings.js';

const none: Lookup = () => undefined;

function parse(text: string, lookup: Lookup = none): Record<string, string> {
  return Object.fromEntries(parseDotEnv(text, '.env', lookup));
}

function failure(text: string, lookup: Lookup = none): ComposeError {
  try {
    parseDotEnv(text, '.env', lookup);
  } catch (error) {
    expect(error).toBeInstanceOf(ComposeError);
    return error as ComposeError;
  }
  throw new Error('expected an error');
}

describe('parseDotEnv', () => {
  it('reads KEY=VALUE lines, export prefixes and YAML-style KEY: VALUE', () => {
    expect(parse('A=1\nexport B=2\nC: 3\n  D = spaced  \nexport  E=5')).toEqual({
      A: '1',
      B: '2',
      C: '3',
      D: 'spaced',
      E: '5',
    });
  });

  it('keeps the order of the file and lets a later line override an earlier one', () => {
    const parsed = parseDotEnv('B=1\nA=2\nB=3\n', '.env', none);
    expect([...parsed]).toEqual([
      ['B', '3'],
      ['A', '2'],
    ]);
  });

  it('skips comments and blank lines, and accepts a missing final newline and CRLF', () => {
    expect(parse('# comment\n\n   \n  # indented comment\nA=1\r\nB=2')).toEqual({ A: '1', B: '2' });
  });

  it('reads unquoted values to the end of the line, cutting " #" comments and trailing spaces', () => {
    expect(
      parse('A=hello world   \nB=value # comment\nC=no#comment\nD=a=b=c\nE=\nF=  # only a comment\n'),
    ).toEqual({
      A: 'hello world',
      B: 'value',
      C: 'no#comment',
      D: 'a=b=c',
      E: '',
      // As in Docker Compose: the value starts after the spaces, so no " #" is left to cut.
      F: '# only a comment',
    });
  });

  it('keeps single-quoted values literally', () => {
    expect(parse(`A='$HOME \\n \${X}'\nB='it\\'s'\nC='a # b' # comment\n`, () => 'set')).toEqual({
      A: '$HOME \\n ${X}',
      B: "it's",
      C: 'a # b',
    });
  });

  it('decodes escapes in double-quoted values, then interpolates them', () => {
    expect(
      parse(
        'A="line1\\nline2\\ttab"\nB="quote \\" backslash \\\\"\nC="\\$HOME $$HOME"\nD="\\0101\\x"\nE="$USER"\n',
        (n) => (n === 'USER' ? 'me' : undefined),
      ),
    ).toEqual({
      A: 'line1\nline2\ttab',
      B: 'quote " backslash \\',
      C: '$HOME $HOME',
      D: 'A\\x',
      E: 'me',
    });
  });

  it('reads quoted values over several lines', () => {
    expect(parse('A="first\nsecond"\nB=after\nC=\'x\ny\'\n')).toEqual({
      A: 'first\nsecond',
      B: 'after',
      C: 'x\ny',
    });
  });

  it('takes a bare KEY from the lookup, and omits it when unset', () => {
    expect(
      parse('SET\nUNSET\nLAST', (n) => (n === 'SET' ? 'from-env' : n === 'LAST' ? 'last' : undefined)),
    ).toEqual({
      SET: 'from-env',
      LAST: 'last',
    });
  });

  it('interpolates unquoted and double-quoted values, the lookup winning over earlier keys', () => {
    const lookup: Lookup = (n) => ({ HOST: 'os-host' })[n];
    expect(
      parse(
        'HOST=file-host\nPORT=80\nURL=http://${HOST}:${PORT}/\nQ="${PORT:-1}"\nD=${MISSING:-dflt}\n',
        lookup,
      ),
    ).toEqual({
      HOST: 'file-host',
      PORT: '80',
      URL: 'http://os-host:80/',
      Q: '80',
      D: 'dflt',
    });
  });

  it('warns about unset variables with the line', () => {
    const warnings: LoadWarning[] = [];
    expect(Object.fromEntries(parseDotEnv('A=1\nB=$NOPE\n', 'x.env', none, (w) => warnings.push(w)))).toEqual(
      {
        A: '1',
        B: '',
      },
    );
    expect(warnings).toEqual([
      {
        message: 'The "NOPE" variable is not set. Defaulting to a blank string.',
        position: { file: 'x.env', line: 2, col: 3 },
      },
    ]);
  });

  it('accepts keys with dots, dashes and brackets', () => {
    expect(parse('a.b-c[0]=1\nÉTÉ=2\n')).toEqual({ 'a.b-c[0]': '1', ÉTÉ: '2' });
  });

  it('rejects invalid characters in a name, with file:line:col', () => {
    expect(failure('A=1\n\nFO!O=bar\n').message).toBe(
      '.env:3:3 unexpected character "!" in variable name "FO!O=bar"',
    );
    expect(failure('MY KEY=1\n').message).toBe('.env:1:1 variable name "MY KEY" cannot contain a space');
  });

  it('rejects an unterminated quoted value', () => {
    expect(failure('A=1\nB="open\nC=2\n').message).toBe('.env:2:3 unterminated quoted value "open');
  });

  it('reports interpolation errors at the value', () => {
    expect(failure('A=ok\nB=${REQ:?must be set}\n').message).toBe(
      '.env:2:3 required variable REQ is missing a value: must be set',
    );
    expect(failure('A=${oops\n').message).toMatch(/^\.env:1:3 invalid interpolation format "\$\{oops"/);
  });

  it('skips a UTF-8 byte order mark', () => {
    expect(parse('\uFEFFA=1\n')).toEqual({ A: '1' });
  });

  it('parseDotEnvInto resolves references against entries already in the target', () => {
    const target = new Map([['FROM_EARLIER', 'x']]);
    parseDotEnvInto('B=${FROM_EARLIER}-y\n', 'b.env', none, target);
    expect([...target]).toEqual([
      ['FROM_EARLIER', 'x'],
      ['B', 'x-y'],
    ]);
  });
});

describe('parseRawEnv', () => {
  it('takes values literally: no quotes, no interpolation, no comment stripping, spaces kept', () => {
    const parsed = parseRawEnv(
      'A="quoted"\nB=$HOME #x\n  C=trailing  \n# comment\n\nD=a=b\r\nE=\n',
      'raw.env',
    );
    expect(Object.fromEntries(parsed)).toEqual({
      A: '"quoted"',
      B: '$HOME #x',
      C: 'trailing  ',
      D: 'a=b',
      E: '',
    });
  });

  it('takes a bare name from the lookup, or omits it', () => {
    expect(
      Object.fromEntries(parseRawEnv('SET\nUNSET\n', 'raw.env', (n) => (n === 'SET' ? 'v' : undefined))),
    ).toEqual({
      SET: 'v',
    });
    expect(Object.fromEntries(parseRawEnv('SET\n', 'raw.env'))).toEqual({});
  });

  it('rejects names with whitespace and empty names', () => {
    expect(() => parseRawEnv('A=1\nMY VAR=1\n', 'raw.env')).toThrowError(
      'raw.env:2:1 variable "MY VAR" contains whitespaces',
    );
    expect(() => parseRawEnv('=value\n', 'raw.env')).toThrowError(
      'raw.env:1:1 no variable name on line "=value"',
    );
  });
});
