import { describe, expect, it } from 'vitest';
import { BerthError } from '../../../shared/errors.js';
import { expandHeredoc, expandWord, expandWords } from './expand.js';

const vars: Record<string, string> = { FOO: 'foo', EMPTY: '', SPACED: 'a  b', PORTS: '80 443', _under9: 'u' };
const lookup = (name: string) => vars[name];

const word = (text: string, escape?: string) => expandWord(text, lookup, escape);
const words = (text: string, escape?: string) => expandWords(text, lookup, escape);

function failure(text: string): BerthError {
  try {
    word(text);
  } catch (error) {
    expect(error).toBeInstanceOf(BerthError);
    expect((error as BerthError).code).toBe('InvalidArgument');
    return error as BerthError;
  }
  throw new Error(`expected ${text} to fail`);
}

describe('expandWord', () => {
  it('substitutes $VAR and ${VAR}; names stop at the first character that is not a letter, digit or _', () => {
    expect(word('$FOO')).toBe('foo');
    expect(word('${FOO}bar')).toBe('foobar');
    expect(word('$FOO-bar')).toBe('foo-bar');
    expect(word('$FOObar')).toBe('');
    expect(word('x$_under9.y')).toBe('xu.y');
  });

  it('expands unset variables to nothing and keeps a lone $', () => {
    expect(word('a$NOPE-b')).toBe('a-b');
    expect(word('cost: $')).toBe('cost: $');
    expect(word('$ x')).toBe('$ x');
    expect(word('$1x')).toBe('x');
  });

  it('removes quotes; single quotes keep $ literal, double quotes expand', () => {
    expect(word(`'$FOO'`)).toBe('$FOO');
    expect(word(`"$FOO"`)).toBe('foo');
    expect(word(`"a 'b' c"`)).toBe("a 'b' c");
    expect(word(`'a "b" c'`)).toBe('a "b" c');
    expect(word(`pre"mid"'post'`)).toBe('premidpost');
    expect(word(`""`)).toBe('');
  });

  it('applies the escape character outside quotes and only before " $ and itself inside double quotes', () => {
    expect(word('\\$FOO')).toBe('$FOO');
    expect(word('a\\ b')).toBe('a b');
    expect(word('\\"')).toBe('"');
    expect(word('"\\$FOO \\" \\\\ \\n"')).toBe('$FOO " \\ \\n');
    expect(word(`'\\n'`)).toBe('\\n');
    expect(word('trailing\\')).toBe('trailing');
  });

  it('uses the backtick as the escape character under escape=`, leaving backslashes alone', () => {
    expect(word('C:\\path\\$FOO', '`')).toBe('C:\\path\\foo');
    expect(word('`$FOO', '`')).toBe('$FOO');
    expect(word('"a`"b"', '`')).toBe('a"b');
  });

  it('implements the :- - :+ + modifiers, with and without the colon', () => {
    expect(word('${NOPE:-dflt}')).toBe('dflt');
    expect(word('${EMPTY:-dflt}')).toBe('dflt');
    expect(word('${FOO:-dflt}')).toBe('foo');
    expect(word('${NOPE-dflt}')).toBe('dflt');
    expect(word('${EMPTY-dflt}')).toBe('');
    expect(word('${FOO:+alt}')).toBe('alt');
    expect(word('${EMPTY:+alt}')).toBe('');
    expect(word('${EMPTY+alt}')).toBe('alt');
    expect(word('${NOPE+alt}')).toBe('');
  });

  it('processes the modifier word itself: nested variables, quotes, escaped braces', () => {
    expect(word('${NOPE:-$FOO}')).toBe('foo');
    expect(word('${NOPE:-${EMPTY:-deep}}')).toBe('deep');
    expect(word('${NOPE:-"a }b"}')).toBe('a }b');
    expect(word('${NOPE:-a\\}b}')).toBe('a}b');
    expect(word('${NOPE:-}')).toBe('');
  });

  it('fails on ${VAR:?msg} and ${VAR?msg} when unset (or empty with the colon)', () => {
    expect(word('${FOO:?need}')).toBe('foo');
    expect(word('${EMPTY?need}')).toBe('');
    expect(failure('${NOPE:?need FOO}').message).toBe('NOPE: need FOO');
    expect(failure('${EMPTY:?}').message).toBe('EMPTY: is not allowed to be empty');
    expect(failure('${NOPE?}').message).toBe('NOPE: is not allowed to be unset');
  });

  it('reports malformed substitutions and unterminated quotes', () => {
    expect(failure('${FOO').message).toBe("syntax error: missing '}'");
    expect(failure('${').message).toBe("syntax error: missing '}'");
    expect(failure('${FOO:-abc').message).toBe("syntax error: missing '}'");
    expect(failure('${}').message).toBe('syntax error: bad substitution');
    expect(failure('${:-x}').message).toBe('syntax error: bad substitution');
    expect(failure('${FOO:=x}').message).toBe('unsupported modifier (:=) in substitution');
    expect(failure('${FOO:#x}').message).toBe('unsupported modifier (:#) in substitution');
    expect(failure('${FOO/x').message).toBe("syntax error: missing '/' in ${}");
    expect(failure(`'abc`).message).toMatch(/matching single-quote/);
    expect(failure(`"abc`).message).toMatch(/matching double-quote/);
  });

  it('trims the shortest or longest matching prefix and suffix with # ## % %%', () => {
    const files: Record<string, string> = { F: 'dir/sub/file.tar.gz', V: 'v1.2.3', S: 'a*b' };
    const look = (name: string) => files[name];
    const w = (text: string) => expandWord(text, look);
    expect(w('${V#v}')).toBe('1.2.3');
    expect(w('${F#*/}')).toBe('sub/file.tar.gz');
    expect(w('${F##*/}')).toBe('file.tar.gz');
    expect(w('${F%.*}')).toBe('dir/sub/file.tar');
    expect(w('${F%%.*}')).toBe('dir/sub/file');
    expect(w('${F%/*}')).toBe('dir/sub');
    expect(w('${F#nomatch}')).toBe('dir/sub/file.tar.gz');
    expect(w('${F#d?r}')).toBe('/sub/file.tar.gz');
    expect(w('${S#a\\*}')).toBe('b');
    expect(w('${S%\\*b}')).toBe('a');
    expect(w('${NOPE#x}')).toBe('');
  });

  it('replaces the first or every match with / and //', () => {
    const look = (name: string) => (name === 'P' ? 'a.b.c' : undefined);
    expect(expandWord('${P/./-}', look)).toBe('a-b.c');
    expect(expandWord('${P//./-}', look)).toBe('a-b-c');
    expect(expandWord('${P//[.]/-}', look)).toBe('a.b.c');
    expect(expandWord('${P/*/x}', look)).toBe('x');
    expect(expandWord('${P//./$}', look)).toBe('a$b$c');
    expect(expandWord('${P/a\\/b/x}', look)).toBe('a.b.c');
  });

  it('never splits: whitespace in text and values is kept', () => {
    expect(word('a  $SPACED  b')).toBe('a  a  b  b');
  });
});

