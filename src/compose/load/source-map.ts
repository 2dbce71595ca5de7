// Where each value of a compose project came from, so any later stage can say file:line:col.
// Paths are the value's keys from the root (`['services', 'web', 'ports', 0]`). Stages that move
// values (merge, extends, include) copy positions along; a lookup falls back to the nearest ancestor
// that has one, so an error always names a line even for values a stage synthesised.

import { BerthError } from '../../shared/errors.js';

export type PathElement = string | number;
export type Path = readonly PathElement[];

export interface Position {
  readonly file: string;
  readonly line: number; // 1-based
  readonly col: number; // 1-based
}

const SEPARATOR = '\u0000';

function keyOf(path: Path): string {
  return path.map(String).join(SEPARATOR);
}

export class SourceMap {
  private readonly positions = new Map<string, Position>();

  set(path: Path, position: Position): void {
    this.positions.set(keyOf(path), position);
  }

  /** The exact position of the value at `path`, if one was recorded. */
  exact(path: Path): Position | undefined {
    return this.positions.get(keyOf(path));
  }

  /** The position of `path` or, failing that, of its nearest ancestor. */
  nearest(path: Path): Position | undefined {
    for (let length = path.length; length >= 0; length--) {
      const found = this.positions.get(keyOf(path.slice(0, length)));
      if (found) return found;
    }
    return undefined;
  }

  /** Copies every position under `from` in `source` to the same relative path under `to` (later wins). */
  copySubtree(source: SourceMap, from: Path, to: Path): void {
    const prefix = keyOf(from);
    for (const [key, position] of source.positions) {
      const inside = from.length === 0 || key === prefix || key.startsWith(prefix + SEPARATOR);
      if (!inside) continue;
      const rest = key === '' ? [] : key.split(SEPARATOR).slice(from.length);
      this.positions.set(keyOf([...to, ...rest]), position);
    }
  }

  /** Adds every position of `other` (its entries win). */
  absorb(other: SourceMap): void {
    for (const [key, position] of other.positions) this.positions.set(key, position);
  }
}

/** `services.web.ports[0]`: how paths are shown to users. */
export function formatPath(path: Path): string {
  let out = '';
  for (const element of path) {
    if (typeof element === 'number') out += `[${element}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(element)) out += out === '' ? element : `.${element}`;
    else out += `[${JSON.stringify(element)}]`;
  }
  return out;
}

export function formatPosition(position: Position | undefined): string {
  return position ? `${position.file}:${position.line}:${position.col}` : '';
}

/**
 * An error in a compose file, pointing at the value: `compose.yaml:12:7 services.web.ports[0]: message`.
 * `position.file` is shown as given (relative to the working directory when the loader can).
 */
export class ComposeError extends BerthError {
  readonly position: Position | undefined;
  readonly path: Path | undefined;

  constructor(
    message: string,
    where: { position?: Position | undefined; path?: Path | undefined } = {},
    options: { cause?: unknown; hint?: string } = {},
  ) {
    const prefix = [
      formatPosition(where.position),
      where.path && where.path.length > 0 ? formatPath(where.path) + ':' : '',
    ]
      .filter((part) => part !== '')
      .join(' ');
    super('InvalidArgument', prefix ? `${prefix} ${message}` : message, options);
    this.name = 'ComposeError';
    this.position = where.position;
    this.path = where.path;
  }
}
