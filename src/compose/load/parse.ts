// YAML text → one RawMap per `---` document, with the position of every value recorded by path.
// Invariant: the values produced are plain Raw data (anchors, aliases and `<<` merge keys already
// resolved), and `!reset` / `!override` survive only as Tagged wrappers; every map entry and sequence
// item has a position in the document's SourceMap (map entries point at their key).

import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, visit } from 'yaml';
import type {
  Alias,
  Document,
  Node as YamlNode,
  Pair,
  ParsedNode,
  Scalar,
  ScalarTag,
  Tags,
  YAMLError,
  YAMLMap,
} from 'yaml';
import { Tagged } from './raw.js';
import type { Raw, RawMap } from './raw.js';
import { ComposeError, SourceMap } from './source-map.js';
import type { Path, Position } from './source-map.js';

export interface ParsedDocument {
  file: string;
  value: RawMap;
  sourceMap: SourceMap;
}

/** Limits alias expansion so a "billion laughs" document fails fast instead of eating memory. */
const MAX_ALIAS_EXPANSIONS = 10_000;

/**
 * Compose files are read by a YAML 1.1-minded decoder: `0755` is an octal number (file modes), while
 * `yes`/`no`/`on`/`off` stay strings. The core schema gives the second; this tag restores the first.
 */
const legacyOctal: ScalarTag = {
  tag: 'tag:yaml.org,2002:int',
  default: true,
  test: /^[-+]?0[0-7]+$/,
  identify: () => false,
  resolve: (source: string) => parseInt(source, 8),
};

const MERGE_TAGS: Readonly<Record<string, 'reset' | 'override'>> = {
  '!reset': 'reset',
  '!override': 'override',
};

export function parseComposeYaml(text: string, file: string): ParsedDocument[] {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, {
    schema: 'core',
    merge: true,
    uniqueKeys: false, // reported by us, naming the key and both lines
    prettyErrors: true,
    lineCounter,
    customTags: (tags: Tags) => [legacyOctal, ...tags],
  });

  const out: ParsedDocument[] = [];
  for (const document of documents) {
    const syntax = describeYamlErrors(document.errors);
    if (syntax) {
      const at = syntax.at;
      throw new ComposeError(syntax.message, {
        position: at ? { file, line: at.line, col: at.col } : { file, line: 1, col: 1 },
      });
    }
    const contents = document.contents;
    // An empty document between two `---` carries nothing to merge.
    if (contents === null || (isScalar(contents) && contents.value === null)) continue;
    const converter = new Converter(document, file, lineCounter);
    if (!isMap(contents)) {
      throw new ComposeError('top-level object must be a mapping', {
        position: converter.positionOf(contents),
      });
    }
    const value = converter.convert(contents, []);
    out.push({ file, value: value as RawMap, sourceMap: converter.sourceMap });
  }
  if (out.length === 0) throw new ComposeError('empty compose file', { position: { file, line: 1, col: 1 } });
  return out;
}

interface YamlSyntaxError {
  readonly message: string;
  readonly at: { line: number; col: number } | undefined;
}

/**
 * The one syntax error to show. A `key:` indented deeper than its siblings makes yaml read the line
 * above and it as one multi-line key (MULTILINE_IMPLICIT_KEY, ending at the stray colon) after a
 * confusing BLOCK_AS_IMPLICIT_KEY at the previous value: point at the colon instead, as Go's yaml does
 * ("mapping values are not allowed in this context"). A `key: a: b` line gives only the latter.
 */
function describeYamlErrors(errors: readonly YAMLError[]): YamlSyntaxError | undefined {
  const multiline = errors.find((error) => error.code === 'MULTILINE_IMPLICIT_KEY');
  if (multiline) {
    return {
      message: 'invalid YAML: mapping values are not allowed here (check the indentation of this line)',
      at: multiline.linePos?.[1] ?? multiline.linePos?.[0],
    };
  }
  const error = errors[0];
  if (!error) return undefined;
  if (error.code === 'BLOCK_AS_IMPLICIT_KEY') {
    return {
      message: 'invalid YAML: mapping values are not allowed here (quote a value that contains ": ")',
      at: error.linePos?.[0],
    };
  }
  return { message: readableYamlMessage(error.message), at: error.linePos?.[0] };
}

