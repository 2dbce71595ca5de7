// The options every command accepts, as Docker Compose has them, after commander has parsed them.

export interface GlobalOptions {
  file?: string[];
  projectName?: string;
  projectDirectory?: string;
  profile?: string[];
  allResources?: boolean;
  envFile?: string[];
  progress: 'auto' | 'tty' | 'plain' | 'json' | 'quiet';
  ansi: 'auto' | 'never' | 'always';
  /** `--host`: another engine's unix socket. */
  host?: string;
}
