// The real docker CLI against berth's engine for images: import a busybox rootfs, list, inspect, tag, history,
// save | load round trip, rmi and prune. One engine on its own temporary root for the whole file.

import { execa } from 'execa';
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeModules } from '../../../src/engine/server/routes/index.js';
import { makeBusyboxTar } from '../../helpers/rootfs.js';
import { startTestEngine, type TestEngine } from '../server/engine-fixture.js';

const hasContainerRoutes = routeModules.some((m) => m.name === 'containers');

let engine: TestEngine;
let busyboxTar: string;
let env: Record<string, string>;

async function docker(args: string[], options: { input?: string | Buffer; reject?: boolean } = {}) {
  return execa('docker', args, {
    env,
    reject: options.reject ?? true,
    ...(options.input === undefined ? {} : { input: options.input }),
    encoding: 'utf8',
  });
}

beforeAll(async () => {
  engine = await startTestEngine();
  busyboxTar = path.join(engine.dir, 'busybox.tar');
  await makeBusyboxTar(busyboxTar);
  const dockerConfig = path.join(engine.dir, 'docker-config');
  await mkdir(dockerConfig);
  env = { DOCKER_HOST: `unix://${engine.config.socket}`, DOCKER_CONFIG: dockerConfig };
});

afterAll(async () => {
  await engine?.cleanup();
});

