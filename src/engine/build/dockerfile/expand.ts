// Word processing for Dockerfile instructions, as Docker's shell lexer does it at build time: quotes are
// removed, the escape character protects the next character, `$VAR` / `${VAR...}` are replaced from the
// stage's ARG/ENV state. This is not a shell: no globbing, no command substitution, no arithmetic.
// Invariant: text coming out of a variable or out of quotes is never split into words; only unquoted
// whitespace written in the Dockerfile, or found in an unquoted variable's value, separates words.

import { BerthError } from '../../../shared/errors.js';
import type { VariableLookup } from './types.js';

/** One word: `"a b"$X` → `a b` followed by X's value. */
export function expandWord(word: string, lookup: VariableLookup, escape = '\\'): string {
  const out = new Lexer(word, lookup, escape, false).run();
  return out.join('');
}

/**
 * The body of a COPY/ADD heredoc whose delimiter was not quoted: `$VAR` and `${VAR...}` substituted and
 * backslash escapes applied, quotes left as they are (Docker always uses `\` here, whatever `# escape=`).
 */
export function expandHeredoc(content: string, lookup: VariableLookup): string {
  return new Lexer(content, lookup, '\\', false, false, false).run().join('');
}

/** Several words split on unquoted whitespace: `80 "$PORTS"` → ['80', '8080 9090'] (EXPOSE, COPY sources). */
export function expandWords(word: string, lookup: VariableLookup, escape = '\\'): string[] {
  return new Lexer(word, lookup, escape, true).run();
}

const SPECIAL_PARAMS = '@*#?-$!0';

class Lexer {
  private pos = 0;
  private readonly words: string[] = [];
  private current = '';
  /** The current word exists even if empty (`""`). */
  private inWord = false;

  constructor(
    private readonly text: string,
    private readonly lookup: VariableLookup,
    private readonly escape: string,
    private readonly split: boolean,
    private readonly rawEscapes = false,
    private readonly quotes = true,
  ) {}

  run(): string[] {
    this.words.push(...this.scan(undefined));
    return this.words;
  }

