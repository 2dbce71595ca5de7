// examples/ci through the built CLI: `up --build --abort-on-container-exit --exit-code-from tests` exits with the
// tests' exit code (0 when they pass, 2 when CI_INJECT_BUG breaks two checks), shows their output, and stops the
// rest of the stack when they end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openExample, type ExampleProject } from './example-project.js';

let example: ExampleProject;
const ciEntry = ['up', '--build', '--abort-on-container-exit', '--exit-code-from', 'tests'];

interface PsRow {
  Service: string;
  State: string;
  ExitCode: number;
}

async function states(): Promise<Record<string, string>> {
  const result = await example.berth(['ps', '-a', '--format', 'json']);
  expect(result.exitCode, result.stderr).toBe(0);
  const rows = result.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as PsRow);
  return Object.fromEntries(rows.map((row) => [row.Service, row.State]));
}

beforeAll(async () => {
  example = await openExample('ci', 'berth-e2e-example-ci-', { busybox: true });
});

afterAll(async () => {
  await example?.close();
});

describe('examples/ci', () => {
  it('passes: exit 0, the tests output, the stack stopped', async () => {
    const result = await example.berth(ciEntry);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/tests-1 +\| ok {3}2 \+ 3/);
    expect(result.stdout).toMatch(/tests-1 +\| ok {3}rows from the db/);
    expect(result.stdout).toMatch(/tests-1 +\| 0 failure\(s\)/);
    expect(result.stdout).toContain('tests-1 exited with code 0');
    expect(await states()).toEqual({ api: 'exited', db: 'exited', tests: 'exited' });
  });

  it('fails: the tests exit code (2) is the exit code of up, and only this run is shown', async () => {
    const result = await example.berth(ciEntry, { CI_INJECT_BUG: '1' });
    expect(result.exitCode, result.stdout + result.stderr).toBe(2);
    expect(result.stdout).toContain(`FAIL 2 + 3: expected '{"sum": 5}', got '{"sum": 6}'`);
    expect(result.stdout).toMatch(/tests-1 +\| 2 failure\(s\)/);
    expect(result.stdout).not.toMatch(/0 failure\(s\)/);
    expect(await states()).toEqual({ api: 'exited', db: 'exited', tests: 'exited' });
  });

  it('passes again once the bug is gone', async () => {
    const result = await example.berth(ciEntry);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
  });
});
