// The monitor outlives the engine: a container keeps running and logging when the process that
// started it is SIGKILLed, and a new process adopts it, reads its log and stops it.
import { build } from 'esbuild';
import { execa } from 'execa';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCaptureLog as readLogs } from '../../../src/engine/runtime/capture-log.js';
import { adopt, type MonitorRecord } from '../../../src/engine/runtime/monitor.js';
import { buildRuntimeSpec } from '../../../src/engine/runtime/spec.js';
import { makeHarness, type Harness } from './harness.js';

let h: Harness;
let script: string;
beforeAll(async () => {
  h = await makeHarness();
  // Bundled inside node_modules so the native addon resolves from the project.
  const dir = join(process.cwd(), 'node_modules', '.cache', `berth-engine-sim-${process.pid}`);
  script = join(dir, 'engine-sim.mjs');
  await build({
    entryPoints: [join(import.meta.dirname, 'fixtures', 'engine-sim.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: script,
    external: ['node-unix-socket'],
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    logLevel: 'silent',
  });
});
afterAll(async () => {
  await rm(join(script, '..'), { recursive: true, force: true });
  await h.cleanup();
});

describe('monitor survival', () => {
  it('keeps the container running and logging after the engine is SIGKILLed, and adopts it', async () => {
    const { bundleDir, logPath, exitDir } = h.paths('survivor');
    await mkdir(bundleDir, { recursive: true });
    await mkdir(join(h.root, 'logs'), { recursive: true });
    const spec = buildRuntimeSpec({
      rootfs: h.rootfs,
      cgroupsPath: `${h.cgroupParent}/survivor`,
      process: {
        args: [
          'sh',
          '-c',
          'trap "exit 0" TERM; i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done',
        ],
      },
    });
    await writeFile(join(bundleDir, 'config.json'), JSON.stringify(spec));

    const engine = execa('node', [script, h.runc.root, bundleDir, logPath, exitDir, 'survivor'], {
      reject: false,
    });
    const record = await new Promise<MonitorRecord>((resolve, reject) => {
      engine.stdout?.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString()) as MonitorRecord));
      void engine.then((result) => reject(new Error(`engine exited: ${result.stderr}`)));
    });
    engine.kill('SIGKILL');
    const result = await engine;
    expect(result.signal).toBe('SIGKILL');

    const adopted = await adopt({ runc: h.runc }, record);
    expect(adopted.status).toBe('running');
    expect(adopted.exitCode).toBeUndefined();
    expect(adopted.monitorAlive).toBe(true);
    const before = (await readLogs(logPath)).length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = await readLogs(logPath);
    expect(after.length).toBeGreaterThan(before);
    expect(after[0]?.message).toBe('tick 0\n');

    expect(await adopted.container.stop({ timeoutMs: 5000 })).toBe(0);
    await adopted.container.delete();
    expect(await h.runc.state('survivor')).toBeUndefined();
  });
});
