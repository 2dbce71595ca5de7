// Docker's path patterns, shared by .dockerignore, COPY sources and COPY --exclude: `*` and `?` stay within
// one path component, `[...]` is a character class (`[^...]` negated; `!` is a plain character there, as in Go), `\` escapes, and `**`
// spans any number of components (`**/` may match none). Invariant: patterns and paths are both relative to
// one root, with `/` separators and no leading `/` or `./`, so the same text always matches the same paths.

import { posix } from 'node:path';

/** A pattern cleaned as Docker cleans it: separators collapsed, `.`/`..` folded, leading `/` and `./` gone. */
export function cleanPattern(pattern: string): string {
  let text = pattern.trim();
  if (text === '') return '';
  text = posix.normalize(`/${text}`).slice(1); // a leading `..` cannot climb above the root
  return text.replace(/\/+$/, '');
}

/** Whether the pattern holds a wildcard, i.e. needs matching rather than a plain lookup. */
export function hasWildcard(pattern: string): boolean {
  return /[*?[\\]/.test(pattern);
}

/** The regular expression for one cleaned pattern, anchored at both ends. */
export function patternToRegExp(pattern: string): RegExp {
  let out = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        if (pattern[i + 1] === '/') i++; // `**/` is `**` that may also match no component at all
        out += i + 1 >= pattern.length ? '.*' : '(?:.*/)?';
      } else {
        out += '[^/]*';
      }
    } else if (ch === '?') {
      out += '[^/]';
    } else if (ch === '\\') {
      i++;
      out += i < pattern.length ? escapeRegExp(pattern[i] as string) : '\\\\';
    } else if (ch === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) {
        out += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      let negate = false;
      if (body.startsWith('^')) {
        negate = true;
        body = body.slice(1);
      }
      out += `[${negate ? '^/' : ''}${body.replace(/\\/g, '\\\\').replace(/\]/g, '\\]')}]`;
      i = end;
    } else {
      out += escapeRegExp(ch);
    }
  }
  return new RegExp(`${out}$`, 's');
}

/** The components before the first wildcard: a walk for this pattern can start there. */
export function literalPrefix(pattern: string): string {
  const parts = pattern.split('/');
  const literal: string[] = [];
  for (const part of parts.slice(0, -1)) {
    if (hasWildcard(part)) break;
    literal.push(part);
  }
  return literal.join('/');
}

/** How deep below the root a match can lie (Infinity with `**`). */
export function maxDepth(pattern: string): number {
  return pattern.includes('**') ? Infinity : pattern.split('/').length;
}

function escapeRegExp(ch: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(ch) ? `\\${ch}` : ch;
}