describe('docker CLI: images', () => {
  let id = '';
  const started = Math.floor(Date.now() / 1000) - 1;

  it('imports a rootfs tar with a tag and changes, printing the image ID', async () => {
    const result = await docker([
      'import',
      '--change',
      'CMD ["sh"]',
      '-m',
      'from the suite',
      busyboxTar,
      'bb:one',
    ]);
    id = result.stdout.trim();
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('lists it in `docker images`, with JSON fields the CLI formats', async () => {
    const table = await docker(['images']);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(
      new RegExp(`^bb\\s+one\\s+${id.slice(7, 19)}\\s+(Less than a second|\\d+ seconds?) ago\\s+\\d`),
    );
    const json = await docker(['images', '--format', '{{json .}}']);
    const row = JSON.parse(json.stdout.trim()) as Record<string, string>;
    expect(row.Repository).toBe('bb');
    expect(row.Tag).toBe('one');
    expect(row.ID).toBe(id.slice(7, 19));
    const quiet = await docker(['images', '-q', '--no-trunc']);
    expect(quiet.stdout.trim()).toBe(id);
  });

  it('inspects the image: config from --change, layers, comment', async () => {
    const result = await docker(['image', 'inspect', 'bb:one']);
    const [inspect] = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
    expect(inspect?.Id).toBe(id);
    expect(inspect?.RepoTags).toEqual(['bb:one']);
    expect(inspect?.RepoDigests).toEqual([]);
    expect((inspect?.Config as { Cmd: string[] }).Cmd).toEqual(['sh']);
    expect((inspect?.RootFS as { Type: string; Layers: string[] }).Type).toBe('layers');
    expect((inspect?.RootFS as { Layers: string[] }).Layers).toHaveLength(1);
    expect(inspect?.Comment).toBe('from the suite');
    expect(inspect?.Os).toBe('linux');
    expect((inspect?.GraphDriver as { Name: string }).Name).toBe('overlay2');
    const size = await docker(['image', 'inspect', '-f', '{{.Size}}', id.slice(7, 19)]);
    expect(Number(size.stdout.trim())).toBeGreaterThan((await stat('/bin/busybox')).size);
  });

  it('tags, filters by reference and dangling', async () => {
    await docker(['tag', 'bb:one', 'example.com/team/bb:two']);
    const all = await docker(['images', '--format', '{{.Repository}}:{{.Tag}}']);
    expect(all.stdout.trim().split('\n').sort()).toEqual(['bb:one', 'example.com/team/bb:two']);
    const filtered = await docker([
      'images',
      '--filter',
      'reference=bb',
      '--format',
      '{{.Repository}}:{{.Tag}}',
    ]);
    expect(filtered.stdout.trim()).toBe('bb:one');
    const glob = await docker(['images', '--filter', 'reference=*/*/bb:*', '--format', '{{.Tag}}']);
    expect(glob.stdout.trim()).toBe('two');
    const dangling = await docker(['images', '--filter', 'dangling=true', '-q']);
    expect(dangling.stdout.trim()).toBe('');
    const bad = await docker(['images', '--filter', 'colour=red'], { reject: false });
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stderr).toContain("invalid filter 'colour'");
  });

  it('shows history with the import comment', async () => {
    const result = await docker([
      'history',
      '--no-trunc',
      '--format',
      '{{.ID}}|{{.Comment}}|{{.CreatedBy}}',
      'bb:one',
    ]);
    expect(result.stdout.trim()).toBe(`${id}|from the suite|`);
    const table = await docker(['history', 'bb:one']);
    expect(table.stdout.split('\n')[0]).toMatch(/^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
  });

  it('round-trips `docker save | docker load` with the same ID', async () => {
    const archive = path.join(engine.dir, 'saved.tar');
    await docker(['save', '-o', archive, 'bb:one']);
    const bytes = await readFile(archive);
    expect(bytes.length).toBeGreaterThan(1024 * 1024);
    const removed = await docker(['rmi', '-f', 'bb:one', 'example.com/team/bb:two']);
    expect(removed.stdout).toContain('Untagged: bb:one');
    expect(removed.stdout).toContain(`Deleted: ${id}`);
    expect((await docker(['images', '-q'])).stdout.trim()).toBe('');

    const loaded = await docker(['load'], { input: bytes });
    expect(loaded.stdout.trim()).toBe('Loaded image: bb:one');
    const again = await docker(['image', 'inspect', '-f', '{{.Id}}', 'bb:one']);
    expect(again.stdout.trim()).toBe(id);
  });

  it('streams `docker save` to stdout and loads it from a file with -i', async () => {
    const saved = await execa('docker', ['save', 'bb'], { env, encoding: 'buffer' });
    const file = path.join(engine.dir, 'stdout.tar');
    await import('node:fs/promises').then((fs) => fs.writeFile(file, saved.stdout));
    const loaded = await docker(['load', '-i', file]);
    expect(loaded.stdout.trim()).toBe('Loaded image: bb:one');
  });

  it('refuses unknown images and pulls with clear messages', async () => {
    const missing = await docker(['image', 'inspect', 'nope:1'], { reject: false });
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('No such image: nope:1');
    const rmi = await docker(['rmi', 'nope:1'], { reject: false });
    expect(rmi.stderr).toContain('No such image: nope:1');
    // A loopback registry that is not listening: the pull fails without leaving this machine.
    const pull = await docker(['pull', '127.0.0.1:9/alpine:3.20'], { reject: false });
    expect(pull.exitCode).toBe(1);
    expect(pull.stderr).toContain('cannot reach http://127.0.0.1:9');
  });

  it.skipIf(!hasContainerRoutes)('ends `docker run` of a missing image with the pull message', async () => {
    const run = await docker(['run', '--rm', '127.0.0.1:9/missing-image', 'true'], { reject: false });
    expect(run.exitCode).toBe(125);
    expect(run.stderr).toContain("Unable to find image '127.0.0.1:9/missing-image:latest' locally");
    expect(run.stderr).toContain('cannot reach http://127.0.0.1:9');
  });

  it('untags with rmi, then prunes the dangling image', async () => {
    await docker(['tag', 'bb:one', 'bb:keep']);
    const untag = await docker(['rmi', 'bb:one']);
    expect(untag.stdout.trim()).toBe('Untagged: bb:one');
    // Import a second, untagged image: it is dangling.
    const second = (await docker(['import', '-c', 'ENV A=1', busyboxTar])).stdout.trim();
    const dangling = await docker(['images', '--filter', 'dangling=true', '-q', '--no-trunc']);
    expect(dangling.stdout.trim()).toBe(second);
    const pruned = await docker(['image', 'prune', '-f']);
    expect(pruned.stdout).toContain(`deleted: ${second}`);
    expect(pruned.stdout).toMatch(/Total reclaimed space: \d/);
    const left = await docker(['images', '--format', '{{.Repository}}:{{.Tag}}']);
    expect(left.stdout.trim()).toBe('bb:keep');
    const all = await docker(['image', 'prune', '-a', '-f']);
    expect(all.stdout).toContain('untagged: bb:keep');
    expect(all.stdout).toContain(`deleted: ${id}`);
    expect((await docker(['images', '-q'])).stdout.trim()).toBe('');
  });

  it('published image events for each change', async () => {
    const until = String(Math.ceil(Date.now() / 1000) + 1);
    const events = await docker([
      'events',
      '--since',
      String(started),
      '--until',
      until,
      '--filter',
      'type=image',
      '--format',
      '{{.Action}}',
    ]);
    const actions = new Set(events.stdout.trim().split('\n'));
    expect([...actions].sort()).toEqual(['delete', 'import', 'load', 'tag', 'untag']);
  });
});
