// The CLI frame through the built bundle: help for every command, usage errors exit 2, failures exit 1.

import { execa } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const berth = path.resolve('bin/berth.js');
const run = (args: string[], cwd?: string) =>
  execa(berth, args, { reject: false, cwd, env: { NO_COLOR: '1' } });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'berth-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('berth CLI frame', () => {
  it('prints its version', async () => {
    const result = await run(['--version']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('has --help for every command', async () => {
    const top = await run(['--help']);
    expect(top.exitCode).toBe(0);
    const commands = [...top.stdout.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)]
      .map((m) => m[1]!)
      .filter((c) => c !== 'help');
    expect(commands).toContain('config');
    for (const command of commands) {
      const help = await run([command, '--help']);
      expect(help.exitCode, command).toBe(0);
      expect(help.stdout, command).toContain(`Usage: berth ${command}`);
    }
  });

  it('exits 2 with a clear message for an unknown command', async () => {
    const result = await run(['frobnicate']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("unknown command 'frobnicate'");
  });

  it('exits 2 for an unknown flag', async () => {
    const result = await run(['config', '--frobnicate']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("unknown option '--frobnicate'");
  });

  it('exits 2 for a bad choice of a global option', async () => {
    const result = await run(['--progress', 'loud', 'config']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('loud');
  });

  it('exits 1 with the file and line when the compose file is wrong', async () => {
    await writeFile(path.join(dir, 'compose.yaml'), 'services:\n  web:\n    image: x\n    imagee: y\n');
    const result = await run(['config', '-q'], dir);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/compose\.yaml:4:\d+ services\.web/);
  });

  it('exits 1 when no compose file is found', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'berth-cli-empty-'));
    try {
      const result = await run(['config'], empty);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain('no configuration file provided');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('exits 130 on Ctrl-C', async () => {
    // `config` reading a compose file from stdin waits forever: interrupt it.
    const child = execa(berth, ['-f', '-', 'config'], { reject: false, cwd: dir });
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode).toBe(130);
  });
});
