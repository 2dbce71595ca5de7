// The compose corpus: each directory under cases/ is a project with its expected result.
//   compose.yaml (and any other files the case needs)
//   case.json      optional: { "description", "args": { files, profiles, projectName, projectDirectory,
//                  envFiles, services, interpolate, resolvePaths }, "env": { ... }, "output": "yaml" | "json" }
//   expected.yaml  the canonical output (`berth config`), or expected.json for output "json"
//   expected-error.txt    the exact error message instead
//   expected-warnings.txt optional: the exact warnings, one per line
// `${CASE_DIR}` in expected files stands for the case's absolute directory. The environment is only
// what case.json gives: the suite never depends on the machine's.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadProject, type LoadOptions } from '../../src/compose/load/index.js';
import { renderJson, renderYaml } from '../../src/compose/model/canonical.js';
import { formatPosition } from '../../src/compose/load/source-map.js';

const casesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cases');

interface CaseSpec {
  description?: string;
  args?: Partial<Omit<LoadOptions, 'workingDir' | 'osEnv'>>;
  env?: Record<string, string>;
  output?: 'yaml' | 'json';
}

const cases = readdirSync(casesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

function read(dir: string, name: string): string | undefined {
  const file = path.join(dir, name);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

describe('compose corpus', () => {
  it('has at least 80 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(80);
  });

  for (const name of cases) {
    const dir = path.join(casesDir, name);
    const spec: CaseSpec = JSON.parse(read(dir, 'case.json') ?? '{}');
    const substitute = (text: string) => text.replaceAll('${CASE_DIR}', dir).trimEnd();

    it(`${name}${spec.description ? `: ${spec.description}` : ''}`, async () => {
      const options: LoadOptions = { workingDir: dir, osEnv: spec.env ?? {}, ...spec.args };
      const expectedError = read(dir, 'expected-error.txt');
      if (expectedError !== undefined) {
        await expect(loadProject(options)).rejects.toThrow(substitute(expectedError));
        return;
      }
      const loaded = await loadProject(options);
      const expectedWarnings = read(dir, 'expected-warnings.txt');
      if (expectedWarnings !== undefined) {
        const shown = loaded.warnings.map(
          (w) => `${w.position ? `${formatPosition(w.position)} ` : ''}${w.message}`,
        );
        expect(shown.join('\n')).toBe(substitute(expectedWarnings));
      }
      const output = spec.output ?? 'yaml';
      const rendered = output === 'json' ? renderJson(loaded.project) : renderYaml(loaded.project);
      const expected = read(dir, output === 'json' ? 'expected.json' : 'expected.yaml');
      expect(expected, `${name} needs an expected file`).toBeDefined();
      expect(rendered.trimEnd()).toBe(substitute(expected ?? ''));
    });
  }
});
