// Renders the command reference (docs/commands.md) from the commander program itself, so the page cannot
// drift from what `berth <command> --help` says. Pure: a Command in, Markdown out; the same function is used
// by `npm run docs:commands` (scripts/gen-command-docs.mjs) and by the test that checks the file is current.

import type { Argument, Command, Option } from 'commander';

/** Where the reference lives, relative to the repository root. */
export const COMMAND_DOCS_FILE = 'docs/commands.md';

/** The command that rewrites it. */
export const COMMAND_DOCS_REFRESH = 'npm run docs:commands';

/** The whole page for a program: global options, then every command and subcommand in declaration order. */
export function renderCommandDocs(program: Command): string {
  const lines: string[] = [
    '# Command reference',
    '',
    `Generated from the CLI's own definitions (\`src/cli/program.ts\`, \`src/cli/commands/index.ts\`) by`,
    `\`${COMMAND_DOCS_REFRESH}\`; do not edit it by hand. \`test/unit/command-docs.test.ts\` fails when it is`,
    'out of date.',
    '',
    'Every command also takes `-h, --help`, and `berth help <command>` prints the same text. Global options go',
    "before the command (`berth -f other.yaml up -d`); a command's own options go after it.",
    '',
    `## \`${program.name()}\``,
    '',
    ...paragraph(program.description()),
    `Usage: \`${program.name()} [options] <command>\``,
    '',
    '### Global options',
    '',
    ...optionTable(program.options),
    '### Commands',
    '',
    ...program.commands.flatMap((command) => contentsEntry(command, '')),
    '',
  ];
  for (const command of program.commands) lines.push(...renderCommand(command, 2));
  return `${lines.join('\n').trimEnd()}\n`;
}

function renderCommand(command: Command, depth: number): string[] {
  const path = commandPath(command);
  const heading = '#'.repeat(Math.min(depth, 6));
  const lines = [`${heading} \`${path}\``, '', ...paragraph(command.description())];
  if (command.aliases().length > 0)
    lines.push(
      `Alias: ${command
        .aliases()
        .map((alias) => `\`${alias}\``)
        .join(', ')}`,
      '',
    );
  if (command.commands.length > 0) {
    lines.push(`Usage: \`${path} <command>\``, '', 'Subcommands:', '');
    lines.push(
      ...command.commands.map(
        (sub) => `- [\`${sub.name()}\`](#${anchor(commandPath(sub))}): ${inline(sub.description())}`,
      ),
    );
    lines.push('');
    for (const sub of command.commands) lines.push(...renderCommand(sub, depth + 1));
    return lines;
  }
  lines.push(`Usage: \`${path} ${command.usage()}\``, '');
  if (command.registeredArguments.length > 0) {
    lines.push('Arguments:', '', ...argumentTable(command.registeredArguments));
  }
  if (command.options.length > 0) lines.push('Options:', '', ...optionTable(command.options));
  return lines;
}

function contentsEntry(command: Command, indent: string): string[] {
  const entry = `${indent}- [\`${commandPath(command)}\`](#${anchor(commandPath(command))}): ${inline(command.description())}`;
  return [entry, ...command.commands.flatMap((sub) => contentsEntry(sub, `${indent}  `))];
}

function argumentTable(args: readonly Argument[]): string[] {
  return table(
    ['argument', 'description', 'default', 'choices'],
    args.map((arg) => {
      const name = arg.variadic ? `${arg.name()}...` : arg.name();
      return [
        code(arg.required ? `<${name}>` : `[${name}]`),
        inline(arg.description),
        valueList(arg.defaultValue, arg.defaultValueDescription),
        choices(arg.argChoices),
      ];
    }),
  );
}

function optionTable(options: readonly Option[]): string[] {
  return table(
    ['option', 'description', 'default', 'choices'],
    options
      .filter((option) => !option.hidden)
      .map((option) => [
        code(option.flags),
        inline(option.description),
        valueList(option.defaultValue, option.defaultValueDescription),
        choices(option.argChoices),
      ]),
  );
}

/** A Markdown table without the columns that are empty in every row (most options have no default). */
function table(headings: string[], rows: string[][]): string[] {
  const kept = headings
    .map((_, column) => column)
    .filter((column) => column < 2 || rows.some((cells) => cells[column]));
  const pick = (cells: string[]) => `| ${kept.map((column) => cells[column] ?? '').join(' | ')} |`;
  return [pick(headings), pick(headings.map(() => '---')), ...rows.map(pick), ''];
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at; at = at.parent) names.unshift(at.name());
  return names.join(' ');
}

/** GitHub's heading anchor for a heading that is only `text` in a code span. */
function anchor(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replaceAll(' ', '-');
}

function paragraph(text: string): string[] {
  return text ? [inline(text), ''] : [];
}

function code(text: string): string {
  return `\`${text.replaceAll('|', '\\|')}\``;
}

/** Text for a table cell or a line: pipes escaped, and nothing Markdown would take as HTML or emphasis. */
function inline(text: string | undefined): string {
  return (text ?? '')
    .replaceAll('\\', '\\\\')
    .replaceAll('|', '\\|')
    .replaceAll('*', '\\*')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;');
}

function valueList(value: unknown, description: string | undefined): string {
  if (description !== undefined) return inline(description);
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map((item) => code(String(item))).join(' ');
  return code(typeof value === 'string' ? value : JSON.stringify(value));
}

function choices(values: readonly string[] | undefined): string {
  return values ? values.map((value) => code(value)).join(' ') : '';
}
