// Compose variable interpolation in string values: `$VAR`, `${VAR}`, `${VAR:-d}`, `${VAR-d}`,
// `${VAR:?e}`, `${VAR?e}`, `${VAR:+a}`, `${VAR+a}`, `$$`. Behaves as Docker Compose does, quirks included:
// the argument of an operator ends at the brace that closes `${` (braces counted), and needs a `}` on
// the same line; defaults, messages and alternates are interpolated themselves.
// Invariant: map keys and non-string values are never touched, and the input tree is never mutated.

import { Tagged, isRawMap } from './raw.js';
import type { Raw, RawMap } from './raw.js';
import { ComposeError } from './source-map.js';
import type { Path, SourceMap } from './source-map.js';
import type { LoadWarning } from './warnings.js';

export type Lookup = (name: string) => string | undefined;

/** Bad syntax or a required variable without a value, before the caller knows which path it was. */
export class InterpolationError extends Error {
  constructor(
    readonly kind: 'invalid-format' | 'required',
    message: string,
    readonly template: string,
    readonly variable?: string,
    /** 0-based index in the template of the `$` that starts the bad expression. */
    readonly offset?: number,
  ) {
    super(message);
    this.name = 'InterpolationError';
  }
}

export interface VariableUse {
  name: string;
  required: boolean;
  defaultValue?: string;
  alternateValue?: string;
}

type Operator = ':-' | '-' | ':?' | '?' | ':+' | '+';
const OPERATORS: readonly Operator[] = [':-', ':?', ':+', '-', '?', '+'];
const NAME_START = /[_A-Za-z]/;
const NAME = /[_A-Za-z][_A-Za-z0-9]*/y;

interface Braced {
  name: string;
  operator?: Operator;
  argument: string;
  /** Index where the argument starts. */
  argumentStart: number;
  /** Index just after the closing brace. */
  end: number;
}

/** Why `${...}` could not be read: shown to the user with where it starts. */
interface BadBrace {
  reason: string;
}

/** Replaces the variables of one string; `missing` lists the variables used bare but not set. */
export function interpolateString(text: string, lookup: Lookup): { value: string; missing: string[] } {
  const missing: string[] = [];
  const value = substitute(text, text, 0, lookup, missing);
  return { value, missing };
}

/** `base` is where `text` starts inside `template` (operator arguments are interpolated on their own). */
function substitute(text: string, template: string, base: number, lookup: Lookup, missing: string[]): string {
  let out = '';
  let index = 0;
  while (index < text.length) {
    const dollar = text.indexOf('$', index);
    if (dollar < 0) {
      out += text.slice(index);
      break;
    }
    out += text.slice(index, dollar);
    const next = text[dollar + 1];
    if (next === '$') {
      out += '$';
      index = dollar + 2;
    } else if (next !== undefined && NAME_START.test(next)) {
      const name = readName(text, dollar + 1);
      out += valueOf(name, lookup, missing);
      index = dollar + 1 + name.length;
    } else if (next === '{') {
      const braced = readBraced(text, dollar);
      if ('reason' in braced) throw invalidFormat(template, base + dollar, braced.reason);
      out += applyOperator(braced, template, base, lookup, missing);
      index = braced.end;
    } else {
      // A `$` not followed by a name, a brace or another `$` is kept as written.
      out += '$';
      index = dollar + 1;
    }
  }
  return out;
}

function valueOf(name: string, lookup: Lookup, missing: string[]): string {
  const value = lookup(name);
  if (value === undefined) {
    missing.push(name);
    return '';
  }
  return value;
}

function applyOperator(
  braced: Braced,
  template: string,
  base: number,
  lookup: Lookup,
  missing: string[],
): string {
  const { name, operator, argument } = braced;
  if (operator === undefined) return valueOf(name, lookup, missing);
  const value = lookup(name);
  const unset = value === undefined;
  const unsetOrEmpty = unset || value === '';
  const nested = (): string => substitute(argument, template, base + braced.argumentStart, lookup, missing);
  switch (operator) {
    case ':-':
      return unsetOrEmpty ? nested() : (value as string);
    case '-':
      return unset ? nested() : (value as string);
    case ':+':
      return unsetOrEmpty ? (value ?? '') : nested();
    case '+':
      return unset ? '' : nested();
    case ':?':
    case '?': {
      if (operator === ':?' ? !unsetOrEmpty : !unset) return value as string;
      const reason = nested();
      const message = `required variable ${name} is missing a value` + (reason === '' ? '' : `: ${reason}`);
      throw new InterpolationError('required', message, template, name);
    }
  }
}

function readName(text: string, at: number): string {
  NAME.lastIndex = at;
  const match = NAME.exec(text);
  return match ? match[0] : '';
}