/** yaml appends "at line L, column C:" and a code excerpt; our prefix already says where. */
function readableYamlMessage(message: string): string {
  const cut = message.search(/ at line \d+, column \d+/);
  const core = (cut >= 0 ? message.slice(0, cut) : message).trim();
  return `invalid YAML: ${core.charAt(0).toLowerCase()}${core.slice(1)}`;
}

interface Entry {
  key: string;
  keyNode: YamlNode | null;
  valueNode: unknown;
}

class Converter {
  readonly sourceMap = new SourceMap();
  private aliasExpansions = 0;
  /** Nodes being converted right now: an alias back to one of them would never end. */
  private readonly inProgress = new Set<unknown>();
  /** Anchored nodes by name, in document order; built on the first alias. */
  private anchors: Map<string, AnchoredNode[]> | undefined;

  constructor(
    private readonly document: Document.Parsed,
    private readonly file: string,
    private readonly lineCounter: LineCounter,
  ) {}

  positionOf(node: unknown): Position {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    const { line, col } = this.lineCounter.linePos(range ? range[0] : 0);
    return { file: this.file, line, col };
  }

  convert(node: unknown, path: Path): Raw {
    if (isAlias(node)) {
      this.aliasExpansions++;
      if (this.aliasExpansions > MAX_ALIAS_EXPANSIONS) {
        throw new ComposeError(`too many alias expansions (more than ${MAX_ALIAS_EXPANSIONS})`, {
          position: this.positionOf(node),
          path,
        });
      }
      const target = this.resolveAlias(node);
      if (target === undefined) {
        throw new ComposeError(`unknown anchor "${node.source}"`, { position: this.positionOf(node), path });
      }
      if (this.inProgress.has(target)) {
        throw new ComposeError(`alias "*${node.source}" refers to a value that contains it`, {
          position: this.positionOf(node),
          path,
        });
      }
      return this.convert(target, path);
    }

    const tag =
      typeof (node as { tag?: unknown } | null)?.tag === 'string' ? (node as { tag: string }).tag : undefined;
    const mergeTag = tag === undefined ? undefined : MERGE_TAGS[tag];
    const plain = this.convertUntagged(node, path, mergeTag !== undefined);
    return mergeTag ? new Tagged(mergeTag, plain) : plain;
  }

  private convertUntagged(node: unknown, path: Path, tagged: boolean): Raw {
    if (isScalar(node)) return this.scalarValue(node, path, tagged);
    this.inProgress.add(node);
    try {
      if (isMap(node)) {
        const out: RawMap = {};
        for (const entry of this.entriesOf(node, path)) {
          this.sourceMap.set([...path, entry.key], this.positionOf(entry.keyNode ?? entry.valueNode));
          out[entry.key] = this.convert(entry.valueNode, [...path, entry.key]);
        }
        return out;
      }
      if (isSeq(node)) {
        return node.items.map((item, index) => {
          this.sourceMap.set([...path, index], this.positionOf(item));
          return this.convert(item, [...path, index]);
        });
      }
    } finally {
      this.inProgress.delete(node);
    }
    if (node === null || node === undefined) return null;
    throw new ComposeError('unsupported YAML value', { position: this.positionOf(node), path });
  }

  private scalarValue(node: Scalar, path: Path, tagged: boolean): Raw {
    // A scalar under `!reset`/`!override` is left unresolved by yaml: read it as if it had no tag.
    const value = tagged && node.type === 'PLAIN' ? this.resolvePlain(String(node.source ?? '')) : node.value;
    if (value === null || value === undefined) return null;
    if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') return value;
    if (typeof value === 'bigint') return Number(value);
    throw new ComposeError('unsupported YAML scalar', { position: this.positionOf(node), path });
  }

  private resolvePlain(source: string): unknown {
    if (source === '') return null;
    for (const tag of this.document.schema.tags) {
      const scalarTag = tag as ScalarTag;
      if (!scalarTag.default || !scalarTag.test || !scalarTag.test.test(source)) continue;
      const resolved = scalarTag.resolve(source, () => undefined, {});
      return isScalar(resolved) ? resolved.value : resolved;
    }
    return source;
  }

