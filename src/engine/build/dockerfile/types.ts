// The parsed Dockerfile: what the parser hands to the executor. Words stay as written (quotes and `$VAR`
// included) wherever Docker expands variables at build time, because their values depend on the ARG and ENV
// state of the stage when the instruction runs; `expandWord` / `expandWords` do that expansion then.
// Invariant: every instruction carries the file and line it came from, so any later error can name them.

export interface Location {
  file: string;
  /** 1-based line of the instruction's first line. */
  line: number;
}

export interface Heredoc {
  /** The delimiter word, without quotes or `-`. */
  name: string;
  /** The body, each line ending in `\n` (tabs already stripped for `<<-`). */
  content: string;
  /** False when the delimiter was quoted (`<<"EOF"`, `<<'EOF'`): no variable expansion in the body. */
  expand: boolean;
}

/** `["a", "b"]` (exec form) or the rest of the line (shell form, run through the stage's SHELL). */
export type CommandForm = { form: 'exec'; args: string[] } | { form: 'shell'; text: string };

export interface KeyValue {
  /** Unexpanded. */
  key: string;
  /** Unexpanded; quotes still in place. */
  value: string;
}

interface Base {
  location: Location;
  /**
   * The instruction as written, continuation lines joined as Docker joins them: the escape character and the
   * blanks after it removed, nothing inserted (`RUN a \` + `  b` → `RUN a   b`). Docker's history `created_by`.
   */
  original: string;
}

export interface FromInstruction extends Base {
  kind: 'FROM';
  /** Unexpanded (meta ARGs apply). */
  image: string;
  stageName: string | undefined;
  platform: string | undefined;
}

export interface RunInstruction extends Base {
  kind: 'RUN';
  command: CommandForm;
  /** Raw `--mount` values, unexpanded, in order (`type=cache,target=/root/.cache`). */
  mounts: string[];
  /** `--network=default|none|host`. */
  network: string | undefined;
  /** `--security=sandbox|insecure`. */
  security: string | undefined;
  /** Heredocs named on the line; with a shell-form command that is only `<<EOF`, the body is the script. */
  heredocs: Heredoc[];
}

export interface CommandInstruction extends Base {
  kind: 'CMD' | 'ENTRYPOINT';
  command: CommandForm;
}

export interface ShellInstruction extends Base {
  kind: 'SHELL';
  /** Always the JSON form. */
  shell: string[];
}

export interface KeyValueInstruction extends Base {
  kind: 'ENV' | 'LABEL';
  pairs: KeyValue[];
}

export interface ArgInstruction extends Base {
  kind: 'ARG';
  /** `ARG a b=c`: defaults unexpanded; undefined when none is given. */
  args: Array<{ name: string; defaultValue: string | undefined }>;
}

export interface WordsInstruction extends Base {
  kind: 'EXPOSE' | 'VOLUME';
  /** Unexpanded words (VOLUME's JSON form gives its array elements). */
  words: string[];
}

export interface WordInstruction extends Base {
  kind: 'USER' | 'WORKDIR' | 'STOPSIGNAL' | 'MAINTAINER';
  /** Unexpanded. */
  value: string;
}

export interface HealthcheckInstruction extends Base {
  kind: 'HEALTHCHECK';
  /** undefined for `HEALTHCHECK NONE`. */
  command: CommandForm | undefined;
  /** Raw flag values (`30s`), unexpanded. */
  interval: string | undefined;
  timeout: string | undefined;
  startPeriod: string | undefined;
  startInterval: string | undefined;
  retries: string | undefined;
}

export interface OnbuildInstruction extends Base {
  kind: 'ONBUILD';
  /** The trigger as written (`RUN make`), stored in the image config and parsed when a child builds FROM it. */
  trigger: string;
}

export interface CopyInstruction extends Base {
  kind: 'COPY' | 'ADD';
  /** Unexpanded source words (globs allowed; URLs for ADD); with heredocs, the heredoc names. */
  sources: string[];
  /** Unexpanded destination. */
  dest: string;
  /** `--from=stage|index|image`, unexpanded. */
  from: string | undefined;
  chown: string | undefined;
  chmod: string | undefined;
  link: boolean;
  /** `--exclude` patterns, unexpanded. */
  exclude: string[];
  /** `--parents`. */
  parents: boolean;
  /** ADD `--checksum=sha256:...`. */
  checksum: string | undefined;
  /** ADD `--keep-git-dir`. */
  keepGitDir: boolean;
  /** Heredoc sources (`COPY <<EOF /dest`), in the order named. */
  heredocs: Heredoc[];
}

export type Instruction =
  | FromInstruction
  | RunInstruction
  | CommandInstruction
  | ShellInstruction
  | KeyValueInstruction
  | ArgInstruction
  | WordsInstruction
  | WordInstruction
  | HealthcheckInstruction
  | OnbuildInstruction
  | CopyInstruction;

export interface Stage {
  /** 0-based position in the file. */
  index: number;
  /** `AS name`, lower-cased; undefined without one. */
  name: string | undefined;
  from: FromInstruction;
  /** Everything after FROM up to the next FROM. */
  instructions: Instruction[];
}

export interface Dockerfile {
  file: string;
  /** The escape character from the `# escape=` directive (`\` by default). */
  escape: '\\' | '`';
  /** The `# syntax=` directive, kept for information (never fetched). */
  syntax: string | undefined;
  /** ARGs before the first FROM: visible to FROM lines, and to stages that declare them again. */
  metaArgs: ArgInstruction[];
  stages: Stage[];
}

/** Looks a variable up in the build's current ARG/ENV state; undefined = unset. */
export type VariableLookup = (name: string) => string | undefined;
