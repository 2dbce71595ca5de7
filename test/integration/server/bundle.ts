// Builds the berth CLI bundle into a temporary directory, with the options of scripts/build.mjs, so tests run
// the real `berth engine ...` commands without touching dist/ (which other suites may be using).

import { build } from 'esbuild';
import { mkdir, readFile, symlink } from 'node:fs/promises';
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
    // A native addon: loaded from node_modules at run time rather than bundled.
    external: ['node-unix-socket'],
    banner: {
      js: "import { createRequire as __berthCreateRequire } from 'node:module'; const require = __berthCreateRequire(import.meta.url);",
    },
    define: { __BERTH_VERSION__: JSON.stringify(pkg.version) },
    logLevel: 'warning',
  });
  // The bundle imports its native addon from node_modules, as dist/ does: give the temporary copy the same.
  await mkdir(outdir, { recursive: true });
  await symlink(path.resolve('node_modules'), path.join(outdir, 'node_modules'));
  return path.join(outdir, 'berth.js');
}
