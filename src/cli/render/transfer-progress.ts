// Draws a pull or push progress stream: on a terminal one line per layer, redrawn in place as Docker does;
// otherwise plain lines, one per status change (byte counts are left out, so logs stay short).

import type { ProgressMessage } from '../../engine/api/images.js';
import { progressLine } from '../../engine/api/registry.js';

const NOISY = new Set(['Downloading', 'Pushing', 'Extracting', 'Waiting']);

export interface ProgressWriter {
  write(text: string): unknown;
}

export class ProgressRenderer {
  private readonly ids: string[] = [];
  private readonly lines = new Map<string, string>();
  private drawn = 0;

  constructor(
    private readonly out: ProgressWriter,
    private readonly tty: boolean,
  ) {}

  /** Renders one message; returns the error text when the message reports a failure. */
  handle(message: ProgressMessage): string | undefined {
    if (message.error !== undefined || message.errorDetail !== undefined) {
      return message.errorDetail?.message ?? message.error ?? 'failed';
    }
    if (message.status === undefined) return undefined;
    if (!this.tty) {
      if (!NOISY.has(message.status)) this.out.write(`${progressLine(message)}\n`);
      return undefined;
    }
    if (message.id === undefined || message.id === '') {
      this.out.write(`${progressLine(message)}\n`);
      this.drawn = 0; // later layer lines start below this one
      this.ids.length = 0;
      this.lines.clear();
      return undefined;
    }
    if (!this.lines.has(message.id)) this.ids.push(message.id);
    this.lines.set(message.id, progressLine(message));
    this.redraw();
    return undefined;
  }

  private redraw(): void {
    let text = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    for (const id of this.ids) text += `\r\x1b[2K${this.lines.get(id) ?? ''}\n`;
    this.drawn = this.ids.length;
    this.out.write(text);
  }
}
