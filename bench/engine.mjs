// Engine benchmarks: create+start+wait of a trivial container and exec latency through the API (medians of 20),
// and the engine's idle memory. Runs the built CLI's `engine run` on a temporary root with its own socket, imports
// a busybox image first, and removes everything it made (containers, engine, directory) before returning.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { api, busyboxTar, startEngine, time } from './harness.mjs';

const IMAGE = 'berth-bench/busybox:latest';

async function rssBytes(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kb * 1024;
}

/** Create, start and wait for `true` to exit; the wait is registered before the start, as the docker CLI does. */
async function runTrivial(socket) {
  const created = JSON.parse(
    (await api(socket, 'POST', '/containers/create', { Image: IMAGE, Cmd: ['true'] })).text,
  );
  const waiting = api(socket, 'POST', `/containers/${created.Id}/wait?condition=next-exit`);
  await api(socket, 'POST', `/containers/${created.Id}/start`);
  const result = JSON.parse((await waiting).text);
  if (result.StatusCode !== 0) throw new Error(`trivial container exited ${result.StatusCode}`);
  return created.Id;
}

async function execOnce(socket, containerId) {
  const { Id } = JSON.parse(
    (
      await api(socket, 'POST', `/containers/${containerId}/exec`, {
        Cmd: ['true'],
        AttachStdout: true,
        AttachStderr: true,
      })
    ).text,
  );
  await api(socket, 'POST', `/exec/${Id}/start`, { Detach: false, Tty: false });
  for (let i = 0; i < 200; i++) {
    const state = JSON.parse((await api(socket, 'GET', `/exec/${Id}/json`)).text);
    if (!state.Running && state.ExitCode !== null) {
      if (state.ExitCode !== 0) throw new Error(`exec exited ${state.ExitCode}`);
      return;
    }
    await sleep(5);
  }
  throw new Error('exec did not finish');
}

export async function benchEngine({ runs = 20 } = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'berth-bench-'));
  let engine;
  const containers = [];
  try {
    const tar = await busyboxTar(dir, ['sh', 'true', 'sleep', 'echo', 'cat']);
    engine = await startEngine(dir);
    const { socket } = engine;
    // Idle: a fresh engine that has served only /_ping, after a moment to settle.
    await sleep(1000);
    const idleRss = await rssBytes(engine.pid);
    const [repo, tag] = IMAGE.split(':');
    await api(
      socket,
      'POST',
      `/images/create?fromSrc=-&repo=${encodeURIComponent(repo)}&tag=${tag}`,
      await readFile(tar),
    );

    const results = {};
    results['create+start+wait (true)'] = await time(runs, async () => {
      containers.push(await runTrivial(socket));
    });
    for (const id of containers.splice(0)) await api(socket, 'DELETE', `/containers/${id}?force=1`);

    const sleeper = JSON.parse(
      (await api(socket, 'POST', '/containers/create', { Image: IMAGE, Cmd: ['sleep', '3600'] })).text,
    ).Id;
    containers.push(sleeper);
    await api(socket, 'POST', `/containers/${sleeper}/start`);
    results['exec (true)'] = await time(runs, () => execOnce(socket, sleeper));

    const busyRss = await rssBytes(engine.pid);
    // Memory figures are bytes, not times: reported in MiB in the "median" column with one run.
    const mib = (bytes) => ({
      runs: 1,
      median: bytes / 2 ** 20,
      p95: bytes / 2 ** 20,
      min: bytes / 2 ** 20,
      max: bytes / 2 ** 20,
      unit: 'MiB',
    });
    results['idle RSS MiB (fresh engine)'] = mib(idleRss);
    results['RSS MiB (after the runs)'] = mib(busyRss);
    return results;
  } finally {
    if (engine) {
      for (const id of containers)
        await api(engine.socket, 'DELETE', `/containers/${id}?force=1`).catch(() => undefined);
      await engine.stop();
    }
    await rm(dir, { recursive: true, force: true });
  }
}

// `node bench/engine.mjs` runs this group alone.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await benchEngine(), null, 2));
}
