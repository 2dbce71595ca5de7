// README's table of Compose attributes berth accepts but does not honour is generated from the one list in
// src/compose/load/unsupported.ts. This test fails when they drift; `UPDATE_DOCS=1 npx vitest run
// test/unit/readme-unsupported.test.ts` rewrites the table.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { UNSUPPORTED } from '../../src/compose/load/unsupported.js';

const readmePath = path.resolve('README.md');
const START = '<!-- unsupported:start -->';
const END = '<!-- unsupported:end -->';

function renderTable(): string {
  const rows = UNSUPPORTED.map((entry) => `| \`${entry.path}\` | ${entry.reason.replaceAll('|', '\\|')} |`);
  return ['| attribute | why |', '|---|---|', ...rows].join('\n');
}

it('README lists every attribute the engine does not honour', () => {
  const readme = readFileSync(readmePath, 'utf8');
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  expect(start, 'README has the unsupported markers').toBeGreaterThanOrEqual(0);
  const current = readme.slice(start + START.length, end).trim();
  const wanted = renderTable();
  if (process.env.UPDATE_DOCS === '1' && current !== wanted) {
    writeFileSync(readmePath, `${readme.slice(0, start + START.length)}\n${wanted}\n${readme.slice(end)}`);
    return;
  }
  expect(current).toBe(wanted);
});
