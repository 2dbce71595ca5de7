// Dockerfile text → the AST in types.ts, following Docker's Dockerfile frontend: parser directives, comments,
// line continuations, JSON vs shell forms, per-instruction flags, heredocs, stages. Nothing is expanded
// here (see expand.ts); words keep their quotes. Invariant: every error names `file:line` of the
// instruction at fault, and the line numbers count every physical line of the file.

import { BerthError } from '../../../shared/errors.js';
import type {
  ArgInstruction,
  CommandForm,
  CopyInstruction,
  Dockerfile,
  FromInstruction,
  Heredoc,
  Instruction,
  KeyValue,
  Location,
  Stage,
} from './types.js';
import { splitRawWords, unquote } from './words.js';

type Escape = '\\' | '`';

export function parseDockerfile(text: string, file: string): Dockerfile {
  const lines = toLines(text);
  const directives = readDirectives(lines, file);
  const reader = new LineReader(lines, file, directives.escape);
  const metaArgs: ArgInstruction[] = [];
  const stages: Stage[] = [];
  const names = new Set<string>();
  for (let logical = reader.next(); logical !== undefined; logical = reader.next()) {
    const instruction = buildInstruction(logical, directives.escape, reader);
    const stage = stages.at(-1);
    if (instruction.kind === 'FROM') {
      const name = instruction.stageName;
      if (name !== undefined) {
        if (names.has(name))
          throw located(instruction.location, `duplicate stage name ${JSON.stringify(name)}`);
        names.add(name);
      }
      stages.push({ index: stages.length, name, from: instruction, instructions: [] });
    } else if (stage !== undefined) {
      stage.instructions.push(instruction);
    } else if (instruction.kind === 'ARG') {
      metaArgs.push(instruction);
    } else {
      throw located(instruction.location, `${instruction.kind} before the first FROM`, {
        hint: 'Only ARG may come before the first FROM; a build stage starts with FROM.',
      });
    }
  }
  if (stages.length === 0) {
    throw located({ file, line: Math.max(lines.length, 1) }, 'no FROM instruction', {
      hint: 'A Dockerfile needs at least one build stage: add `FROM <image>`.',
    });
  }
  return { file, escape: directives.escape, syntax: directives.syntax, metaArgs, stages };
}

/** One instruction (an ONBUILD trigger from a base image's config); heredoc bodies may follow on new lines. */
export function parseInstruction(line: string, location: Location, escape: Escape = '\\'): Instruction {
  const lines = toLines(line);
  const reader = new LineReader(lines, location.file, escape, location.line - 1);
  const logical = reader.next();
  if (logical === undefined) throw located(location, 'empty instruction');
  const instruction = buildInstruction(logical, escape, reader);
  if (reader.next() !== undefined) throw located(location, 'more than one instruction');
  return instruction;
}

// ---------------------------------------------------------------------------------------------------------
// Lines, directives, continuations

function toLines(text: string): string[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = body.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.length > 0 && lines.at(-1) === '') lines.pop();
  return lines;
}

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const KNOWN_DIRECTIVES = new Set(['escape', 'syntax', 'check']);

/** Directives are only read at the very top: the first other line (even a blank one) ends them. */
function readDirectives(lines: string[], file: string): { escape: Escape; syntax: string | undefined } {
  let escape: Escape = '\\';
  let syntax: string | undefined;
  const seen = new Set<string>();
  for (const [i, line] of lines.entries()) {
    const match = DIRECTIVE.exec(line.trimStart());
    if (!match) break;
    const key = match[1]!.toLowerCase();
    const value = match[2]!;
    if (!KNOWN_DIRECTIVES.has(key)) break;
    if (seen.has(key)) throw located({ file, line: i + 1 }, `only one ${key} parser directive can be used`);
    seen.add(key);
    if (key === 'escape') {
      if (value !== '\\' && value !== '`')
        throw located({ file, line: i + 1 }, `invalid escape token '${value}' does not match \` or \\`);
      escape = value;
    } else if (key === 'syntax') {
      syntax = value;
    }
  }
  return { escape, syntax };
}

interface LogicalLine {
  text: string;
  location: Location;
}

/** Joins continuation lines into instructions and hands out the raw lines that follow (heredoc bodies). */
class LineReader {
  private index = 0;
  private readonly continuation: RegExp;

  constructor(
    private readonly lines: string[],
    private readonly file: string,
    escape: Escape,
    private readonly offset = 0,
  ) {
    // The escape character ends a continued line, unless it is itself escaped (`\\` at the end).
    const e = escape === '`' ? '`' : '\\\\';
    this.continuation = new RegExp(`(?:^|[^${e}])(${e}[ \\t]*)$`);
  }

