// Progress of the compose verbs as Docker Compose shows it: on a terminal, one line per resource redrawn in
// place as its status changes; otherwise (or with --progress plain) one line per change; json: one JSON object
// per change; quiet: nothing. Warnings always go out, on stderr.
// The terminal rows are drawn here rather than by listr2: its task lists are fixed once they run (a row for a
// resource that appears later needs a private method), a finished task cannot show work again (a container goes
// Created → Starting → Started → Waiting → Healthy), and its renderer holds back everything else written to
// stdout and stderr (build output, warnings, an error message) until the list ends — so a command that fails
// before it ends the list would lose its error and, with the spinner's timer, never exit.
import type { Reporter, ResourceKind } from '../../compose/converge/reporter.js';
import type { BuildMessage } from '../../engine/api/build.js';
import type { GlobalOptions } from '../global-options.js';
import { BuildPrinter } from './build-progress.js';

const DONE = new Set([
  'Exited',
  'Created',
  'Started',
  'Running',
  'Healthy',
  'Removed',
  'Stopped',
  'Recreated',
  'Pulled',
  'Built',
]);

/** Build progress of each service drawn as prefixed plain lines (see BuildPrinter). */
function buildLines(write: (text: string) => void): (service: string, message: BuildMessage) => void {
  const printers = new Map<string, BuildPrinter>();
  return (service, message) => {
    let printer = printers.get(service);
    if (printer === undefined) {
      printer = new BuildPrinter({ prefix: service, write });
      printers.set(service, printer);
    }
    printer.handle(message);
  };
}

export function progressReporter(
  mode: GlobalOptions['progress'],
  out: NodeJS.WriteStream = process.stderr,
): Reporter & { finish(): void } {
  const resolved = mode === 'auto' ? (out.isTTY ? 'tty' : 'plain') : mode;
  if (resolved === 'tty') return new LiveReporter(out);
  const build = buildLines((text) => out.write(text));
  return {
    build(service: string, message: BuildMessage) {
      if (resolved === 'plain') build(service, message);
      else if (resolved === 'json')
        out.write(`${JSON.stringify({ kind: 'Build', name: service, message })}\n`);
    },
    event(kind: ResourceKind, name: string, status: string) {
      if (resolved === 'plain') out.write(` ${kind} ${name}  ${status}\n`);
      else if (resolved === 'json') out.write(`${JSON.stringify({ kind, name, status })}\n`);
    },
    warn(message: string) {
      out.write(`WARN ${message}\n`);
    },
    finish() {},
  };
}

/** A line per resource, drawn again in place on each change. */
class LiveReporter implements Reporter {
  private readonly rows = new Map<
    string,
    { kind: ResourceKind; name: string; status: string; started: number; ended?: number }
  >();
  private drawn = 0;
  private readonly buildLine = buildLines((text) => {
    // Build output scrolls above the live rows, which are drawn again below it.
    this.clear();
    this.out.write(text);
    this.draw();
  });

  constructor(private readonly out: NodeJS.WriteStream) {}

  build(service: string, message: BuildMessage): void {
    this.buildLine(service, message);
  }

  private clear(): void {
    if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}A\x1b[0J`);
    this.drawn = 0;
  }

  event(kind: ResourceKind, name: string, status: string): void {
    const key = `${kind} ${name}`;
    const row = this.rows.get(key) ?? { kind, name, status, started: Date.now() };
    row.status = status;
    if (DONE.has(status)) row.ended = Date.now();
    else delete row.ended;
    this.rows.set(key, row);
    this.draw();
  }

  warn(message: string): void {
    this.out.write(`WARN ${message}\n`);
    this.drawn = 0;
    this.draw();
  }

  finish(): void {
    this.draw();
  }

  private draw(): void {
    const rows = [...this.rows.values()];
    const width = Math.max(0, ...rows.map((row) => `${row.kind} ${row.name}`.length));
    const done = rows.filter((row) => row.ended !== undefined).length;
    const lines = [
      `[+] Running ${done}/${rows.length}`,
      ...rows.map((row) => {
        const mark = row.ended !== undefined ? '✔' : row.status === 'Error' ? '✘' : '⠿';
        const seconds = (((row.ended ?? Date.now()) - row.started) / 1000).toFixed(1);
        return ` ${mark} ${`${row.kind} ${row.name}`.padEnd(width)}  ${row.status.padEnd(10)} ${seconds}s`;
      }),
    ];
    const up = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    this.out.write(`${up}${lines.map((line) => `\x1b[2K${line}`).join('\n')}\n`);
    this.drawn = lines.length;
  }
}
