// The `.env` / `env_file` syntax Docker Compose accepts, and the `format: raw` variant.
// Lines: `[export ]KEY=VALUE` or `KEY: VALUE`; `#` comments; a bare `KEY` inherits from the lookup.
// Values: unquoted (to end of line, ` #` starts a comment, trimmed, interpolated), single-quoted
// (literal), double-quoted (escapes then interpolation; may span lines).
// Invariant: inside a file, a reference resolves from the lookup first and then from the keys already
// read (the environment wins over the file, as in Docker Compose); key order is the file's order.

import { InterpolationError, interpolateString } from './interpolate.js';
import type { Lookup } from './interpolate.js';
import { ComposeError } from './source-map.js';
import type { Position } from './source-map.js';
import type { WarningSink } from './warnings.js';

const BOM = '\uFEFF';

/** Spaces that separate tokens on a line; a newline is not one of them. */
function isBlank(char: string | undefined): boolean {
  return (
    char === ' ' ||
    char === '\t' ||
    char === '\r' ||
    char === '\v' ||
    char === '\f' ||
    char === '\u0085' ||
    char === '\u00a0'
  );
}

function isKeyChar(char: string): boolean {
  return /^[\p{L}\p{N}_.\-[\]]$/u.test(char);
}

/** Parses a `.env` file into an ordered map. Errors name `file:line:col`. */
export function parseDotEnv(
  text: string,
  file: string,
  lookup: Lookup,
  warn?: WarningSink,
): Map<string, string> {
  const out = new Map<string, string>();
  parseDotEnvInto(text, file, lookup, out, warn);
  return out;
}

/**
 * Like parseDotEnv, but adds to `target`, whose existing entries take part in interpolation after the
 * lookup: this is how several env files build one environment, later files overriding earlier ones.
 */
export function parseDotEnvInto(
  text: string,
  file: string,
  lookup: Lookup,
  target: Map<string, string>,
  warn?: WarningSink,
): void {
  new DotEnvParser(text.startsWith(BOM) ? text.slice(BOM.length) : text, file, lookup, target, warn).parse();
}

class DotEnvParser {
  private index = 0;
  private line = 1;
  private lineStart = 0;

  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly lookup: Lookup,
    private readonly out: Map<string, string>,
    private readonly warn: WarningSink | undefined,
  ) {}

  parse(): void {
    for (;;) {
      this.skipToStatement();
      if (this.index >= this.text.length) return;
      this.statement();
    }
  }

  private position(index = this.index): Position {
    return { file: this.file, line: this.line, col: index - this.lineStart + 1 };
  }

  private newline(at: number): void {
    this.line++;
    this.lineStart = at + 1;
  }

  /** Skips whitespace, blank lines and comment lines. */
  private skipToStatement(): void {
    const { text } = this;
    while (this.index < text.length) {
      const char = text[this.index];
      if (char === '\n') {
        this.newline(this.index);
        this.index++;
      } else if (isBlank(char)) {
        this.index++;
      } else if (char === '#') {
        const end = text.indexOf('\n', this.index);
        this.index = end < 0 ? text.length : end;
      } else {
        return;
      }
    }
  }

  private statement(): void {
    const { text } = this;
    const exported = /^export[ \t\v\f\r]+/.exec(text.slice(this.index, this.index + 64));
    if (exported) this.index += exported[0].length;

    const keyStart = this.index;
    const startPosition = this.position(keyStart);
    let terminator: string | undefined;
    for (; this.index < text.length; this.index++) {
      const char = text[this.index] as string;
      if (char === '=' || char === ':' || char === '\n') {
        terminator = char;
        break;
      }
      if (isBlank(char) || isKeyChar(char)) continue;
      const lineEnd = text.indexOf('\n', keyStart);
      throw new ComposeError(
        `unexpected character ${JSON.stringify(char)} in variable name ${JSON.stringify(text.slice(keyStart, lineEnd < 0 ? undefined : lineEnd))}`,
        { position: this.position() },
      );
    }
    const key = text.slice(keyStart, this.index).replace(/[\s]+$/u, '');
    if (/\s/u.test(key)) {
      throw new ComposeError(`variable name ${JSON.stringify(key)} cannot contain a space`, {
        position: startPosition,
      });
    }

    // A bare KEY (also on the last line without a newline) takes its value from the lookup, if any.
    if (terminator === undefined || terminator === '\n') {
      const inherited = this.lookup(key);
      if (inherited !== undefined) this.out.set(key, inherited);
      return;
    }
    this.index++; // past `=` or `:`
    while (isBlank(text[this.index])) this.index++;

    const quote = text[this.index];
    const value = quote === '"' || quote === "'" ? this.quotedValue(quote) : this.unquotedValue();
    this.out.set(key, value);
  }

  private unquotedValue(): string {
    const { text } = this;
    const start = this.index;
    const position = this.position(start);
    const end = text.indexOf('\n', start);
    this.index = end < 0 ? text.length : end;
    let value = text.slice(start, this.index);
    const comment = value.indexOf(' #');
    if (comment >= 0) value = value.slice(0, comment);
    return this.interpolate(value.replace(/\s+$/u, ''), position);
  }

  private quotedValue(quote: string): string {
    const { text } = this;
    const openAt = this.index;
    const position = this.position(openAt);
    let chars = '';
    let escaped = false;
    for (let i = openAt + 1; i < text.length; i++) {
      const char = text[i] as string;
      if (char === '\n') this.newline(i);
      if (char === quote && !escaped) {
        this.index = i + 1;
        return quote === '"' ? this.interpolate(expandEscapes(chars), position) : chars;
      }
      if (char === quote) {
        chars += char; // an escaped quote loses its backslash
        escaped = false;
      } else if (escaped) {
        chars += '\\' + char; // other escapes are decoded later, and only in double quotes
        escaped = false;
      } else if (char === '\\') {
        escaped = true;
      } else {
        chars += char;
      }
    }
    const lineEnd = text.indexOf('\n', openAt);
    throw new ComposeError(
      `unterminated quoted value ${text.slice(openAt, lineEnd < 0 ? undefined : lineEnd)}`,
      { position },
    );
  }

  private interpolate(value: string, position: Position): string {
    const resolve: Lookup = (name) => this.lookup(name) ?? this.out.get(name);
    try {
      const result = interpolateString(value, resolve);
      for (const name of result.missing) {
        this.warn?.({
          message: `The "${name}" variable is not set. Defaulting to a blank string.`,
          position,
        });
      }
      return result.value;
    } catch (error) {
      if (!(error instanceof InterpolationError)) throw error;
      throw new ComposeError(error.message, { position }, { cause: error });
    }
  }
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\u0007',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '"': '"',
  '\\': '\\',
};