  next(): LogicalLine | undefined {
    while (this.index < this.lines.length) {
      const startLine = this.index + 1 + this.offset;
      const first = this.lines[this.index++]!.trimStart();
      if (first === '' || first.startsWith('#')) continue;
      let { text, ended } = this.trimContinuation(first);
      while (!ended && this.index < this.lines.length) {
        const line = this.lines[this.index++]!;
        const trimmed = line.trimStart();
        // Docker skips comment lines and blank lines inside a continued instruction.
        if (trimmed === '' || trimmed.startsWith('#')) continue;
        const part = this.trimContinuation(line);
        text += part.text;
        ended = part.ended;
      }
      text = text.trim();
      if (text === '') continue;
      return { text, location: { file: this.file, line: startLine } };
    }
    return undefined;
  }

  /** The heredoc body up to its delimiter line (consumed); tabs stripped from each line for `<<-`. */
  heredoc(name: string, chomp: boolean, expand: boolean, location: Location): Heredoc & { raw: string[] } {
    let content = '';
    const raw: string[] = [];
    while (this.index < this.lines.length) {
      const line = this.lines[this.index++]!;
      raw.push(line);
      const body = chomp ? line.replace(/^\t+/, '') : line;
      if (body === name) return { name, content, expand, raw };
      content += body + '\n';
    }
    throw located(location, `unterminated heredoc ${name}`, {
      hint: `End the heredoc with a line holding only ${name}.`,
    });
  }

