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
      if (ch === "'") {
        this.raw(this.singleQuoted());
      } else if (ch === '"') {
        this.raw(this.doubleQuoted());
      } else if (ch === '$') {
        this.unquoted(this.dollar());
      } else if (ch === this.escape) {
        if (this.pos >= this.text.length) break; // a trailing escape is dropped
        this.raw(this.text[this.pos++]!);
      } else {
        this.unquoted(ch);
      }
    }
    const words = [...this.words];
    if (this.current !== '' || this.inWord) words.push(this.current);
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
        if (this.current !== '' || this.inWord) this.words.push(this.current);
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
        const next = this.text[this.pos];
        if (next === undefined) continue;
        // Inside double quotes only `"`, `$` and the escape character itself can be escaped.
        if (next === '"' || next === '$' || next === this.escape) {
          out += next;
          this.pos++;
        } else {
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
    const name = this.name();
    if (name === '') throw invalid(`bad substitution: \${${this.text.slice(this.pos).split('}')[0] ?? ''}}`);
    const value = this.lookup(name);
    const ch = this.text[this.pos];
    if (ch === '}') {
      this.pos++;
      return value ?? '';
    }
    if (ch === undefined) throw invalid(`missing '}' in substitution of ${name}`);
    let colon = false;
    if (ch === ':') {
      colon = true;
      this.pos++;
    }
    const modifier = this.text[this.pos];
    if (modifier === undefined) throw invalid(`missing '}' in substitution of ${name}`);
    if (modifier !== '-' && modifier !== '+' && modifier !== '?')
      throw invalid(`unsupported modifier (${colon ? ':' : ''}${modifier}) in substitution of ${name}`);
    this.pos++;
    const word = this.nested();
    // With a colon, an empty value counts as unset.
    const set = value !== undefined && (!colon || value !== '');
    switch (modifier) {
      case '-':
        return set ? value : word;
      case '+':
        return set ? word : '';
      case '?':
        if (set) return value;
        throw invalid(
          `${name}: ${word !== '' ? word : colon ? 'is not allowed to be unset or empty' : 'is not allowed to be unset'}`,
        );
    }
  }

  /** The word inside `${VAR:-word}`: processed like any word, up to the closing brace. */
  private nested(): string {
    const inner = new Lexer(this.text, this.lookup, this.escape, false);
    inner.pos = this.pos;
    const text = inner.scan('}').join('');
    if (inner.text[inner.pos] !== '}') throw invalid(`missing '}' in substitution`);
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

function invalid(message: string): BerthError {
  return new BerthError('InvalidArgument', message);
}
