// Schema validation of the merged compose model against schemas/compose.schema.json.
// The schema is compiled once (lazily) with every error collected; of those, the single most specific
// one is reported, with the value's file:line:col, so a user sees one precise message rather than
// ajv's list. Invariant: validateSchema never changes the model; it only throws.

import type { ErrorObject } from 'ajv';
import { formatMessage } from './schema-formats.js';
import { schemaValidator } from './schema-validator.js';
import type { RawMap } from './raw.js';
import { ComposeError, type Path, type PathElement, type SourceMap } from './source-map.js';

export {
  FORMATS,
  formatMessage,
  parsePortRange,
  parsePortSpec,
  type PortRange,
  type PortSpec,
} from './schema-formats.js';

/** Throws a ComposeError for the most specific way the model breaks the Compose schema. */
export function validateSchema(model: RawMap, sourceMap: SourceMap): void {
  const validate = schemaValidator();
  if (validate(model)) return;
  const errors = (validate.errors ?? []).map((error) => describe(error, model, sourceMap));
  const best = mostSpecific(errors.filter((error): error is Described => error !== undefined));
  if (!best) throw new ComposeError('the compose model does not match the Compose Specification');
  throw new ComposeError(best.message, { position: best.position, path: best.path });
}

interface Described {
  readonly error: ErrorObject;
  /** Where the problem is shown (an object for a bad or missing key). */
  readonly path: Path;
  /** The path whose position is shown (the bad key itself, when there is one). */
  readonly pointsAt: Path;
  /** Higher is more specific. */
  readonly score: number;
  message: string;
  readonly position: ReturnType<SourceMap['nearest']>;
}

// Among errors at the same depth: which says most about what is wrong. A type error at a node only
// says the branch did not apply; a format or unknown key says the branch applied and what broke.
const KEYWORD_RANK: Readonly<Record<string, number>> = {
  type: 0,
  minItems: 2,
  minLength: 2,
  enum: 3,
  const: 3,
  minimum: 4,
  maximum: 4,
  uniqueItems: 5,
  pattern: 6,
  format: 7,
  required: 8,
  additionalProperties: 9,
};

const WRAPPERS = new Set(['anyOf', 'oneOf', 'allOf', 'propertyNames', 'if', 'then', 'else', 'not']);

function describe(error: ErrorObject, model: RawMap, sourceMap: SourceMap): Described | undefined {
  if (WRAPPERS.has(error.keyword)) return undefined;
  let path = toPath(error.instancePath, model);
  let pointsAt: Path = path;
  const propertyName = (error as ErrorObject & { propertyName?: string }).propertyName;
  if (propertyName !== undefined) pointsAt = [...path, propertyName];
  else if (error.keyword === 'additionalProperties') {
    pointsAt = [...path, String(error.params.additionalProperty)];
  } else if (error.keyword === 'uniqueItems') {
    // ajv reports the later duplicate as i and the earlier one as j; show the later one.
    path = [...path, Number(error.params.i)];
    pointsAt = path;
  }
  const rank = KEYWORD_RANK[error.keyword] ?? 1;
  return {
    error,
    path,
    pointsAt,
    score: pointsAt.length * 100 + rank,
    message: messageFor(error, propertyName),
    position: sourceMap.nearest(pointsAt),
  };
}

/** The deepest error wins; type errors tied at the deepest node are merged ("a string or a list"). */
function mostSpecific(errors: Described[]): Described | undefined {
  let best: Described | undefined;
  for (const candidate of errors) {
    if (
      !best ||
      candidate.score > best.score ||
      (candidate.score === best.score && before(candidate, best))
    ) {
      best = candidate;
    }
  }
  if (!best || best.error.keyword !== 'type') return best;
  const key = JSON.stringify(best.path);
  const types = errors
    .filter((other) => other.error.keyword === 'type' && JSON.stringify(other.path) === key)
    .flatMap((other) => typesOf(other.error.schema));
  best.message = typeMessage(types, best.error.data);
  return best;
}

/** Earlier in the file first, so a tie reads top to bottom. */
function before(a: Described, b: Described): boolean {
  if (!a.position || !b.position) return false;
  if (a.position.file !== b.position.file) return false;
  return (
    a.position.line < b.position.line ||
    (a.position.line === b.position.line && a.position.col < b.position.col)
  );
}

