// Generates the Compose schema validator as JavaScript source (ajv standalone), with the same options and
// formats as src/compose/load/schema-validator.ts. The formats themselves are imported, not copied: the
// generated code refers to `ajvFormats` from schema-formats.ts.
import { build } from 'esbuild';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export async function generateSchemaValidator(root) {
  // Load the TypeScript options module through a throw-away bundle (the build runs before any compile).
  // Inside node_modules so the throw-away module resolves the project's own packages.
  const cache = path.join(root, 'node_modules', '.cache');
  await mkdir(cache, { recursive: true });
  const dir = await mkdtemp(path.join(cache, 'berth-schema-'));
  try {
    const entry = path.join(dir, 'options.mjs');
    await build({
      entryPoints: [path.join(root, 'src/compose/load/schema-validator.ts')],
      outfile: entry,
      bundle: true,
      format: 'esm',
      platform: 'node',
      packages: 'external',
      absWorkingDir: root,
      logLevel: 'warning',
    });
    const { AJV_OPTIONS, configureAjv, schema } = await import(pathToFileURL(entry).href);
    const require = createRequire(entry);
    const { Ajv, _ } = require('ajv');
    const standalone = require('ajv/dist/standalone').default;
    const ajv = configureAjv(
      new Ajv({
        ...AJV_OPTIONS,
        code: { ...AJV_OPTIONS.code, source: true, esm: true, formats: _`berthAjvFormats` },
      }),
    );
    const validate = ajv.compile(schema);
    const code = standalone(ajv, validate);
    const exported = /export default (\w+)/.exec(code);
    if (!exported) throw new Error('unexpected ajv standalone output');
    return [
      "import { ajvFormats as berthAjvFormats } from './schema-formats.ts';",
      code,
      `export function schemaValidator() { return ${exported[1]}; }`,
    ].join('\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
