import { chmod, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { afterEach, describe, expect, it } from 'vitest';
import { packContext } from './pack.js';

interface Listed {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  linkname?: string;
  body: string;
  mtime: number;
}

async function list(stream: Readable): Promise<Listed[]> {
  const extract = tar.extract();
  stream.pipe(extract as unknown as NodeJS.WritableStream);
  const out: Listed[] = [];
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    const h = entry.header;
    out.push({
      name: h.name,
      type: h.type,
      mode: h.mode,
      uid: h.uid,
      gid: h.gid,
      ...(h.type === 'symlink' ? { linkname: h.linkname } : {}),
      body: Buffer.concat(chunks).toString(),
      mtime: h.mtime.getTime(),
    });
  }
  return out;
}

let dir: string | undefined;
afterEach(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('packContext', () => {
  it('packs a sorted tree with modes, links and mtimes, leaving ignored files out', async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-pack-'));
    await mkdir(join(dir, 'src'));
    await mkdir(join(dir, 'node_modules/x'), { recursive: true });
    await mkdir(join(dir, 'docs'));
    await writeFile(join(dir, 'Dockerfile'), 'FROM scratch\n');
    await writeFile(
      join(dir, '.dockerignore'),
      'Dockerfile\n.dockerignore\nnode_modules\ndocs\n!docs/keep.md\n*.log\n',
    );
    await writeFile(join(dir, 'src/run.sh'), 'echo hi\n');
    await chmod(join(dir, 'src/run.sh'), 0o750);
    await utimes(join(dir, 'src/run.sh'), 1_000_000, 1_000_000);
    await writeFile(join(dir, 'src/empty'), '');
    await writeFile(join(dir, 'debug.log'), 'x');
    await writeFile(join(dir, 'node_modules/x/index.js'), 'x');
    await writeFile(join(dir, 'docs/keep.md'), 'keep');
    await writeFile(join(dir, 'docs/drop.md'), 'drop');
    await symlink('../Dockerfile', join(dir, 'src/link'));
    await symlink('/etc/passwd', join(dir, 'abs-link'));

    const entries = await list(
      packContext(dir, {
        ignore: ['Dockerfile', '.dockerignore', 'node_modules', 'docs', '!docs/keep.md', '*.log'],
      }),
    );
    expect(entries.map((e) => e.name)).toEqual([
      '.dockerignore',
      'Dockerfile',
      'abs-link',
      'docs/keep.md',
      'src',
      'src/empty',
      'src/link',
      'src/run.sh',
    ]);
    const run = entries.find((e) => e.name === 'src/run.sh');
    expect(run).toMatchObject({
      type: 'file',
      mode: 0o750,
      uid: 0,
      gid: 0,
      body: 'echo hi\n',
      mtime: 1_000_000_000,
    });
    expect(entries.find((e) => e.name === 'src/link')).toMatchObject({
      type: 'symlink',
      linkname: '../Dockerfile',
    });
    expect(entries.find((e) => e.name === 'abs-link')).toMatchObject({
      type: 'symlink',
      linkname: '/etc/passwd',
    });
    expect(entries.find((e) => e.name === 'src')?.type).toBe('directory');
  });

  it('keeps a Dockerfile in an ignored directory', async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-pack-'));
    await mkdir(join(dir, 'build'));
    await writeFile(join(dir, 'build/Dockerfile'), 'FROM scratch\n');
    await writeFile(join(dir, 'build/other'), 'x');
    const entries = await list(packContext(dir, { ignore: ['build'], dockerfile: 'build/Dockerfile' }));
    expect(entries.map((e) => e.name)).toEqual(['build/Dockerfile']);
  });
});
