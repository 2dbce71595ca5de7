// `berth up`'s flags through the built CLI on an engine of its own: --no-deps, --attach / --no-attach and
// `attach: false`, --abort-on-container-failure, --exit-code-from (never 0 for a stopped or killed service),
// attached mode following a container that restarts or is recreated, Ctrl-C (graceful, then forced), `run`
// of a service without dependencies creating the project's network and volume itself, and the progress rows
// drawn in place on a terminal (a pseudo-terminal made by `script`).
import { execa } from 'execa';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openTinyProject, type TinyProject } from './tiny-project.js';

let tiny: TinyProject;
const projects: string[] = [];
const berth: TinyProject['berth'] = (...args) => tiny.berth(...args);
const IMAGE = 'berth.local/busybox:latest';
const idle = (text: string) =>
  `["sh", "-c", "trap 'exit 0' TERM; echo ${text}; while true; do sleep 1; done"]`;

/** A compose file of its own under the suite's directory; `down` at the end of the suite. */
async function composeFile(name: string, text: string): Promise<string> {
  const projectDir = path.join(tiny.dir, name);
  await mkdir(projectDir, { recursive: true });
  const file = path.join(projectDir, 'compose.yaml');
  await writeFile(file, `name: ${name}\n${text}`);
  projects.push(file);
  return file;
}