/** Reads `${...}` starting at `start` (the `$`), or says why the syntax is invalid. */
function readBraced(text: string, start: number): Braced | BadBrace {
  const name = readName(text, start + 2);
  if (name === '') return { reason: '"${" must be followed by a variable name' };
  const afterName = start + 2 + name.length;
  if (text[afterName] === '}') return { name, argument: '', argumentStart: afterName, end: afterName + 1 };
  const operator = OPERATORS.find((candidate) => text.startsWith(candidate, afterName));
  const unclosed = { reason: `"\${${name}" is not closed by "}"` };
  if (operator === undefined) {
    // With no `}` left on the line, the brace was never closed; otherwise the name is followed by junk.
    const lineEnd = text.indexOf('\n', afterName);
    const rest = text.slice(afterName, lineEnd < 0 ? text.length : lineEnd);
    if (!rest.includes('}')) return unclosed;
    return { reason: `unexpected ${JSON.stringify(text[afterName])} after "\${${name}"` };
  }
  const argumentStart = afterName + operator.length;

  // Docker Compose's pattern needs a `}` later on the same line; the last one bounds the expression,
  // and within that, the brace balancing the opening `{` closes it.
  const lineEnd = text.indexOf('\n', argumentStart);
  const lastBrace = text.lastIndexOf('}', (lineEnd < 0 ? text.length : lineEnd) - 1);
  if (lastBrace < argumentStart) {
    return lineEnd < 0 ? unclosed : { reason: `"\${${name}" is not closed by "}" on the same line` };
  }
  const closing = closingBraceOffset(text.slice(start, lastBrace + 1));
  const end = closing < 0 ? lastBrace : start + closing;
  return { name, operator, argument: text.slice(argumentStart, end), argumentStart, end: end + 1 };
}

/**
 * Offset of the `}` that balances the first `{`. Like Docker Compose, the character right after any
 * `{` is skipped, so `{}` inside a default does not count as a pair.
 */
function closingBraceOffset(segment: string): number {
  let open = 0;
  for (let i = 0; i < segment.length; i++) {
    if (segment[i] === '}') {
      open--;
      if (open === 0) return i;
    }
    if (segment[i] === '{') {
      open++;
      i++;
    }
  }
  return -1;
}

/** Names the character where the bad expression starts (1-based), as a column within the value. */
function invalidFormat(template: string, offset: number, reason: string): InterpolationError {
  return new InterpolationError(
    'invalid-format',
    `invalid interpolation format ${JSON.stringify(template)} at character ${offset + 1}: ${reason}. ` +
      'You may need to escape any $ with another $ ($$).',
    template,
    undefined,
    offset,
  );
}

/**
 * Interpolates every string value of a compose file. Errors name the value's path and position; each
 * unset variable is reported once, at its first use.
 */
export function interpolateTree(
  value: RawMap,
  lookup: Lookup,
  sourceMap: SourceMap,
  warn: (warning: LoadWarning) => void,
): RawMap {
  const warned = new Set<string>();
  const visit = (node: Raw, path: Path): Raw => {
    if (typeof node === 'string') {
      let result: { value: string; missing: string[] };
      try {
        result = interpolateString(node, lookup);
      } catch (error) {
        if (!(error instanceof InterpolationError)) throw error;
        throw new ComposeError(error.message, { position: sourceMap.nearest(path), path }, { cause: error });
      }
      for (const name of result.missing) {
        if (warned.has(name)) continue;
        warned.add(name);
        const position = sourceMap.nearest(path);
        const message = `The "${name}" variable is not set. Defaulting to a blank string.`;
        warn(position ? { message, position } : { message });
      }
      return result.value;
    }
    if (node instanceof Tagged) return new Tagged(node.tag, visit(node.value, path));
    if (Array.isArray(node)) return node.map((item, index) => visit(item, [...path, index]));
    if (isRawMap(node)) {
      const out: RawMap = {};
      for (const [key, item] of Object.entries(node)) out[key] = visit(item, [...path, key]);
      return out;
    }
    return node;
  };
  return visit(value, []) as RawMap;
}

/**
 * Every variable a compose tree refers to, sorted by name, for `config --variables`. A variable used
 * several times is required if any use requires it; its default and alternate come from the first use
 * that gives one.
 */
export function listVariables(value: RawMap): VariableUse[] {
  const byName = new Map<string, VariableUse>();
  const record = (use: VariableUse): void => {
    const known = byName.get(use.name);
    if (!known) {
      byName.set(use.name, { ...use });
      return;
    }
    known.required ||= use.required;
    if (known.defaultValue === undefined && use.defaultValue !== undefined)
      known.defaultValue = use.defaultValue;
    if (known.alternateValue === undefined && use.alternateValue !== undefined) {
      known.alternateValue = use.alternateValue;
    }
  };
  const visit = (node: Raw): void => {
    if (typeof node === 'string') collectVariables(node, record);
    else if (node instanceof Tagged) visit(node.value);
    else if (Array.isArray(node)) node.forEach(visit);
    else if (isRawMap(node)) Object.values(node).forEach(visit);
  };
  visit(value);
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Finds variable uses without resolving them; invalid expressions are skipped, not reported. */
function collectVariables(text: string, record: (use: VariableUse) => void): void {
  let index = 0;
  while (index < text.length) {
    const dollar = text.indexOf('$', index);
    if (dollar < 0) return;
    const next = text[dollar + 1];
    if (next === '$') {
      index = dollar + 2;
    } else if (next !== undefined && NAME_START.test(next)) {
      const name = readName(text, dollar + 1);
      record({ name, required: false });
      index = dollar + 1 + name.length;
    } else if (next === '{') {
      const braced = readBraced(text, dollar);
      if ('reason' in braced) {
        index = dollar + 2;
        continue;
      }
      const { name, operator, argument } = braced;
      const use: VariableUse = { name, required: operator === '?' || operator === ':?' };
      if (operator === '-' || operator === ':-') use.defaultValue = argument;
      if (operator === '+' || operator === ':+') use.alternateValue = argument;
      record(use);
      if (use.defaultValue !== undefined || use.alternateValue !== undefined)
        collectVariables(argument, record);
      index = braced.end;
    } else {
      index = dollar + 1;
    }
  }
}