function toPath(pointer: string, model: RawMap): Path {
  if (pointer === '') return [];
  const path: PathElement[] = [];
  let node: unknown = model;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      const index = Number(segment);
      path.push(index);
      node = node[index];
    } else {
      path.push(segment);
      node =
        node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
    }
  }
  return path;
}

function messageFor(error: ErrorObject, propertyName: string | undefined): string {
  const custom = (error.parentSchema as { message?: unknown } | undefined)?.message;
  const value = propertyName ?? error.data;
  switch (error.keyword) {
    case 'type':
      return typeMessage(typesOf(error.schema), error.data);
    case 'additionalProperties': {
      const key = String(error.params.additionalProperty);
      const known = Object.keys(
        (error.parentSchema as { properties?: object } | undefined)?.properties ?? {},
      );
      const suggestion = closest(key, known);
      return `additional property ${JSON.stringify(key)} is not allowed${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`;
    }
    case 'required':
      return `missing required property ${JSON.stringify(error.params.missingProperty)}`;
    case 'format':
      return formatMessage(String(error.params.format), value);
    case 'pattern':
      if (typeof custom === 'string') {
        return custom.startsWith('must') ? custom : `${JSON.stringify(value)} ${custom}`;
      }
      return `${JSON.stringify(value)} does not match ${String(error.params.pattern)}`;
    case 'enum':
    case 'const': {
      if (typeof custom === 'string')
        return custom.startsWith('must') ? custom : `${JSON.stringify(value)} ${custom}`;
      const allowed: unknown[] =
        error.keyword === 'enum' ? (error.params.allowedValues as unknown[]) : [error.params.allowedValue];
      return allowed.length === 1
        ? `must be ${JSON.stringify(allowed[0])}`
        : `must be one of ${allowed.map((item) => JSON.stringify(item)).join(', ')}`;
    }
    case 'minimum':
      return `must be at least ${String(error.params.limit)}`;
    case 'maximum':
      return `must be at most ${String(error.params.limit)}`;
    case 'minLength':
      return 'must not be empty';
    case 'minItems':
      return `must have at least ${String(error.params.limit)} item${error.params.limit === 1 ? '' : 's'}`;
    case 'uniqueItems':
      return `duplicate entry ${JSON.stringify((error.data as unknown[])[Number(error.params.i)])}, already listed at [${String(error.params.j)}]`;
    default:
      return error.message ?? `fails the ${error.keyword} rule`;
  }
}

function typesOf(schemaType: unknown): string[] {
  return Array.isArray(schemaType) ? schemaType.map(String) : [String(schemaType)];
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  object: 'a mapping',
  array: 'a list',
  null: 'null',
};
const TYPE_ORDER = ['string', 'number', 'integer', 'boolean', 'object', 'array', 'null'];

function typeMessage(types: string[], data: unknown): string {
  const unique = new Set(types);
  if (unique.has('number')) unique.delete('integer');
  const names = TYPE_ORDER.filter((type) => unique.has(type)).map((type) => TYPE_NAMES[type] ?? type);
  const expected =
    names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
  return `must be ${expected}, got ${kindOf(data)}`;
}

function kindOf(data: unknown): string {
  if (data === null || data === undefined) return 'null';
  if (Array.isArray(data)) return 'a list';
  if (typeof data === 'object') return 'a mapping';
  if (typeof data === 'number') return 'a number';
  if (typeof data === 'boolean') return 'a boolean';
  return 'a string';
}

/** The known name closest to a misspelt one, when it is close enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const limit = word.length <= 4 ? 1 : 2;
  for (const candidate of [...candidates].sort()) {
    const distance = editDistance(word.toLowerCase(), candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

/** Levenshtein distance where swapping two neighbouring letters also counts as one edit. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [];
    for (let j = 0; j <= b.length; j++) {
      if (i === 0 || j === 0) {
        row.push(i + j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(
        (rows[i - 1]?.[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        (rows[i - 1]?.[j - 1] ?? 0) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      }
      row.push(value);
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? Infinity;
}
