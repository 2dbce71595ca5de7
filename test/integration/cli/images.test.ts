// `berth image ...` (the built CLI bundle) against an engine on its own temporary root: import, ls (table, -q,
// json, filters), inspect, tag, history, save | load round trip, rm, prune, and the error for a pull.

import { execa } from 'execa';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBusyboxTar } from '../../helpers/rootfs.js';
import { buildBerthBundle } from '../server/bundle.js';
import { startTestEngine, type TestEngine } from '../server/engine-fixture.js';

let engine: TestEngine;
let bundle: string;
let busyboxTar: string;

function berth(args: string[], options: { input?: string | Buffer; reject?: boolean } = {}) {
  return execa(process.execPath, [bundle, ...args], {
    env: {
      BERTH_ROOT: engine.config.root,
      BERTH_RUN: engine.config.runDir,
      BERTH_HOST: `unix://${engine.config.socket}`,
    },
    reject: options.reject ?? true,
    ...(options.input === undefined ? {} : { input: options.input }),
    encoding: 'utf8',
  });
}

beforeAll(async () => {
  engine = await startTestEngine();
  bundle = await buildBerthBundle(path.join(engine.dir, 'bundle'));
  busyboxTar = path.join(engine.dir, 'busybox.tar');
  await makeBusyboxTar(busyboxTar);
});

afterAll(async () => {
  await engine?.cleanup();
});

describe('berth image', () => {
  let id = '';

  it('imports a rootfs tar and prints the image ID', async () => {
    const result = await berth(['image', 'import', '-c', 'CMD ["sh"]', '-m', 'suite', busyboxTar, 'bb:one']);
    id = result.stdout.trim();
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('imports from stdin without a tag', async () => {
    const input = await readFile(busyboxTar);
    const result = await berth(['image', 'import', '-c', 'ENV X=1', '-'], { input });
    expect(result.stdout.trim()).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(result.stdout.trim()).not.toBe(id);
  });

  it('lists images as a Docker-like table, IDs and JSON lines', async () => {
    const table = await berth(['image', 'ls']);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    expect(lines).toHaveLength(3);
    const row = lines.find((l) => l.startsWith('bb '));
    expect(row).toMatch(
      new RegExp(
        `^bb\\s+one\\s+${id.slice(7, 19)}\\s+(Less than a second|\\d+ seconds?) ago\\s+\\d+(\\.\\d+)?MB$`,
      ),
    );
    expect(lines.some((l) => /^<none>\s+<none>\s+[0-9a-f]{12}\s/.test(l))).toBe(true);

    const json = await berth(['image', 'ls', '--format', 'json', '--filter', 'dangling=false']);
    const rows = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ Repository: 'bb', Tag: 'one', ID: id.slice(7, 19) });

    const quiet = await berth(['image', 'ls', '-q', '--no-trunc', 'bb']);
    expect(quiet.stdout.trim()).toBe(id);
  });

  it('inspects, tags and shows history', async () => {
    const inspect = JSON.parse((await berth(['image', 'inspect', 'bb:one'])).stdout) as Array<{
      Id: string;
      Config: { Cmd: string[] };
      Comment: string;
    }>;
    expect(inspect).toHaveLength(1);
    expect(inspect[0]?.Id).toBe(id);
    expect(inspect[0]?.Config.Cmd).toEqual(['sh']);
    expect(inspect[0]?.Comment).toBe('suite');

    await berth(['image', 'tag', 'bb:one', 'localhost:5000/team/bb:two']);
    const tags = await berth(['image', 'ls', '--format', 'json', 'localhost:5000/*/*']);
    expect(JSON.parse(tags.stdout.trim())).toMatchObject({
      Repository: 'localhost:5000/team/bb',
      Tag: 'two',
    });

    const history = await berth(['image', 'history', 'bb:one']);
    const [header, first] = history.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
    expect(first).toMatch(new RegExp(`^${id.slice(7, 19)}\\s+.+ ago\\s+\\S+MB\\s+suite$`));
  });

  it('fails clearly for unknown images and pulls', async () => {
    const missing = await berth(['image', 'inspect', 'nope'], { reject: false });
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('No such image: nope');
    const rm = await berth(['image', 'rm', 'nope'], { reject: false });
    expect(rm.exitCode).toBe(1);
    expect(rm.stderr).toContain('No such image: nope');
  });

  it('saves to a file and to stdout, and loads both back with the same ID', async () => {
    const archive = path.join(engine.dir, 'bb.tar');
    await berth(['image', 'save', '-o', archive, 'bb:one']);
    expect((await stat(archive)).size).toBeGreaterThan(1024 * 1024);

    const removed = await berth(['image', 'rm', '-f', id]);
    expect(removed.stdout).toContain('Untagged: bb:one');
    expect(removed.stdout).toContain('Untagged: localhost:5000/team/bb:two');
    expect(removed.stdout).toContain(`Deleted: ${id}`);

    const loaded = await berth(['image', 'load', '-i', archive]);
    expect(loaded.stdout.trim()).toBe('Loaded image: bb:one');
    expect((await berth(['image', 'ls', '-q', '--no-trunc', 'bb:one'])).stdout.trim()).toBe(id);

    const saved = await execa(process.execPath, [bundle, 'image', 'save', 'bb:one'], {
      env: {
        BERTH_ROOT: engine.config.root,
        BERTH_RUN: engine.config.runDir,
        BERTH_HOST: `unix://${engine.config.socket}`,
      },
      encoding: 'buffer',
    });
    const piped = path.join(engine.dir, 'piped.tar');
    await writeFile(piped, saved.stdout);
    await berth(['image', 'rm', 'bb:one']);
    const fromStdin = await berth(['image', 'load'], { input: await readFile(piped) });
    expect(fromStdin.stdout.trim()).toBe('Loaded image: bb:one');
  });

  it('prunes dangling images, then all', async () => {
    const dangling = await berth(['image', 'prune', '-f']);
    expect(dangling.stdout).toMatch(
      /^Deleted Images:\ndeleted: sha256:[0-9a-f]{64}\n\nTotal reclaimed space: \S+MB$/,
    );
    const all = await berth(['image', 'prune', '-a'], { input: 'y\n' });
    expect(all.stdout).toContain('untagged: bb:one');
    expect(all.stdout).toContain(`deleted: ${id}`);
    expect((await berth(['image', 'ls', '-q'])).stdout.trim()).toBe('');
    const nothing = await berth(['image', 'prune', '-f']);
    expect(nothing.stdout).toBe('Total reclaimed space: 0B');
  });
});
