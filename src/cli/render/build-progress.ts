// Draws a build's progress as plain, append-only lines (the same on a terminal and in CI logs): each step as it
// starts, its output indented under it, and how it ended (cached, or its time). berth's structured `berth` field
// is used when the engine sends it; a Docker engine's text stream is printed as it comes.
// Invariant: the last output lines are kept, so a failed build's error can show them.

import type { BuildMessage } from '../../engine/api/build.js';

export interface BuildPrinterOptions {
  /** Put before every line (`web` for a compose service). */
  prefix?: string;
  /** Print nothing but the result. */
  quiet?: boolean;
  write: (text: string) => void;
}

export interface BuildOutcome {
  imageId: string | undefined;
  /** The error line of a failed build (with its hint lines). */
  error: string | undefined;
  cached: number;
  run: number;
}

export class BuildPrinter {
  private readonly steps = new Map<number, { label: string; text: string; cached: boolean }>();
  private partial = '';
  private imageId: string | undefined;
  private error: string | undefined;
  private cached = 0;
  private run = 0;

  constructor(private readonly options: BuildPrinterOptions) {}

  handle(message: BuildMessage): void {
    if (message.error !== undefined || message.errorDetail !== undefined) {
      this.flush();
      this.error = message.errorDetail?.message ?? message.error ?? 'build failed';
      return;
    }
    const id = message.aux?.ID;
    if (typeof id === 'string') this.imageId = id;
    const berth = message.berth;
    if (berth === undefined) {
      if (message.stream !== undefined && !this.options.quiet) this.text(message.stream);
      else if (message.status !== undefined && !this.options.quiet)
        this.line(`${message.id === undefined ? '' : `${message.id}: `}${message.status}`);
      return;
    }
    switch (berth.kind) {
      case 'step': {
        const label = `[${berth.step}/${berth.total}]`;
        this.steps.set(berth.step, { label, text: berth.text, cached: false });
        this.flush();
        this.line(`${label} ${berth.text}`);
        return;
      }
      case 'cached': {
        const step = this.steps.get(berth.step);
        if (step !== undefined) step.cached = true;
        this.cached++;
        return;
      }
      case 'output':
        if (!this.options.quiet) this.text(message.stream ?? '', '  │ ');
        return;
      case 'done': {
        const step = this.steps.get(berth.step);
        if (step === undefined) return;
        this.flush('  │ ');
        // Steps that only change the config take no time worth a line; FROM does when it pulled.
        const makesLayer = /^(RUN|COPY|ADD|WORKDIR|ONBUILD)\b/i.test(step.text);
        if (!step.cached && makesLayer) this.run++;
        if (step.cached) this.line(`${step.label} CACHED`);
        else if (makesLayer || berth.ms >= 100) this.line(`${step.label} done in ${seconds(berth.ms)}`);
        return;
      }
    }
  }

  outcome(): BuildOutcome {
    this.flush();
    return { imageId: this.imageId, error: this.error, cached: this.cached, run: this.run };
  }

  private text(chunk: string, indent = ''): void {
    this.partial += chunk;
    let newline: number;
    while ((newline = this.partial.indexOf('\n')) !== -1) {
      const line = this.partial.slice(0, newline).replace(/\r$/, '');
      this.partial = this.partial.slice(newline + 1);
      // Progress bars redraw with \r: keep what the line finally showed.
      this.line(`${indent}${line.slice(line.lastIndexOf('\r') + 1)}`);
    }
  }

  private flush(indent = ''): void {
    if (this.partial !== '') {
      const rest = this.partial;
      this.partial = '';
      this.line(`${indent}${rest}`);
    }
  }

  private line(text: string): void {
    if (this.options.quiet) return;
    const prefix = this.options.prefix === undefined ? '' : `${this.options.prefix} `;
    this.options.write(`${prefix}${text}\n`);
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
