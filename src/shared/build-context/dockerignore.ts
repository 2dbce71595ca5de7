// .dockerignore: which files of a build context are left out. Docker's rules: patterns relative to the
// context root (a leading `/` or `./` means nothing), `!` makes an exception, the last matching pattern wins,
// and a pattern that matches a directory matches everything below it. `<Dockerfile>.dockerignore` beside the
// Dockerfile wins over the context root's `.dockerignore`, as BuildKit does.
// Invariant: the matcher is a pure function of the pattern list, so the CLI (packing) and the engine
// (resolving COPY sources) leave out exactly the same files.

import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { cleanPattern, patternToRegExp } from './pattern.js';

interface IgnoreRule {
  pattern: string;
  exception: boolean;
  regexp: RegExp;
}

/** The patterns of the ignore file that applies to `dockerfileRel` (a path relative to `contextDir`). */
export async function readDockerignore(contextDir: string, dockerfileRel: string): Promise<string[]> {
  const candidates = [
    posix.join(contextDir, `${dockerfileRel}.dockerignore`),
    posix.join(contextDir, '.dockerignore'),
  ];
  for (const file of candidates) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') continue;
      throw error;
    }
    return parseDockerignore(text);
  }
  return [];
}

/** The pattern lines of a .dockerignore text: comments and blank lines dropped, each line trimmed. */
export function parseDockerignore(text: string): string[] {
  return text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

function compileRules(patterns: string[]): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of patterns) {
    let text = raw.trim();
    const exception = text.startsWith('!');
    if (exception) text = text.slice(1);
    const pattern = cleanPattern(text);
    if (pattern === '' || pattern === '.') continue;
    rules.push({ pattern, exception, regexp: patternToRegExp(pattern) });
  }
  return rules;
}

/** An ignore matcher; `mustDescend` tells a walk whether an ignored directory may hold exceptions. */
export type IgnoreMatcher = ((relPath: string) => boolean) & { mustDescend?: (relDir: string) => boolean };

/** `relPath` (relative to the context root) → whether it is ignored. */
export function createIgnoreMatcher(patterns: string[]): IgnoreMatcher {
  const rules = compileRules(patterns);
  if (rules.length === 0) return () => false;
  const matcher: IgnoreMatcher = (relPath) => {
    const path = cleanPattern(relPath);
    if (path === '') return false;
    const prefixes = ancestorsAndSelf(path);
    let ignored = false;
    for (const rule of rules) {
      if (rule.exception !== ignored) continue; // cannot change the outcome
      if (prefixes.some((prefix) => rule.regexp.test(prefix))) ignored = !rule.exception;
    }
    return ignored;
  };
  matcher.mustDescend = createDescendCheck(patterns);
  return matcher;
}

/**
 * Whether a walk must still look inside the ignored directory `relDir`: true when an exception pattern could
 * re-include something below it (Docker descends in that case, and only then).
 */
export function createDescendCheck(patterns: string[]): (relDir: string) => boolean {
  const exceptions = compileRules(patterns).filter((rule) => rule.exception);
  return (relDir) => {
    const dir = cleanPattern(relDir);
    return exceptions.some((rule) => couldMatchBelow(rule.pattern, dir));
  };
}

/** Conservative: compares the pattern's components with the directory's, treating wildcards as matches. */
function couldMatchBelow(pattern: string, dir: string): boolean {
  const parts = pattern.split('/');
  const dirParts = dir.split('/');
  for (let i = 0; i < dirParts.length; i++) {
    const part = parts[i];
    if (part === undefined) return false; // the pattern ends above the directory
    if (part.includes('**')) return true;
    if (!patternToRegExp(part).test(dirParts[i] as string)) return false;
  }
  return parts.length > dirParts.length;
}

function ancestorsAndSelf(path: string): string[] {
  const parts = path.split('/');
  const out: string[] = [];
  for (let i = 1; i <= parts.length; i++) out.push(parts.slice(0, i).join('/'));
  return out;
}
