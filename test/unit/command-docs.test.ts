// docs/commands.md is generated from the commander program. This test renders it again in memory and fails
// when the checked-in file differs, so a changed flag or description cannot reach main without its docs.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import {
  COMMAND_DOCS_FILE,
  COMMAND_DOCS_REFRESH,
  renderCommandDocs,
} from '../../scripts/gen-command-docs.js';

it(`${COMMAND_DOCS_FILE} is current`, () => {
  const wanted = renderCommandDocs(buildProgram());
  let current = '';
  try {
    current = readFileSync(path.resolve(COMMAND_DOCS_FILE), 'utf8');
  } catch {
    // A missing file fails the comparison below with the same advice.
  }
  expect(
    current === wanted,
    `${COMMAND_DOCS_FILE} is out of date (${firstDifference(current, wanted)}): run \`${COMMAND_DOCS_REFRESH}\``,
  ).toBe(true);
});

function firstDifference(current: string, wanted: string): string {
  const have = current.split('\n');
  const want = wanted.split('\n');
  const line = want.findIndex((text, index) => have[index] !== text);
  const at = line === -1 ? want.length : line;
  const show = (text: string | undefined) => JSON.stringify(text ?? '(end of file)');
  return `line ${at + 1}: expected ${show(want[at])}, found ${show(have[at])}`;
}

it('documents every command, subcommand and option', () => {
  const program = buildProgram();
  const page = renderCommandDocs(program);
  for (const command of program.commands) {
    expect(page).toContain(`\`berth ${command.name()}\``);
    for (const sub of command.commands) expect(page).toContain(`\`berth ${command.name()} ${sub.name()}\``);
    for (const option of command.options) expect(page).toContain(`\`${option.flags}\``);
  }
});
