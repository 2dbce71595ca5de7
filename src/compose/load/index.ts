// The compose loader: command-line options and files in, a typed, validated, normalised Project out.
// Each stage is a pure function in its own module; this file only wires them in Docker Compose's order:
// per file parse → interpolate → extends; then merge → include → validate → profiles → checks → normalise.

import { readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { BerthError } from '../../shared/errors.js';
import { selectServices, withoutUnusedResources } from '../model/select.js';
import type { Project } from '../model/types.js';
import { normaliseProject } from './normalise.js';
import { composeSettings, resolveProjectEnvironment } from './environment.js';
import { findComposeFiles, resolveConfigFileArgs } from './discover.js';
import { resolveExtends } from './extends.js';
import { resolveIncludes, type IncludeEntry } from './include.js';
import { interpolateString, interpolateTree, type Lookup } from './interpolate.js';
import { mergeComposeFiles } from './merge.js';
import { parseComposeYaml, type ParsedDocument } from './parse.js';
import { applyProfiles, listProfiles } from './profiles.js';
import { resolveProjectName } from './project-name.js';
import { isRawMap, stripTags, type RawMap } from './raw.js';
import { checkConsistency } from './semantic.js';
import type { SourceMap } from './source-map.js';
import { unsupportedAttributes } from './unsupported.js';
import { validateSchema } from './validate.js';
import type { LoadWarning } from './warnings.js';

export interface LoadOptions {
  /** Where the command runs; discovery starts here. */
  readonly workingDir: string;
  /** `-f` files, in order; `-` reads standard input. */
  readonly configFiles?: readonly string[];
  readonly projectName?: string;
  readonly projectDirectory?: string;
  readonly profiles?: readonly string[];
  readonly envFiles?: readonly string[];
  /** The process environment (injected so tests stay pure). */
  readonly osEnv: Readonly<Record<string, string | undefined>>;
  /** Services named on the command line: they are enabled whatever their profiles. */
  readonly services?: readonly string[];
  readonly interpolate?: boolean;
  readonly resolvePaths?: boolean;
  readonly consistency?: boolean;
  /** Keep networks, volumes, secrets, configs and models no selected service uses (`--all-resources`). */
  readonly allResources?: boolean;
  readonly readStdin?: () => Promise<string>;
}

export interface LoadedProject {
  readonly project: Project;
  /** The merged model before normalisation (for `config --no-normalize` and `--variables`). */
  readonly model: RawMap;
  readonly sourceMap: SourceMap;
  readonly environment: ReadonlyMap<string, string>;
  /** The merged model before profiles are applied: every service, enabled or not. */
  readonly fullModel: RawMap;
  /** Every profile the files declare, enabled or not. */
  readonly profiles: readonly string[];
  readonly warnings: readonly LoadWarning[];
}

interface FileSet {
  readonly files: string[];
  readonly projectDirectory: string;
}

export async function loadProject(options: LoadOptions): Promise<LoadedProject> {
  const warnings: LoadWarning[] = [];
  const warn = (warning: LoadWarning) => warnings.push(warning);

  const located = locateFiles(options, warn);
  const fileSet = located.fileSet;
  // Docker Compose reads .env twice: from the working directory (it may set COMPOSE_FILE), then from the
  // project directory once the files are known, the first pass's values underneath.
  const { environment } = resolveProjectEnvironment({
    projectDirectory: fileSet.projectDirectory,
    workingDirectory: options.workingDir,
    envFiles: options.envFiles ? [...options.envFiles] : undefined,
    osEnv: options.osEnv,
    inherited: located.early,
    warn,
  });
  const settings = composeSettings(environment);
  const reader = new FileReader(options.readStdin);
  const interpolate = options.interpolate !== false;
  const workingDir = options.workingDir;
  const parsed = new ParseCache(reader, workingDir);

  // The project name comes first, as in Docker Compose: the files may use it as ${COMPOSE_PROJECT_NAME}.
  const projectName = resolveProjectName({
    flag: options.projectName,
    env: environment.get('COMPOSE_PROJECT_NAME'),
    fromFile: await nameFromFiles(fileSet.files, parsed, (name) => environment.get(name), interpolate),
    projectDirectory: fileSet.projectDirectory,
  });
  const lookup: Lookup = (name) => (name === 'COMPOSE_PROJECT_NAME' ? projectName : environment.get(name));
  const merged = await loadFiles(fileSet.files, { parsed, lookup, interpolate, warn });

  // An included project sees the environment of the file that includes it (the project name there
  // too), over its own env files: kept per included file so nested includes inherit the right one.
  const rootEnvironment = new Map(environment).set('COMPOSE_PROJECT_NAME', projectName);
  const includedEnvironments = new Map<string, ReadonlyMap<string, string>>();
  const withIncludes = await resolveIncludes(merged, {
    projectDirectory: fileSet.projectDirectory,
    loadIncluded: async (entry) => {
      const parent = includedEnvironments.get(entry.chain[entry.chain.length - 2] ?? '') ?? rootEnvironment;
      const included = includedEnvironment(parent, entry, options.workingDir);
      includedEnvironments.set(entry.chain[entry.chain.length - 1] ?? '', included);
      return loadFiles(entry.paths, {
        parsed,
        lookup: (name) => included.get(name),
        interpolate,
        warn,
      });
    },
  });

  const stripped = stripTags(withIncludes.value);
  if (!isRawMap(stripped)) throw new BerthError('InvalidArgument', 'the compose model is empty');
  const sourceMap = withIncludes.sourceMap;

  if ('version' in stripped) {
    warn({
      message: 'the attribute `version` is obsolete, it will be ignored; remove it to avoid confusion',
      position: sourceMap.exact(['version']),
    });
  }

  validateSchema(stripped, sourceMap);

  const explicitServices = options.services ? [...options.services] : [];
  const profiles =
    options.profiles && options.profiles.length > 0 ? [...options.profiles] : (settings.profiles ?? []);
  const active = applyProfiles(stripped, profiles, explicitServices, sourceMap);

  if (options.consistency !== false) {
    for (const warning of checkConsistency(active, sourceMap)) warn(warning);
  }
  for (const warning of unsupportedAttributes(active, sourceMap)) warn(warning);

  const normalised = normaliseProject(active, {
    projectName,
    workingDir: fileSet.projectDirectory,
    configFiles: fileSet.files,
    environment,
    sourceMap,
    resolvePaths: options.resolvePaths !== false,
  });
  // As Docker Compose: the named services with their dependencies, and only the resources they use.
  const selected = selectServices(normalised, explicitServices);
  const project = options.allResources ? selected : withoutUnusedResources(selected);
  return {
    project,
    model: active,
    fullModel: stripped,
    sourceMap,
    environment,
    profiles: listProfiles(stripped),
    warnings,
  };
}

/**
 * The interpolation environment of an included project: the including one's, over the entry's
 * `env_file`s or else its project directory's `.env` (COMPOSE_ENV_FILES and COMPOSE_DISABLE_ENV_FILE
 * speak of the top-level project only, as in Docker Compose).
 */
function includedEnvironment(
  parent: ReadonlyMap<string, string>,
  entry: IncludeEntry,
  displayDirectory: string,
): ReadonlyMap<string, string> {
  const dotEnv = path.join(entry.projectDirectory, '.env');
  const envFiles = entry.envFiles.length > 0 ? entry.envFiles : isFile(dotEnv) ? [dotEnv] : [];
  if (envFiles.length === 0) return parent;
  return resolveProjectEnvironment({
    projectDirectory: entry.projectDirectory,
    envFiles,
    osEnv: Object.fromEntries(parent),
    displayDirectory,
  }).environment;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function locateFiles(
  options: LoadOptions,
  warn: (w: LoadWarning) => void,
): { fileSet: FileSet; early: ReadonlyMap<string, string> } {
  const early = resolveProjectEnvironment({
    projectDirectory: options.projectDirectory
      ? path.resolve(options.workingDir, options.projectDirectory)
      : options.workingDir,
    workingDirectory: options.workingDir,
    envFiles: options.envFiles ? [...options.envFiles] : undefined,
    osEnv: options.osEnv,
  }).environment;
  let files: string[] | undefined;
  if (options.configFiles && options.configFiles.length > 0) {
    files = resolveConfigFileArgs([...options.configFiles], options.workingDir);
  } else {
    // COMPOSE_FILE may come from the OS environment or from the working directory's .env.
    const fromEnv = composeSettings(early).files;
    if (fromEnv && fromEnv.length > 0) files = resolveConfigFileArgs(fromEnv, options.workingDir);
  }
  if (!files) {
    const found = findComposeFiles(options.workingDir);
    for (const warning of found.warnings) warn(warning);
    files = found.files;
  }
  const first = files[0];
  const projectDirectory = options.projectDirectory
    ? path.resolve(options.workingDir, options.projectDirectory)
    : first === undefined || first === '-'
      ? options.workingDir
      : path.dirname(first);
  return { fileSet: { files, projectDirectory }, early };
}

interface LoadContext {
  readonly parsed: ParseCache;
  readonly lookup: Lookup;
  readonly interpolate: boolean;
  readonly warn: (warning: LoadWarning) => void;
}

/** Each file read and parsed once (its `---` documents merged), before interpolation. */
class ParseCache {
  private readonly documents = new Map<string, ParsedDocument>();
  constructor(
    readonly reader: FileReader,
    /** Positions show files relative to this directory, as users typed them. */
    private readonly workingDir: string,
  ) {}

  async load(file: string): Promise<ParsedDocument> {
    return this.documents.get(file) ?? this.parse(file, await this.reader.read(file));
  }

  loadSync(file: string): ParsedDocument {
    return this.documents.get(file) ?? this.parse(file, this.reader.readSync(file));
  }

  private parse(file: string, text: string): ParsedDocument {
    const documents = parseComposeYaml(text, displayName(file, this.workingDir)).map((document) => ({
      ...document,
      file,
    }));
    const single = documents.length === 1 ? documents[0]! : mergeComposeFiles(documents);
    this.documents.set(file, single);
    return single;
  }
}

/** The top-level `name:` of the last file that sets one, interpolated on its own. */
async function nameFromFiles(
  files: readonly string[],
  parsed: ParseCache,
  lookup: Lookup,
  interpolate: boolean,
): Promise<string | undefined> {
  let name: string | undefined;
  for (const file of files) {
    const value = (await parsed.load(file)).value.name;
    if (typeof value !== 'string') continue;
    try {
      name = interpolate ? interpolateString(value, lookup).value : value;
    } catch {
      // A malformed `name:` is reported with its position when the whole file is interpolated.
    }
  }
  return name;
}

/** Interpolates and resolves `extends` in each file, then merges them in order. */
async function loadFiles(files: readonly string[], context: LoadContext): Promise<ParsedDocument> {
  const interpolated = new Map<string, ParsedDocument>();
  const prepare = (document: ParsedDocument): ParsedDocument => {
    const known = interpolated.get(document.file);
    if (known) return known;
    const value = context.interpolate
      ? interpolateTree(document.value, context.lookup, document.sourceMap, context.warn)
      : document.value;
    const result = { ...document, value };
    interpolated.set(document.file, result);
    return result;
  };
  const documents: ParsedDocument[] = [];
  for (const file of files) {
    const document = prepare(await context.parsed.load(file));
    // `extends: {file: ...}` needs other files synchronously; they are small and read on demand.
    documents.push(resolveExtends(document, (other) => prepare(context.parsed.loadSync(other))));
  }
  if (documents.length === 0) throw new BerthError('InvalidArgument', 'no compose file to load');
  return documents.length === 1 ? documents[0]! : mergeComposeFiles(documents);
}

/** Shows files relative to the working directory, as users typed them. */
function displayName(file: string, workingDir: string): string {
  if (file === '-') return '<stdin>';
  const relative = path.relative(workingDir, file);
  return relative.startsWith('..') ? file : relative;
}

class FileReader {
  private readonly texts = new Map<string, string>();
  constructor(private readonly readStdin?: () => Promise<string>) {}

  async read(file: string): Promise<string> {
    const known = this.texts.get(file);
    if (known !== undefined) return known;
    let text: string;
    if (file === '-') {
      if (!this.readStdin)
        throw new BerthError(
          'InvalidArgument',
          'reading a compose file from standard input is not possible here',
        );
      text = await this.readStdin();
    } else {
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        throw new BerthError('NotFound', `cannot read compose file ${file}`, { cause: error });
      }
    }
    this.texts.set(file, text);
    return text;
  }

  readSync(file: string): string {
    const known = this.texts.get(file);
    if (known !== undefined) return known;
    // Files reached through `extends` are small; read them synchronously where the stage needs them.
    try {
      const text = readFileSync(file, 'utf8');
      this.texts.set(file, text);
      return text;
    } catch (error) {
      throw new BerthError('NotFound', `cannot read the file named by extends: ${file}`, { cause: error });
    }
  }
}