  private trimContinuation(line: string): { text: string; ended: boolean } {
    const match = this.continuation.exec(line);
    return match
      ? { text: line.slice(0, line.length - match[1]!.length), ended: false }
      : { text: line, ended: true };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Instructions

const KEYWORDS = [
  'ADD',
  'ARG',
  'CMD',
  'COPY',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'FROM',
  'HEALTHCHECK',
  'LABEL',
  'MAINTAINER',
  'ONBUILD',
  'RUN',
  'SHELL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
] as const;
type Keyword = (typeof KEYWORDS)[number];

type FlagKind = 'string' | 'bool' | 'list';
const COPY_FLAGS: Record<string, FlagKind> = {
  from: 'string',
  chown: 'string',
  chmod: 'string',
  link: 'bool',
  exclude: 'list',
  parents: 'bool',
};
const FLAGS: Partial<Record<Keyword, Record<string, FlagKind>>> = {
  FROM: { platform: 'string' },
  RUN: { mount: 'list', network: 'string', security: 'string' },
  COPY: COPY_FLAGS,
  ADD: { ...COPY_FLAGS, checksum: 'string', 'keep-git-dir': 'bool' },
  HEALTHCHECK: {
    interval: 'string',
    timeout: 'string',
    'start-period': 'string',
    'start-interval': 'string',
    retries: 'string',
  },
};

interface Flags {
  strings: Map<string, string>;
  lists: Map<string, string[]>;
  bools: Map<string, boolean>;
}

interface HeredocSource {
  /** The body of heredoc `name`, read from the lines after the instruction; `raw` as written. */
  heredoc(name: string, chomp: boolean, expand: boolean, location: Location): Heredoc & { raw: string[] };
}

function buildInstruction(logical: LogicalLine, escape: Escape, source: HeredocSource): Instruction {
  const { text: original, location } = logical;
  const [word = '', rest0 = ''] = splitFirst(original);
  const keyword = word.toUpperCase();
  if (!isKeyword(keyword)) {
    const suggestion = closest(keyword);
    throw located(
      location,
      `unknown instruction: ${word}${suggestion ? ` (did you mean ${suggestion}?)` : ''}`,
    );
  }
  const { flags: rawFlags, rest } = takeFlags(rest0, escape);
  const flags = checkFlags(keyword, rawFlags, location);
  const base = { location, original };
  const fail = (message: string, hint?: string): BerthError => located(location, message, { hint });

  switch (keyword) {
    case 'FROM': {
      const words = splitRawWords(rest, escape);
      if (words.length === 0) throw fail('FROM requires at least one argument');
      if (words.length !== 1 && !(words.length === 3 && words[1]!.toLowerCase() === 'as'))
        throw fail('FROM requires either one or three arguments', 'Use `FROM <image> [AS <name>]`.');
      const stageName = words[2]?.toLowerCase();
      if (stageName !== undefined && !/^[a-z][a-z0-9._-]*$/.test(stageName))
        throw fail(
          `invalid name for build stage: ${JSON.stringify(words[2])}, name can't start with a number or contain symbols`,
          "A stage name starts with a letter and holds only letters, digits, '.', '_' and '-'.",
        );
      const from: FromInstruction = {
        ...base,
        kind: 'FROM',
        image: words[0]!,
        stageName,
        platform: flags.strings.get('platform'),
      };
      return from;
    }
    case 'RUN': {
      if (rest === '') throw fail('RUN requires at least one argument');
      const command = commandForm(rest, location);
      const heredocs = command.form === 'shell' ? readHeredocs(rest, escape, location, source) : [];
      return {
        ...base,
        kind: 'RUN',
        command,
        mounts: flags.lists.get('mount') ?? [],
        network: flags.strings.get('network'),
        security: flags.strings.get('security'),
        heredocs,
      };
    }
    case 'CMD':
    case 'ENTRYPOINT':
      if (rest === '') throw fail(`${keyword} requires at least one argument`);
      return { ...base, kind: keyword, command: commandForm(rest, location) };
    case 'SHELL': {
      const json = jsonArray(rest, location);
      if (json === undefined)
        throw fail(
          'SHELL requires the arguments to be in JSON form',
          'Write it as SHELL ["/bin/bash", "-c"].',
        );
      if (json.length === 0) throw fail('SHELL requires at least one argument');
      return { ...base, kind: 'SHELL', shell: json };
    }
    case 'ENV':
    case 'LABEL':
      return { ...base, kind: keyword, pairs: keyValues(keyword, rest, escape, location) };
    case 'ARG': {
      const words = splitRawWords(rest, escape);
      if (words.length === 0) throw fail('ARG requires at least one argument');
      const args = words.map((w) => {
        const eq = w.indexOf('=');
        const name = eq < 0 ? w : w.slice(0, eq);
        if (name === '') throw fail('ARG names can not be blank');
        return { name, defaultValue: eq < 0 ? undefined : w.slice(eq + 1) };
      });
      return { ...base, kind: 'ARG', args };
    }
    case 'EXPOSE': {
      const words = splitRawWords(rest, escape);
      if (words.length === 0) throw fail('EXPOSE requires at least one argument');
      return { ...base, kind: 'EXPOSE', words };
    }
    case 'VOLUME': {
      const words = jsonArray(rest, location) ?? splitRawWords(rest, escape);
      if (words.length === 0) throw fail('VOLUME requires at least one argument');
      return { ...base, kind: 'VOLUME', words };
    }
    case 'USER':
    case 'WORKDIR':
    case 'STOPSIGNAL':
    case 'MAINTAINER':
      if (rest === '') throw fail(`${keyword} requires exactly one argument`);
      return { ...base, kind: keyword, value: rest };
    case 'HEALTHCHECK':
      return healthcheck(rest, flags, base, location);
    case 'ONBUILD': {
      if (rest === '') throw fail('ONBUILD requires at least one argument');
      const trigger = rest;
      const [inner = ''] = splitFirst(trigger);
      const innerKeyword = inner.toUpperCase();
      if (innerKeyword === 'ONBUILD') throw fail("chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
      if (innerKeyword === 'FROM' || innerKeyword === 'MAINTAINER')
        throw fail(`${innerKeyword} isn't allowed as an ONBUILD trigger`);
      // The trigger's heredoc bodies follow the line as usual; they travel with it, so a child can parse it
      // again. Parsing it now also fails this build, rather than a child's, on a broken trigger.
      const bodies: string[] = [];
      const collect: HeredocSource = {
        heredoc: (name, chomp, expand, at) => {
          const doc = source.heredoc(name, chomp, expand, at);
          bodies.push(...doc.raw);
          return doc;
        },
      };
      buildInstruction({ text: trigger, location }, escape, collect);
      return { ...base, kind: 'ONBUILD', trigger: [trigger, ...bodies].join('\n') };
    }
    case 'COPY':
    case 'ADD':
      return copy(keyword, rest, flags, base, escape, location, source);
  }
}

function copy(
  kind: 'COPY' | 'ADD',
  rest: string,
  flags: Flags,
  base: { location: Location; original: string },
  escape: Escape,
  location: Location,
  source: HeredocSource,
): CopyInstruction {
  const json = jsonArray(rest, location);
  let words = json ?? heredocWords(rest, escape);
  const heredocs: Heredoc[] = [];
  if (json === undefined) {
    words = words.map((word) => {
      const marker = heredocMarker(word, escape);
      if (marker === undefined) return word;
      heredocs.push(plain(source.heredoc(marker.name, marker.chomp, marker.expand, location)));
      return marker.name;
    });
  }
  if (words.length < 2)
    throw located(
      location,
      `${kind} requires at least two arguments, but only one was provided. Destination could not be determined`,
      { hint: `Write ${kind} <source>... <destination>.` },
    );
  return {
    ...base,
    kind,
    sources: words.slice(0, -1),
    dest: words.at(-1)!,
    from: flags.strings.get('from'),
    chown: flags.strings.get('chown'),
    chmod: flags.strings.get('chmod'),
    link: flags.bools.get('link') ?? false,
    exclude: flags.lists.get('exclude') ?? [],
    parents: flags.bools.get('parents') ?? false,
    checksum: flags.strings.get('checksum'),
    keepGitDir: flags.bools.get('keep-git-dir') ?? false,
    heredocs,
  };
}

function healthcheck(
  rest: string,
  flags: Flags,
  base: { location: Location; original: string },
  location: Location,
): Instruction {
  const [type = '', after = ''] = splitFirst(rest);
  const upper = type.toUpperCase();
  const common = {
    ...base,
    kind: 'HEALTHCHECK' as const,
    interval: flags.strings.get('interval'),
    timeout: flags.strings.get('timeout'),
    startPeriod: flags.strings.get('start-period'),
    startInterval: flags.strings.get('start-interval'),
    retries: flags.strings.get('retries'),
  };
  if (upper === '') throw located(location, 'HEALTHCHECK requires at least one argument');
  if (upper === 'NONE') {
    if (after !== '' || flags.strings.size > 0)
      throw located(location, 'HEALTHCHECK NONE takes no arguments');
    return { ...common, command: undefined };
  }
  if (upper !== 'CMD')
    throw located(location, `unknown type ${JSON.stringify(type)} in HEALTHCHECK (try CMD)`, {
      hint: 'Write HEALTHCHECK [options] CMD <command>, or HEALTHCHECK NONE.',
    });
  if (after === '') throw located(location, 'missing command after HEALTHCHECK CMD');
  return { ...common, command: commandForm(after, location) };
}

function keyValues(kind: 'ENV' | 'LABEL', rest: string, escape: Escape, location: Location): KeyValue[] {
  const words = splitRawWords(rest, escape);
  if (words.length === 0) throw located(location, `${kind} requires at least one argument`);
  if (!words[0]!.includes('=')) {
    // The legacy form `ENV key value...`: the value is the rest of the line as written.
    const [key = '', value = ''] = splitFirst(rest);
    if (value === '')
      throw located(location, `${kind} must have two arguments`, { hint: `Write ${kind} key=value.` });
    return [{ key, value }];
  }
  return words.map((word) => {
    const eq = word.indexOf('=');
    if (eq < 0)
      throw located(
        location,
        `syntax error - can't find = in ${JSON.stringify(word)}. Must be of the form: name=value`,
      );
    const key = word.slice(0, eq);
    if (key === '') throw located(location, `${kind} names can not be blank`);
    return { key, value: word.slice(eq + 1) };
  });
}

/** The exec form when the text is a JSON array of strings, else the shell form (as Docker falls back). */
function commandForm(rest: string, location: Location): CommandForm {
  const json = jsonArray(rest, location);
  return json === undefined ? { form: 'shell', text: rest } : { form: 'exec', args: json };
}

/** undefined when `text` is not a JSON array; an error when it is one holding something else than strings. */
function jsonArray(text: string, location: Location): string[] | undefined {
  if (!text.startsWith('[')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  if (!value.every((v): v is string => typeof v === 'string'))
    throw located(location, 'when using JSON array syntax, arrays must be comprised of strings only');
  return value;
}

// ---------------------------------------------------------------------------------------------------------
// Heredocs

const HEREDOC = /^(\d*)<<(-?)\s*([^<]+)$/;

function heredocMarker(
  word: string,
  escape: Escape,
): { name: string; chomp: boolean; expand: boolean } | undefined {
  const match = HEREDOC.exec(word);
  if (!match) return undefined;
  const raw = match[3]!;
  const name = unquote(raw, escape);
  if (name === '' || /\s/.test(name)) return undefined;
  // Any quote around or inside the delimiter (`<<"EOF"`, `<<E'O'F`) turns expansion off.
  const quotes = (t: string) => t.replace(/[^'"]/g, '').length;
  return { name, chomp: match[2] === '-', expand: quotes(name) === quotes(raw) };
}

function plain(doc: Heredoc): Heredoc {
  return { name: doc.name, content: doc.content, expand: doc.expand };
}

/** Words of a line as Docker's heredoc scan sees them: `<< EOF` (blanks after `<<`) is one word. */
function heredocWords(rest: string, escape: Escape): string[] {
  const words: string[] = [];
  for (const word of splitRawWords(rest, escape)) {
    const previous = words.at(-1);
    if (previous !== undefined && /^\d*<<$/.test(previous)) words[words.length - 1] = previous + word;
    else words.push(word);
  }
  return words;
}

function readHeredocs(rest: string, escape: Escape, location: Location, source: HeredocSource): Heredoc[] {
  if (!rest.includes('<<')) return [];
  const docs: Heredoc[] = [];
  for (const word of heredocWords(rest, escape)) {
    const marker = heredocMarker(word, escape);
    if (marker) docs.push(plain(source.heredoc(marker.name, marker.chomp, marker.expand, location)));
  }
  return docs;
}

// ---------------------------------------------------------------------------------------------------------
// Flags

interface RawFlag {
  name: string;
  value: string | undefined;
}

/** Leading `--name[=value]` words (quotes removed from values, as Docker does); `--` ends them. */
function takeFlags(text: string, escape: Escape): { flags: RawFlag[]; rest: string } {
  const flags: RawFlag[] = [];
  let pos = 0;
  for (;;) {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
    if (!text.startsWith('--', pos)) break;
    let word = '';
    let quote: string | undefined;
    for (; pos < text.length; pos++) {
      const ch = text[pos]!;
      if (quote !== undefined) {
        if (ch === quote) quote = undefined;
        else if (ch === escape && pos + 1 < text.length) word += text[++pos]!;
        else word += ch;
      } else if (/\s/.test(ch)) {
        break;
      } else if (ch === '"' || ch === "'") {
        quote = ch;
      } else if (ch === escape) {
        if (pos + 1 < text.length) word += text[++pos]!;
      } else {
        word += ch;
      }
    }
    if (word === '--') break;
    const body = word.slice(2);
    const eq = body.indexOf('=');
    flags.push(
      eq < 0 ? { name: body, value: undefined } : { name: body.slice(0, eq), value: body.slice(eq + 1) },
    );
  }
  return { flags, rest: text.slice(pos).trim() };
}

function checkFlags(keyword: Keyword, raw: RawFlag[], location: Location): Flags {
  const allowed = FLAGS[keyword] ?? {};
  const flags: Flags = { strings: new Map(), lists: new Map(), bools: new Map() };
  for (const { name, value } of raw) {
    const kind = allowed[name];
    if (kind === undefined) {
      const names = Object.keys(allowed).map((n) => `--${n}`);
      throw located(location, `unknown flag for ${keyword}: --${name}`, {
        hint: names.length > 0 ? `${keyword} accepts ${names.join(', ')}.` : `${keyword} takes no flags.`,
      });
    }
    if (kind === 'list') {
      if (value === undefined) throw located(location, `missing a value on flag: --${name}`);
      flags.lists.set(name, [...(flags.lists.get(name) ?? []), value]);
      continue;
    }
    if (flags.strings.has(name) || flags.bools.has(name))
      throw located(location, `duplicate flag specified: --${name}`);
    if (kind === 'string') {
      if (value === undefined) throw located(location, `missing a value on flag: --${name}`);
      flags.strings.set(name, value);
    } else {
      const lower = value?.toLowerCase();
      if (lower !== undefined && lower !== 'true' && lower !== 'false')
        throw located(location, `expecting boolean value for flag --${name}, not: ${value}`);
      flags.bools.set(name, lower !== 'false');
    }
  }
  return flags;
}

// ---------------------------------------------------------------------------------------------------------
// Small utilities

function splitFirst(text: string): [string, string] | [] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  const match = /\s+/.exec(trimmed);
  if (!match) return [trimmed, ''];
  return [trimmed.slice(0, match.index), trimmed.slice(match.index + match[0].length)];
}

function isKeyword(word: string): word is Keyword {
  return (KEYWORDS as readonly string[]).includes(word);
}

function closest(word: string): Keyword | undefined {
  let best: Keyword | undefined;
  let bestDistance = Infinity;
  for (const keyword of KEYWORDS) {
    const d = distance(word, keyword);
    if (d < bestDistance) {
      best = keyword;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        previous[j]! + 1,
        row[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = row;
  }
  return previous[b.length]!;
}

function located(
  location: Location,
  message: string,
  options: { hint?: string | undefined } = {},
): BerthError {
  return new BerthError(
    'InvalidArgument',
    `${location.file}:${location.line}: ${message}`,
    options.hint === undefined ? {} : { hint: options.hint },
  );
}