describe('expandWords', () => {
  it('splits on unquoted whitespace', () => {
    expect(words('80  443/udp\t8080')).toEqual(['80', '443/udp', '8080']);
    expect(words('  ')).toEqual([]);
  });

  it('splits the value of an unquoted variable, but not a quoted one', () => {
    expect(words('$PORTS 22')).toEqual(['80', '443', '22']);
    expect(words('"$PORTS" 22')).toEqual(['80 443', '22']);
    expect(words('x$SPACED')).toEqual(['xa', 'b']);
  });

  it('keeps quoted and escaped whitespace inside a word, and drops empty words as Docker does', () => {
    expect(words(`"a b" 'c d' e\\ f`)).toEqual(['a b', 'c d', 'e f']);
    expect(words(`"" x ''`)).toEqual(['x']);
  });

  it('drops words made only of an unset variable', () => {
    expect(words('$NOPE a')).toEqual(['a']);
  });
});

describe('expandHeredoc', () => {
  it('substitutes variables and applies backslash escapes but leaves quotes alone', () => {
    const content = ['name="$FOO" \'${FOO}\' \\$FOO', '\tx=${NOPE:-d} C:\\dir', ''].join('\n');
    expect(expandHeredoc(content, lookup)).toBe(['name="foo" \'foo\' $FOO', '\tx=d C:dir', ''].join('\n'));
  });
});
