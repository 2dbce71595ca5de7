// Builds the berth CLI bundle into a temporary directory, with the options of scripts/build.mjs, so tests run
// the real `berth engine ...` commands without touching dist/ (which other suites may be using).

import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export async function buildBerthBundle(outdir: string): Promise<string> {
  const pkg = JSON.parse(await readFile(path.resolve('package.json'), 'utf8')) as { version: string };
  await build({
    entryPoints: { berth: path.resolve('src/cli/main.ts') },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    chunkNames: 'chunks/[name]-[hash]',
    banner: {
      js: "import { createRequire as __berthCreateRequire } from 'node:module'; const require = __berthCreateRequire(import.meta.url);",
    },
    define: { __BERTH_VERSION__: JSON.stringify(pkg.version) },
    logLevel: 'warning',
  });
  return path.join(outdir, 'berth.js');
}