  /** Reads until `stop` (not consumed) or the end; returns the finished words. */
  private scan(stop: string | undefined): string[] {
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos]!;
      if (ch === stop) break;
      this.pos++;
      if (ch === "'" && this.quotes) {
        this.raw(this.singleQuoted());
      } else if (ch === '"' && this.quotes) {
        this.raw(this.doubleQuoted());
      } else if (ch === '$') {
        this.unquoted(this.dollar());
      } else if (ch === this.escape) {
        if (this.pos >= this.text.length) break; // a trailing escape is dropped
        this.raw((this.rawEscapes ? ch : '') + this.text[this.pos++]!);
      } else {
        this.unquoted(ch);
      }
    }
    const words = [...this.words];
    if (this.current !== '') words.push(this.current);
    this.words.length = 0;
    this.current = '';
    this.inWord = false;
    return words;
  }

  /** Text protected from splitting (quoted or escaped); `""` still makes a word. */
  private raw(text: string): void {
    this.current += text;
    this.inWord = true;
  }

  /** Text that splits on whitespace when splitting words. */
  private unquoted(text: string): void {
    if (!this.split) {
      this.current += text;
      return;
    }
    for (const ch of text) {
      if (/\s/.test(ch)) {
        if (this.current !== '') this.words.push(this.current);
        this.current = '';
        this.inWord = false;
      } else {
        this.current += ch;
        this.inWord = true;
      }
    }
  }

  private singleQuoted(): string {
    const end = this.text.indexOf("'", this.pos);
    if (end < 0) throw invalid('unexpected end of statement while looking for matching single-quote');
    const text = this.text.slice(this.pos, end);
    this.pos = end + 1;
    return text;
  }

  private doubleQuoted(): string {
    let out = '';
    for (;;) {
      if (this.pos >= this.text.length)
        throw invalid('unexpected end of statement while looking for matching double-quote');
      const ch = this.text[this.pos++]!;
      if (ch === '"') return out;
      if (ch === '$') {
        out += this.dollar();
      } else if (ch === this.escape) {
        if (this.rawEscapes) out += ch;
        const next = this.text[this.pos];
        if (next === undefined) continue;
        // Inside double quotes only `"`, `$` and the escape character itself can be escaped.
        if (next === '"' || next === '$' || next === this.escape) {
          out += next;
          this.pos++;
        } else if (!this.rawEscapes) {
          out += ch;
        }
      } else {
        out += ch;
      }
    }
  }

  /** After a `$`: the substituted text (or `$` itself when no name follows). */
  private dollar(): string {
    if (this.text[this.pos] !== '{') {
      const name = this.name();
      return name === '' ? '$' : (this.lookup(name) ?? '');
    }
    this.pos++;
    const first = this.text[this.pos];
    if (first === undefined) throw invalid("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') throw invalid('syntax error: bad substitution');
    const name = this.name();
    const value = this.lookup(name);
    const ch = this.text[this.pos++];
    if (ch === '}') return value ?? '';
    if (ch === undefined) throw invalid("syntax error: missing '}'");
    if (ch === '/') return this.replace(value ?? '');
    const colon = ch === ':';
    const modifier = colon ? this.text[this.pos++] : ch;
    const shown = `${colon ? ':' : ''}${modifier ?? ''}`;
    const pattern = modifier === '#' || modifier === '%';
    if (!['-', '+', '?'].includes(modifier ?? '') && !(pattern && !colon))
      throw invalid(`unsupported modifier (${shown}) in substitution`);
    // Patterns keep their escapes: `\*` is a literal star there.
    const word = this.until('}', pattern, "syntax error: missing '}'");
    // With a colon, an empty value counts as unset.
    const set = value !== undefined && (!colon || value !== '');
    switch (modifier) {
      case '-':
        return set ? value : word;
      case '+':
        return set ? word : '';
      case '?':
        if (set) return value;
        if (word !== '') throw invalid(`${name}: ${word}`);
        throw invalid(
          `${name}: ${value === undefined ? 'is not allowed to be unset' : 'is not allowed to be empty'}`,
        );
      default: {
        // `#` / `%` trim the shortest matching prefix / suffix; doubled, the longest.
        const greedy = word.startsWith(modifier!);
        const glob = greedy ? word.slice(1) : word;
        return modifier === '#'
          ? trimPrefix(value ?? '', glob, greedy)
          : reverse(trimPrefix(reverse(value ?? ''), reversePattern(glob), greedy));
      }
    }
  }

  /** `${VAR/pattern/replacement}` (first match) and `${VAR//pattern/replacement}` (all). */
  private replace(value: string): string {
    const all = this.text[this.pos] === '/';
    if (all) this.pos++;
    const pattern = this.until('/', true, "syntax error: missing '/' in ${}");
    const replacement = this.until('}', true, "syntax error: missing '}'");
    const regex = globRegex(pattern, true, false, all);
    return value.replace(regex, () => replacement);
  }

  /** The word up to `stop` (consumed), processed like any word; `rawEscapes` keeps escape characters. */
  private until(stop: string, rawEscapes: boolean, missing: string): string {
    const inner = new Lexer(this.text, this.lookup, this.escape, false, rawEscapes, this.quotes);
    inner.pos = this.pos;
    const text = inner.scan(stop).join('');
    if (inner.text[inner.pos] !== stop) throw invalid(missing);
    this.pos = inner.pos + 1;
    return text;
  }

  private name(): string {
    const first = this.text[this.pos];
    if (first === undefined) return '';
    if (/[0-9]/.test(first)) {
      const digits = /^[0-9]+/.exec(this.text.slice(this.pos))![0];
      this.pos += digits.length;
      return digits;
    }
    if (SPECIAL_PARAMS.includes(first)) {
      this.pos++;
      return first;
    }
    const match = /^[\p{L}\p{N}_]+/u.exec(this.text.slice(this.pos));
    if (!match) return '';
    this.pos += match[0].length;
    return match[0];
  }
}

/**
 * A shell pattern as a regular expression: `*` any run, `?` one character; `\*`, `\?` and `\\` are
 * literal, `\}` and `\/` are how `}` and `/` are written inside `${}`. Bracket expressions are not supported.
 */
function globRegex(pattern: string, greedy: boolean, anchored: boolean, global = false): RegExp {
  let source = anchored ? '^' : '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') source += greedy ? '.*' : '.*?';
    else if (ch === '?') source += '.';
    else if (ch === '\\') {
      const next = pattern[i + 1];
      if (next === '}' || next === '/') continue;
      if (next !== '*' && next !== '?' && next !== '\\')
        throw invalid(`invalid pattern (${pattern}) in substitution: invalid escape '\\${next ?? ''}'`);
      source += `\\${next}`;
      i++;
    } else source += ch.replace(/[[\]{}.+()|^$]/, '\\$&');
  }
  return new RegExp(source, global ? 'gu' : 'u');
}

function trimPrefix(value: string, pattern: string, greedy: boolean): string {
  const match = globRegex(pattern, greedy, true).exec(value);
  return match ? value.slice(match[0].length) : value;
}

/** Reverses a pattern keeping each escape before the character it escapes (`a\*c` → `c\*a`). */
function reversePattern(pattern: string): string {
  const tokens: string[] = [];
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '\\' && i + 1 < pattern.length) tokens.push(pattern.slice(i, ++i + 1));
    else tokens.push(pattern[i]!);
  }
  return tokens.reverse().join('');
}

function reverse(text: string): string {
  return [...text].reverse().join('');
}

function invalid(message: string): BerthError {
  return new BerthError('InvalidArgument', message);
}