  /**
   * The entries of a mapping after its `<<` merge keys: explicit keys always win, then merge sources
   * in order (an earlier source wins over a later one), as YAML 1.1 merge keys define.
   */
  private entriesOf(map: YAMLMap, path: Path): Entry[] {
    const explicit = new Map<string, Pair>();
    for (const pair of map.items) {
      if (isMergeKey(pair.key)) continue;
      const key = this.keyOf(pair, path);
      const earlier = explicit.get(key);
      if (earlier) {
        const first = this.positionOf(earlier.key ?? earlier.value);
        throw new ComposeError(`mapping key "${key}" already defined at line ${first.line}`, {
          position: this.positionOf(pair.key ?? pair.value),
          path,
        });
      }
      explicit.set(key, pair);
    }

    const out: Entry[] = [];
    const seen = new Set<string>();
    for (const pair of map.items) {
      if (!isMergeKey(pair.key)) {
        const key = this.keyOf(pair, path);
        out.push({ key, keyNode: pair.key as YamlNode | null, valueNode: pair.value });
        seen.add(key);
        continue;
      }
      for (const source of this.mergeSources(pair, path)) {
        for (const entry of this.entriesOf(source, path)) {
          if (explicit.has(entry.key) || seen.has(entry.key)) continue;
          out.push(entry);
          seen.add(entry.key);
        }
      }
    }
    return out;
  }

  private mergeSources(pair: Pair, path: Path): YAMLMap[] {
    const value = this.dealias(pair.value);
    const candidates = isSeq(value) ? value.items.map((item) => this.dealias(item)) : [value];
    return candidates.map((candidate) => {
      if (!isMap(candidate)) {
        throw new ComposeError('merge key "<<" needs a mapping or a list of mappings', {
          position: this.positionOf(pair.value ?? pair.key),
          path,
        });
      }
      return candidate as YAMLMap;
    });
  }

  private dealias(node: unknown): unknown {
    if (!isAlias(node)) return node;
    this.aliasExpansions++;
    const target = this.resolveAlias(node);
    if (target === undefined) {
      throw new ComposeError(`unknown anchor "${node.source}"`, { position: this.positionOf(node) });
    }
    return target;
  }

  /**
   * The node an alias names: the last node with that anchor before the alias, as YAML defines (an anchor
   * may be redefined). yaml's own Alias.resolve walks the whole document per alias, which is quadratic
   * on a large file where every service merges `*common`; the index makes it one walk.
   */
  private resolveAlias(alias: Alias): unknown {
    this.anchors ??= indexAnchors(this.document);
    const at = alias.range?.[0] ?? Number.POSITIVE_INFINITY;
    let found: unknown;
    for (const candidate of this.anchors.get(alias.source) ?? []) {
      if (candidate.offset >= at) break;
      found = candidate.node;
    }
    return found;
  }

  /** Keys are strings as written (`80`, `true`); Compose does not type map keys. */
  private keyOf(pair: Pair, path: Path): string {
    const key = pair.key;
    if (key === null || key === undefined) return '';
    if (isScalar(key)) {
      if (key.type === 'PLAIN' && typeof key.source === 'string') return key.source;
      return key.value === null ? '' : String(key.value);
    }
    if (isPair(key)) return this.keyOf(key, path);
    throw new ComposeError('mapping keys must be strings', {
      position: this.positionOf(key as ParsedNode),
      path,
    });
  }
}

interface AnchoredNode {
  readonly offset: number;
  readonly node: unknown;
}

function indexAnchors(document: Document.Parsed): Map<string, AnchoredNode[]> {
  const anchors = new Map<string, AnchoredNode[]>();
  visit(document, {
    Node(_key, node) {
      if (isAlias(node) || !node.anchor) return;
      const list = anchors.get(node.anchor) ?? [];
      list.push({ offset: node.range?.[0] ?? 0, node });
      anchors.set(node.anchor, list);
    },
  });
  for (const list of anchors.values()) list.sort((a, b) => a.offset - b.offset);
  return anchors;
}

function isMergeKey(key: unknown): boolean {
  if (!isScalar(key)) return false;
  return typeof key.value === 'symbol' && key.value.description === '<<';
}
