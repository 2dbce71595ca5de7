// examples/quickstart through the built CLI on an engine of its own, with debian:bookworm loaded from the
// per-day bootstrap archive: `up --build -d --wait` builds the three images from Debian's mirror and brings the
// stack up; the page on 127.0.0.1 shows the Redis visit counter and the rows the migration wrote to PostgreSQL;
// the migration applies once however often the job runs; `up --watch` puts an edited template on the page, and
// Ctrl-C stops the stack.
import { writeFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchText, openExample, until, type ExampleProject } from './example-project.js';

let example: ExampleProject;

async function sql(query: string): Promise<string> {
  const result = await example.berth(['exec', '-T', 'db', 'psql', '-U', 'app', '-d', 'app', '-tAc', query]);
  expect(result.exitCode, result.stderr).toBe(0);
  return result.stdout.trim();
}

const visits = (page: string | undefined) => Number(/id="visits">(\d+)</.exec(page ?? '')?.[1]);

beforeAll(async () => {
  example = await openExample('quickstart', 'berth-e2e-example-quickstart-', {
    debian: true,
    portVariable: 'QUICKSTART_PORT',
  });
  // The first build installs Debian packages from the mirror: minutes, not seconds.
  const up = await example.berth(['up', '--build', '-d', '--wait'], {}, { timeout: 900_000 });
  expect(up.exitCode, up.stdout + up.stderr).toBe(0);
}, 1_000_000);

afterAll(async () => {
  await example?.close();
}, 180_000);

describe('examples/quickstart', () => {
  it('serves the page on 127.0.0.1 with the cache counter and the database rows', async () => {
    const first = await fetchText(example.port, '/');
    expect(first).toContain('<h1>berth quickstart</h1>');
    expect(first).toContain('This row was written by the migration job.');
    const second = await fetchText(example.port, '/');
    expect(visits(second)).toBe(visits(first) + 1);
    const status = JSON.parse((await fetchText(example.port, '/api/status')) ?? '{}') as {
      visits: number;
      notes: Array<{ body: string }>;
    };
    expect(status.visits).toBe(visits(second));
    expect(status.notes.map((note) => note.body)).toHaveLength(3);
  });

  it('applies the migration once, even when the job runs again', async () => {
    expect(await sql('SELECT count(*) FROM schema_migrations')).toBe('1');
    const again = await example.berth(['up', '-d', '--wait'], {}, { timeout: 300_000 });
    expect(again.exitCode, again.stderr).toBe(0);
    const logs = await example.berth(['logs', 'migrate']);
    expect(logs.stdout).toMatch(/migrate: applied 001_notes/);
    expect(logs.stdout).toMatch(/migrate: 001_notes already applied/);
    expect(await sql('SELECT count(*) FROM schema_migrations')).toBe('1');
    expect(await sql('SELECT count(*) FROM notes')).toBe('3');
  });

  it('up --watch puts an edited template on the page; Ctrl-C stops the stack', async () => {
    const child = example.spawn(['up', '--watch']);
    let output = '';
    child.all?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await until(async () => /watching 3 rule/.test(output), 60_000, `the watcher to start:\n${output}`);
      const template = path.join(example.dir, 'app/src/templates/index.html');
      const text = await readFile(template, 'utf8');
      await writeFile(template, text.replace('Notes from PostgreSQL', 'Rows from PostgreSQL'));
      await until(
        async () => (await fetchText(example.port, '/'))?.includes('Rows from PostgreSQL') === true,
        30_000,
        `the edited page:\n${output}`,
      );
      expect(output).toMatch(/watch web {2}synced \/app\/src\/templates\/index\.html/);
    } finally {
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGINT');
    }
    const ended = await child;
    expect(ended.exitCode, output).toBe(130);
    const ps = await example.berth(['ps', '--format', 'json']);
    expect(ps.stdout.trim()).toBe('');
  }, 180_000);
});
