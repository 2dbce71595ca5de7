// Prefixed, coloured log lines of several containers in one stream (`web-1  | listening on 80`), as the
// compose verbs print them.

const COLOURS = [36, 33, 32, 35, 34, 96, 93, 92, 95, 94];

export interface LinePrinter {
  /** Writes text of one container; complete lines are printed with its prefix, a partial line is held. */
  write(container: string, text: string): void;
  /** Prints what is held (the last unfinished lines). */
  flush(): void;
}

/** Whether prefixes are coloured: not with --no-color or --ansi never; with --ansi always; else on a terminal. */
export function wantsColour(colorFlag: boolean | undefined, ansi: 'auto' | 'never' | 'always'): boolean {
  if (colorFlag === false || ansi === 'never') return false;
  return ansi === 'always' || process.stdout.isTTY === true;
}

export function linePrinter(
  names: readonly string[],
  options: { colour: boolean; prefix: boolean; out?: NodeJS.WritableStream },
): LinePrinter {
  const out = options.out ?? process.stdout;
  const width = Math.max(0, ...names.map((name) => name.length));
  const held = new Map<string, string>();
  const prefixOf = (name: string): string => {
    if (!options.prefix) return '';
    const index = Math.max(0, names.indexOf(name));
    const text = `${name.padEnd(width)}  | `;
    return options.colour ? `\x1b[${COLOURS[index % COLOURS.length]}m${text}\x1b[0m` : text;
  };
  return {
    write(container, text) {
      const lines = ((held.get(container) ?? '') + text).split('\n');
      held.set(container, lines.pop() ?? '');
      for (const line of lines) out.write(`${prefixOf(container)}${line}\n`);
    },
    flush() {
      for (const [container, rest] of held) if (rest !== '') out.write(`${prefixOf(container)}${rest}\n`);
      held.clear();
    },
  };
}
