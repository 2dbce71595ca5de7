// How the compose verbs tell what they do, resource by resource (`Container app-web-1  Started`); the CLI
// renders it as a live tree on a terminal or as plain lines.

import type { BuildMessage } from '../../engine/api/build.js';

export type ResourceKind = 'Network' | 'Volume' | 'Container' | 'Image';

export interface Reporter {
  event(kind: ResourceKind, name: string, status: string): void;
  warn(message: string): void;
  /** A progress line of a service's image build (steps, their output, cache hits). */
  build?(service: string, message: BuildMessage): void;
}

/** Collects the events as text lines (tests, `--progress plain` buffering). */
export class RecordingReporter implements Reporter {
  readonly lines: string[] = [];

  event(kind: ResourceKind, name: string, status: string): void {
    this.lines.push(`${kind} ${name} ${status}`);
  }

  warn(message: string): void {
    this.lines.push(`WARN ${message}`);
  }
}
