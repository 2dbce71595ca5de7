// What a watch rule leaves out, as one model: the rule's own `ignore` patterns, the service build context's
// .dockerignore (Dockerfile-specific one first), every .gitignore in the watched tree (each relative to its own
// directory), `.git/`, and editors' temporary files; `include`, when set, narrows the files that remain.
// Invariant: rule patterns are relative to the rule's path, .dockerignore patterns to the build context (with
// .dockerignore's rooted semantics), .gitignore patterns to the directory holding them, as git reads them.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';

/** Always left out: version-control metadata and the files editors write beside the ones they save. */
export const DEFAULT_IGNORES: readonly string[] = [
  '.git/',
  '*~',
  '.*.swp',
  '.*.swx',
  '.*.swo',
  '.*.swn',
  '.#*',
  '#*#',
  '4913',
  '*.tmp',
  '*___jb_old___',
  '*___jb_tmp___',
  '.*.kate-swp',
];

export interface IgnoreModelOptions {
  /** The rule's path on the host (absolute). */
  root: string;
  ignore?: readonly string[];
  include?: readonly string[];
  /** The build context whose .dockerignore applies (absolute), and the Dockerfile's name. */
  buildContext?: string;
  dockerfile?: string;
  /** Read .gitignore files of the tree (default true). */
  gitignore?: boolean;
}

export class IgnoreModel {
  private readonly base: Ignore;
  private readonly include: Ignore | undefined;
  private docker: Ignore | undefined;
  private readonly gitignores = new Map<string, Ignore>();

  private constructor(private readonly options: IgnoreModelOptions) {
    this.base = ignore().add([...DEFAULT_IGNORES, ...(options.ignore ?? [])]);
    this.include = options.include?.length ? ignore().add([...options.include]) : undefined;
  }

  static async load(options: IgnoreModelOptions): Promise<IgnoreModel> {
    const model = new IgnoreModel(options);
    if (options.buildContext !== undefined)
      model.docker = await loadDockerignore(options.buildContext, options.dockerfile);
    if (options.gitignore !== false) await model.scanGitignores(options.root);
    return model;
  }

  /** Whether a .gitignore or .dockerignore edit means this model must be rebuilt. */
  isIgnoreFile(absPath: string): boolean {
    const name = path.basename(absPath);
    if (name === '.gitignore') return true;
    const context = this.options.buildContext;
    return context !== undefined && path.dirname(absPath) === context && name.endsWith('.dockerignore');
  }

  /** Re-reads one .gitignore (created, changed or deleted). */
  async reloadGitignore(absPath: string): Promise<void> {
    const text = await readFile(absPath, 'utf8').catch(() => undefined);
    if (text === undefined) this.gitignores.delete(path.dirname(absPath));
    else this.gitignores.set(path.dirname(absPath), ignore().add(text));
  }

  async reloadDockerignore(): Promise<void> {
    if (this.options.buildContext !== undefined)
      this.docker = await loadDockerignore(this.options.buildContext, this.options.dockerfile);
  }

  /** Whether `absPath` (under the rule's root) is left out; `isDir` undefined means unknown (tested as a file). */
  isIgnored(absPath: string, isDir?: boolean): boolean {
    const rel = relativeInside(this.options.root, absPath);
    if (rel === undefined) return true;
    if (rel === '') return false;
    const asked = isDir === true ? `${rel}/` : rel;
    if (this.base.ignores(asked)) return true;
    if (this.docker !== undefined && this.options.buildContext !== undefined) {
      const inContext = relativeInside(this.options.buildContext, absPath);
      if (inContext && this.docker.ignores(isDir === true ? `${inContext}/` : inContext)) return true;
    }
    for (const [dir, rules] of this.gitignores) {
      const inDir = relativeInside(dir, absPath);
      if (inDir && rules.ignores(isDir === true ? `${inDir}/` : inDir)) return true;
    }
    // `include` narrows files only: directories stay walkable so included files below them are seen.
    if (this.include !== undefined && isDir !== true && !this.include.ignores(rel)) return true;
    return false;
  }

  private async scanGitignores(dir: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    if (entries.some((e) => e.name === '.gitignore' && e.isFile()))
      await this.reloadGitignore(path.join(dir, '.gitignore'));
    for (const entry of entries) {
      const child = path.join(dir, entry.name);
      if (entry.isDirectory() && !this.isIgnored(child, true)) await this.scanGitignores(child);
    }
  }
}

/** `absPath` relative to `dir` with `/` separators; undefined when it is outside `dir`. */
export function relativeInside(dir: string, absPath: string): string | undefined {
  const rel = path.relative(dir, absPath);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join('/');
}

async function loadDockerignore(context: string, dockerfile?: string): Promise<Ignore | undefined> {
  const candidates = [
    ...(dockerfile !== undefined ? [path.resolve(context, `${dockerfile}.dockerignore`)] : []),
    path.join(context, '.dockerignore'),
  ];
  for (const file of candidates) {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text !== undefined) return ignore().add(dockerignorePatterns(text));
  }
  return undefined;
}

/**
 * .dockerignore lines as gitignore patterns: .dockerignore matches from the context's root (`*.log` is only
 * the top level's), so each pattern is anchored with a leading `/` unless it starts with `**`.
 */
export function dockerignorePatterns(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    let pattern = (negated ? line.slice(1) : line).trim();
    pattern = path.posix.normalize(pattern).replace(/^\/+/, '');
    if (pattern === '.' || pattern === '') continue;
    if (!pattern.startsWith('**')) pattern = `/${pattern}`;
    out.push(`${negated ? '!' : ''}${pattern}`);
  }
  return out;
}