/**
 * Decodes the escapes of a double-quoted value: \n \t \r \a \b \f \v \\ \" and \0NNN (octal). `\$`
 * becomes `$$` so interpolation yields a literal `$`. Anything else is kept as written.
 */
function expandEscapes(text: string): string {
  return text.replace(
    /\\(?:([abcfnrtv$"\\])|0(\d{0,3}))/g,
    (match, simple: string | undefined, octal: string | undefined) => {
      if (simple === '$') return '$$';
      if (simple !== undefined) return SIMPLE_ESCAPES[simple] ?? match;
      if (octal !== undefined && /^[0-7]{3}$/.test(octal)) {
        const code = parseInt(octal, 8);
        if (code <= 0o377) return String.fromCharCode(code);
      }
      return match;
    },
  );
}

/**
 * `format: raw` env files, read like `docker run --env-file`: `KEY=VALUE` taken literally (no quotes,
 * no interpolation, spaces kept); `#` lines and blank lines skipped; a bare `KEY` from the lookup.
 */
export function parseRawEnv(text: string, file: string, lookup?: Lookup): Map<string, string> {
  const out = new Map<string, string>();
  const lines = (text.startsWith(BOM) ? text.slice(BOM.length) : text).split('\n');
  lines.forEach((rawLine, index) => {
    const line = rawLine.replace(/\r$/, '').replace(/^\s+/u, '');
    if (line === '' || line.startsWith('#')) return;
    const position: Position = {
      file,
      line: index + 1,
      col: rawLine.length - rawLine.trimStart().length + 1,
    };
    const equals = line.indexOf('=');
    const name = equals < 0 ? line : line.slice(0, equals);
    if (/\s/u.test(name)) {
      throw new ComposeError(`variable ${JSON.stringify(name)} contains whitespaces`, { position });
    }
    if (name === '') throw new ComposeError(`no variable name on line ${JSON.stringify(line)}`, { position });
    if (equals >= 0) {
      out.set(name, line.slice(equals + 1));
      return;
    }
    const inherited = lookup?.(name);
    if (inherited !== undefined) out.set(name, inherited);
  });
  return out;
}
