// Bundles the CLI (and the engine server it runs) with esbuild. Commands are loaded through dynamic
// import(), so code splitting keeps start-up to the parser and the one command that runs. The Compose
// schema validator is generated ahead of time (ajv standalone code) so no command compiles it.
import { build } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSchemaValidator } from './schema-validator-code.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
const validatorModule = path.join(root, 'src', 'compose', 'load', 'schema-validator.ts');

/** Swaps the run-time compiling validator module for generated code. */
const precompiledSchema = {
  name: 'precompiled-compose-schema',
  setup(builder) {
    builder.onLoad({ filter: /schema-validator\.ts$/ }, async (args) => {
      if (path.resolve(args.path) !== validatorModule) return undefined;
      return {
        contents: await generateSchemaValidator(root),
        loader: 'js',
        resolveDir: path.dirname(validatorModule),
      };
    });
  },
};

await rm(path.join(root, 'dist'), { recursive: true, force: true });
await build({
  entryPoints: { berth: path.join(root, 'src/cli/main.ts') },
  outdir: path.join(root, 'dist'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  // Some CommonJS dependencies call require(); give the ESM bundle one.
  // A native addon: loaded from node_modules at run time rather than bundled.
  external: ['node-unix-socket'],
  banner: {
    js: "import { createRequire as __berthCreateRequire } from 'node:module'; const require = __berthCreateRequire(import.meta.url);",
  },
  define: { __BERTH_VERSION__: JSON.stringify(pkg.version) },
  plugins: [precompiledSchema],
  logLevel: 'warning',
});