/** `berth up` left running; `seen(text)` resolves once its output (either stream) shows the text. */
function attachedUp(args: string[], env: Record<string, string> = {}) {
  const child = berth(args, env);
  let output = '';
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  const onData = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    for (const waiter of waiters.filter((w) => output.includes(w.text))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return {
    child,
    output: () => output,
    seen: (text: string, timeoutMs = 30_000) =>
      new Promise<void>((resolve, reject) => {
        if (output.includes(text)) return resolve();
        const timer = setTimeout(() => reject(new Error(`never saw "${text}" in:\n${output}`)), timeoutMs);
        waiters.push({
          text,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      }),
    interrupt: () => {
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGINT');
    },
  };
}

async function states(file: string): Promise<Record<string, string>> {
  const ps = await berth(['-f', file, 'ps', '-a', '--format', 'json']);
  expect(ps.exitCode).toBe(0);
  const lines = ps.stdout.trim() === '' ? [] : ps.stdout.trim().split('\n');
  return Object.fromEntries(
    lines.map((line) => {
      const entry = JSON.parse(line) as { Name: string; State: string; ExitCode?: number };
      return [entry.Name, `${entry.State}${entry.State === 'exited' ? ` ${entry.ExitCode}` : ''}`];
    }),
  );
}

beforeAll(async () => {
  tiny = await openTinyProject('berth-e2e-upflags-');
});

/** The projects go down after each test: the suite's engine has room for three networks only. */
afterEach(async () => {
  for (const file of projects) await berth(['-f', file, 'down', '-v', '--remove-orphans', '-t', '0']);
});

afterAll(async () => {
  for (const file of projects) await berth(['-f', file, 'down', '-v', '--remove-orphans', '-t', '0']);
  await tiny?.close();
});

describe('up --no-deps', () => {
  it('creates and starts only the named service, and leaves running dependencies alone', async () => {
    const file = await composeFile(
      'nodeps',
      `services:
  db:
    image: ${IMAGE}
    command: ${idle('db')}
    volumes: [data:/data]
  app:
    image: ${IMAGE}
    command: ${idle('app')}
    depends_on: { db: { condition: service_healthy } }
volumes:
  data:
`,
    );
    const only = await berth(['-f', file, '--progress', 'plain', 'up', '-d', '--no-deps', 'app']);
    expect(only.stderr).not.toContain('nodeps-db-1');
    expect(only.stderr).not.toContain('Volume nodeps_data');
    expect(only.exitCode).toBe(0);
    expect(await states(file)).toEqual({ 'nodeps-app-1': 'running' });
    // Without --no-deps, db is created; a later --no-deps recreate of app keeps db as it is.
    await berth(['-f', file, 'down', '-t', '0']);
    const all = await berth(['-f', file, 'up', '-d', 'db']);
    expect(all.exitCode).toBe(0);
    const again = await berth(['-f', file, '--progress', 'plain', 'up', '-d', '--no-deps', 'app']);
    expect(again.exitCode).toBe(0);
    expect(again.stderr).not.toContain('orphan');
    expect(again.stderr).not.toContain('nodeps-db-1');
    expect(await states(file)).toEqual({ 'nodeps-app-1': 'running', 'nodeps-db-1': 'running' });
    // The services left out of `up SERVICE` are no orphans.
    const one = await berth(['-f', file, 'up', '-d', '--remove-orphans', 'db']);
    expect(one.exitCode).toBe(0);
    expect(one.stderr).not.toContain('orphan');
    expect(await states(file)).toEqual({ 'nodeps-app-1': 'running', 'nodeps-db-1': 'running' });
  });
});

describe('attached up', () => {
  let file: string;

  beforeAll(async () => {
    file = await composeFile(
      'attach',
      `services:
  first:
    image: ${IMAGE}
    command: ["sh", "-c", "echo from-first; sleep 1"]
  second:
    image: ${IMAGE}
    command: ["sh", "-c", "echo from-second; sleep 1"]
  quiet:
    image: ${IMAGE}
    attach: false
    command: ["sh", "-c", "echo from-quiet; sleep 1"]
`,
    );
  });

  it('prints every service but those with attach: false, and ends when all have exited', async () => {
    const run = await berth(['-f', file, 'up']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('from-first');
    expect(run.stdout).toContain('from-second');
    expect(run.stdout).not.toContain('from-quiet');
    expect(run.stdout).toContain('first-1 exited with code 0');
  });

  it('--attach picks the services printed (attach: false ones too); --no-attach leaves one out', async () => {
    const picked = await berth(['-f', file, 'up', '--attach', 'quiet', '--attach', 'first']);
    expect(picked.exitCode).toBe(0);
    expect(picked.stdout).toContain('from-quiet');
    expect(picked.stdout).toContain('from-first');
    expect(picked.stdout).not.toContain('from-second');
    const without = await berth(['-f', file, 'up', '--no-attach', 'second']);
    expect(without.exitCode).toBe(0);
    expect(without.stdout).toContain('from-first');
    expect(without.stdout).not.toContain('from-second');
    expect(without.stdout).not.toContain('from-quiet');
    const unknown = await berth(['-f', file, 'up', '--attach', 'nope']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('cannot attach to services not included in up: nope');
    expect((await berth(['-f', file, 'up', '-d', '--attach', 'first'])).exitCode).toBe(2);
  });
});

describe('abort and exit codes', () => {
  let file: string;

  beforeAll(async () => {
    file = await composeFile(
      'abort',
      `services:
  ok:
    image: ${IMAGE}
    command: ["sh", "-c", "echo ok; exit 0"]
  tests:
    image: ${IMAGE}
    command: ["sh", "-c", "sleep 2; echo tests done; exit $$CODE"]
    environment: { CODE: "\${CODE:-0}" }
  server:
    image: ${IMAGE}
    command: ${idle('serving')}
`,
    );
  });

  it('--abort-on-container-failure ignores exits with 0 and stops all at the first failure, with its code', async () => {
    const run = await berth(['-f', file, 'up', '--abort-on-container-failure'], { CODE: '7' });
    expect(run.stdout).toContain('ok-1 exited with code 0');
    expect(run.stdout).toContain('tests-1 exited with code 7');
    expect(run.stderr).toContain('Aborting on container exit...');
    expect(run.exitCode).toBe(7);
    expect(await states(file)).toEqual({
      'abort-ok-1': 'exited 0',
      'abort-tests-1': 'exited 7',
      'abort-server-1': 'exited 0',
    });
  });

  it('--exit-code-from passes the service code on, 143 when the abort stopped it, 137 when it was killed', async () => {
    const own = await berth(['-f', file, 'up', '--exit-code-from', 'tests'], { CODE: '3' });
    expect(own.stdout).toContain('tests done');
    expect(own.exitCode).toBe(3);
    // The server traps SIGTERM and exits 0 when the abort stops it: still not a success.
    const stopped = await berth([
      '-f',
      file,
      'up',
      '--abort-on-container-exit',
      '--exit-code-from',
      'server',
      'server',
      'tests',
    ]);
    expect(stopped.stdout).toContain('tests-1 exited with code 0');
    expect(stopped.exitCode).toBe(143);
    const up = attachedUp(['-f', file, 'up', '--exit-code-from', 'server', 'server']);
    await up.seen('serving');
    expect((await berth(['-f', file, 'kill', 'server'])).exitCode).toBe(0);
    const killed = await up.child;
    expect(killed.stdout).toContain('server-1 exited with code 137');
    expect(killed.exitCode).toBe(137);
  });
});

describe('following', () => {
  it('keeps following a container that restarts, and the new container of a recreated service', async () => {
    const file = await composeFile(
      'follow',
      `services:
  flaky:
    image: ${IMAGE}
    command: ["sh", "-c", "echo flaky run; sleep 1; exit 3"]
    restart: on-failure:2
  steady:
    image: ${IMAGE}
    command: ${idle('steady $$VERSION')}
    environment: { VERSION: "\${VERSION:-one}" }
`,
    );
    const up = attachedUp(['-f', file, 'up']);
    try {
      await up.seen('flaky-1 exited with code 3\n');
      expect(up.output().match(/flaky run/g)?.length).toBe(3);
      expect(up.output()).toContain('flaky-1 exited with code 3 (restarting)');
      await up.seen('steady one');
      const recreate = await berth(['-f', file, 'up', '-d', 'steady'], { VERSION: 'two' });
      expect(recreate.exitCode).toBe(0);
      await up.seen('steady two');
    } finally {
      up.interrupt();
    }
    const ended = await up.child;
    expect(ended.exitCode).toBe(130);
    expect(ended.stderr).toContain('Gracefully stopping...');
    expect(await states(file)).toEqual({ 'follow-flaky-1': 'exited 3', 'follow-steady-1': 'exited 0' });
  });
});

describe('Ctrl-C', () => {
  it('stops the stack gracefully, and a second Ctrl-C kills what does not stop', async () => {
    const file = await composeFile(
      'ctrlc',
      `services:
  polite:
    image: ${IMAGE}
    command: ${idle('polite')}
  stubborn:
    image: ${IMAGE}
    command: ["sh", "-c", "trap '' TERM; echo stubborn; while true; do sleep 1; done"]
    stop_grace_period: 2m
`,
    );
    const up = attachedUp(['-f', file, '--progress', 'plain', 'up']);
    await up.seen('stubborn');
    await up.seen('polite');
    up.interrupt();
    await up.seen('Container ctrlc-polite-1  Stopped');
    const before = Date.now();
    up.interrupt();
    const ended = await up.child;
    expect(Date.now() - before).toBeLessThan(30_000);
    expect(ended.exitCode).toBe(130);
    expect(await states(file)).toEqual({ 'ctrlc-polite-1': 'exited 0', 'ctrlc-stubborn-1': 'exited 137' });
  });
});

describe('run', () => {
  it('creates the network and volume of a service without dependencies before its one-off', async () => {
    const file = await composeFile(
      'oneoff',
      `services:
  job:
    image: ${IMAGE}
    command: ["sh", "-c", "echo job > /data/out; cat /data/out"]
    volumes: [data:/data]
volumes:
  data:
`,
    );
    const run = await berth(['-f', file, 'run', '--rm', 'job']);
    expect(run.stderr).not.toContain('not found');
    expect(run.stdout).toContain('job');
    expect(run.exitCode).toBe(0);
    expect((await berth(['network', 'ls'])).stdout).toContain('oneoff_default');
    expect((await berth(['volume', 'ls'])).stdout).toContain('oneoff_data');
    expect(await states(file)).toEqual({});
    expect((await berth(['-f', file, 'down', '-v'])).exitCode).toBe(0);
    expect((await berth(['network', 'ls'])).stdout).not.toContain('oneoff_default');
  });
});

const ESC = String.fromCharCode(27);
const CURSOR_UP = new RegExp(`^${ESC}\\[\\d*A$`);

/** The screen a terminal shows after `text` (cursor up, erase line, erase below): what the user ends up seeing. */
function finalScreen(text: string): string[] {
  const lines: string[] = [];
  let row = 0;
  for (const part of text.split(new RegExp(`(${ESC}\\[\\d*[AJK]|\\n)`))) {
    if (part === '\n') row++;
    else if (CURSOR_UP.test(part)) row -= Number(/\d+/.exec(part)?.[0] ?? 1);
    else if (part === `${ESC}[0J`) lines.length = row;
    else if (part === `${ESC}[2K`) lines[row] = '';
    else if (part !== '') lines[row] = (lines[row] ?? '') + part.replace(/\r/g, '');
  }
  return lines.filter((line) => line !== '');
}

describe('progress on a terminal', () => {
  it('draws one row per resource in place, each with its status and time', async () => {
    const command = `stty cols 120 rows 40; ${process.execPath} -- ${path.resolve('bin/berth.js')} up -d --wait`;
    const run = await execa('script', ['-qfec', command, '/dev/null'], {
      cwd: path.resolve('examples/tiny'),
      env: tiny.env,
      extendEnv: false,
      reject: false,
      timeout: 120_000,
    });
    expect(run.exitCode).toBe(0);
    // Rows are drawn again in place, not appended.
    expect(run.stdout).toMatch(new RegExp(`${ESC}\\[\\d+A`));
    const screen = finalScreen(run.stdout);
    expect(screen[0]).toBe('[+] Running 5/5');
    expect(screen.slice(1).map((line) => line.replace(/\d+\.\ds$/, 'T').replace(/ +/g, ' '))).toEqual([
      ' ✔ Network tiny_default Created T',
      ' ✔ Volume tiny_site Created T',
      ' ✔ Container tiny-seed-1 Exited T',
      ' ✔ Container tiny-web-1 Healthy T',
      ' ✔ Container tiny-worker-1 Running T',
    ]);
    expect((await berth(['down', '-v', '-t', '0'])).exitCode).toBe(0);
  });
});
