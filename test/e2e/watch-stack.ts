// A throwaway compose project for the watch suites: its own directory and engine (state root, run dir, bridge
// prefix and subnet pool), the busybox image of scripts/busybox-image.sh, the built CLI run in the project's
// directory, a `berth watch` child whose output is collected, and reads of files inside a service container.
// close() stops the watcher it started (by pid), takes the project down, stops the engine and removes the directory.
import { execa, type ResultPromise } from 'execa';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { networkSlotEnv } from '../helpers/network-slot.js';

const berthBin = path.resolve('bin/berth.js');

export interface Watcher {
  /** Everything the watcher printed so far (stdout and stderr). */
  output(): string;
  /** Waits until the output matches (at most `timeoutMs`). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface WatchStack {
  root: string;
  /** The project directory. */
  dir: string;
  env: Record<string, string>;
  berth(args: string[]): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }>;
  write(rel: string, content: string | Buffer): Promise<void>;
  watch(args?: string[]): Promise<Watcher>;
  /** `cat` of a file in the service's container; undefined when it does not exist. */
  read(service: string, file: string): Promise<string | undefined>;
  /** Polls `check` until it returns true (at most `timeoutMs`). */
  until(check: () => Promise<boolean>, timeoutMs?: number): Promise<void>;
  containerId(service: string): Promise<string>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function openWatchStack(prefix: string, files: Record<string, string>): Promise<WatchStack> {
  const root = await mkdtemp(path.join(os.tmpdir(), prefix));
  const dir = path.join(root, 'project');
  await mkdir(dir, { recursive: true });
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    BERTH_ROOT: path.join(root, 'root'),
    BERTH_RUN: path.join(root, 'run'),
    ...networkSlotEnv(root),
  };
  const image = await execa('bash', [path.resolve('scripts/busybox-image.sh')], {
    env,
    extendEnv: false,
    reject: false,
  });
  expect(image.stderr).toBe('');
  expect(image.exitCode).toBe(0);
  const watchers: ResultPromise[] = [];
  const berth = async (args: string[]) => {
    const result = await execa(process.execPath, ['--', berthBin, '--progress', 'plain', ...args], {
      cwd: dir,
      env,
      extendEnv: false,
      reject: false,
      timeout: 120_000,
    });
    return { exitCode: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
  };
  const write = async (rel: string, content: string | Buffer) => {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), content);
  };
  for (const [rel, content] of Object.entries(files)) await write(rel, content);
  const until = async (check: () => Promise<boolean>, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await sleep(100);
    }
  };
  const stack: WatchStack = {
    root,
    dir,
    env,
    berth,
    write,
    until,
    async watch(args = []) {
      const child = execa(process.execPath, ['--', berthBin, '--progress', 'plain', 'watch', ...args], {
        cwd: dir,
        env,
        extendEnv: false,
        reject: false,
        all: true,
      });
      watchers.push(child);
      let text = '';
      child.all?.on('data', (chunk: Buffer) => (text += chunk.toString()));
      const watcher: Watcher = {
        output: () => text,
        async waitFor(pattern, timeoutMs = 30_000) {
          const deadline = Date.now() + timeoutMs;
          while (!pattern.test(text)) {
            if (Date.now() > deadline || child.exitCode !== null)
              throw new Error(`watch output did not match ${pattern}:\n${text}`);
            await sleep(50);
          }
        },
        async stop() {
          if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
          await child;
        },
      };
      await watcher.waitFor(/watching \d+ rule/);
      return watcher;
    },
    async read(service, file) {
      const result = await berth(['exec', '-T', service, 'cat', file]);
      return result.exitCode === 0 ? result.stdout : undefined;
    },
    async containerId(service) {
      // Through the engine, not the project: this works while compose.yaml is invalid too.
      const result = await berth(['container', 'inspect', `${path.basename(dir)}-${service}-1`]);
      if (result.exitCode !== 0) return '';
      return (JSON.parse(result.stdout) as Array<{ Id: string }>)[0]?.Id ?? '';
    },
    async close() {
      for (const child of watchers) {
        if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
        await child;
      }
      await berth(['watch', '--stop']);
      await berth(['down', '-v', '-t', '0']);
      // Whatever `down` could not take (an invalid compose.yaml left by a failed test), through the engine.
      const left = await berth(['container', 'ls', '-a', '-q']);
      for (const id of left.stdout.split('\n').filter((line) => line.trim() !== ''))
        await berth(['container', 'rm', '-f', id.trim()]);
      await berth(['engine', 'stop']);
      await rm(root, { recursive: true, force: true });
    },
  };
  return stack;
}
