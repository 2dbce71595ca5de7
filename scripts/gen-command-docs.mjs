// Writes docs/commands.md from the CLI's own definitions (`npm run docs:commands`). Node cannot load the
// TypeScript sources, so esbuild (the build's bundler) bundles the program and the renderer into one
// temporary module; the commands' implementations are loaded lazily by the CLI and are left out.
import { build } from 'esbuild';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));

/** Marks every dynamic import() external: those are the command implementations, never run here. */
const skipCommandModules = {
  name: 'skip-command-modules',
  setup(builder) {
    builder.onResolve({ filter: /.*/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: args.path, external: true } : undefined,
    );
  },
};

const result = await build({
  stdin: {
    contents: [
      "export { buildProgram } from './src/cli/program.ts';",
      "export { renderCommandDocs, COMMAND_DOCS_FILE } from './scripts/gen-command-docs.ts';",
    ].join('\n'),
    resolveDir: root,
    sourcefile: 'command-docs-entry.ts',
    loader: 'ts',
  },
  bundle: true,
  write: false,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  banner: {
    js: "import { createRequire as __berthCreateRequire } from 'node:module'; const require = __berthCreateRequire(import.meta.url);",
  },
  define: { __BERTH_VERSION__: JSON.stringify(pkg.version) },
  plugins: [skipCommandModules],
  logLevel: 'warning',
});

const dir = await mkdtemp(path.join(os.tmpdir(), 'berth-command-docs-'));
try {
  const modulePath = path.join(dir, 'command-docs.mjs');
  await writeFile(modulePath, result.outputFiles[0].contents);
  const { buildProgram, renderCommandDocs, COMMAND_DOCS_FILE } = await import(pathToFileURL(modulePath).href);
  const target = path.join(root, COMMAND_DOCS_FILE);
  await writeFile(target, renderCommandDocs(buildProgram()));
  console.log(`wrote ${COMMAND_DOCS_FILE}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
