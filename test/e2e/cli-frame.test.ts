// The CLI frame through the built bundle: help for every command, usage errors exit 2, failures exit 1.

import { execa } from 'execa';
import { readFileSync } from 'node:fs';
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

  it('config honours its flags', async () => {
    const project = await mkdtemp(path.join(os.tmpdir(), 'berth-cli-flags-'));
    try {
      await writeFile(
        path.join(project, 'compose.yaml'),
        'services:\n  web:\n    image: nginx:${TAG:-1}\n    ports: ["8080:80"]\n    profiles: [debug]\n  db:\n    image: postgres\nvolumes:\n  data: {}\n',
      );
      const services = await run(['--profile', 'debug', 'config', '--services'], project);
      expect(services.stdout.split('\n').sort()).toEqual(['db', 'web']);
      expect((await run(['config', '--services'], project)).stdout).toBe('db');
      // Like Docker Compose, resources no enabled service uses are left out unless asked for.
      expect((await run(['config', '--volumes'], project)).stdout).toBe('');
      expect((await run(['--all-resources', 'config', '--volumes'], project)).stdout).toBe('data');
      expect((await run(['config', '--profiles'], project)).stdout).toBe('debug');
      expect(
        (await run(['--profile', 'debug', 'config', '--images'], project)).stdout.split('\n').sort(),
      ).toEqual(['nginx:1', 'postgres']);
      const raw = await run(['--profile', 'debug', 'config', '--no-normalize'], project);
      expect(raw.stdout).toContain('- 8080:80');
      const uninterpolated = await run(
        ['--profile', 'debug', 'config', '--no-interpolate', '--format', 'json'],
        project,
      );
      expect(JSON.parse(uninterpolated.stdout).services.web.image).toBe('nginx:${TAG:-1}');
      const hash = await run(['config', '--hash', 'db'], project);
      expect(hash.stdout).toMatch(/^db [0-9a-f]{64}$/);
      const output = path.join(project, 'out.yaml');
      expect((await run(['config', '-o', output], project)).exitCode).toBe(0);
      expect(readFileSync(output, 'utf8')).toContain('image: postgres');
      const variables = await run(['config', '--variables'], project);
      expect(variables.stdout).toContain('TAG');
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  });
});
