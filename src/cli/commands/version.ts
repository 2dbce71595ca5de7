import { VERSION } from '../../shared/version.js';

export async function run(options: Record<string, unknown>): Promise<void> {
  if (options.short) {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  const info = { version: VERSION, node: process.versions.node, os: process.platform, arch: process.arch };
  if (options.format === 'json') {
    process.stdout.write(`${JSON.stringify(info)}\n`);
    return;
  }
  process.stdout.write(`berth version ${info.version} (node ${info.node}, ${info.os}/${info.arch})\n`);
}
