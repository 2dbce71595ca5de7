// Compose benchmarks: `up -d`, a no-change `up -d` and `down` of 1, 10 and 30 busybox services, medians over a
// few runs. Always on berth (its CLI and embedded engine, on a temporary root); and, when dockerd and
// docker-compose are installed, side by side with Docker Compose on a private Docker Engine (temporary data and
// exec roots, its own socket, no iptables rules, no default bridge) and with berth driving that same engine
// through --host. Bounded in runs and in time; removes everything it made, and ends dockerd (and its containerd)
// by PID.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { api, busyboxTar, startEngine } from './harness.mjs';
import { summarise } from './startup.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const berthBin = process.env.BERTH_BENCH_CLI ?? path.join(root, 'bin', 'berth.js');
const IMAGE = 'berth-bench/busybox:latest';
const SIZES = [1, 10, 30];
// The whole group gives up (keeping what it measured) past this many seconds.
const BUDGET_MS = Number(process.env.BENCH_COMPOSE_BUDGET_S ?? 900) * 1000;

function composeFile(services) {
  const lines = ['services:'];
  for (let i = 1; i <= services; i++) {
    lines.push(
      `  s${i}:`,
      `    image: ${IMAGE}`,
      `    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function which(name) {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin'])) {
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Runs a command, throwing with its output when it fails; its duration in ms. */
function timed(command, args, options) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { ...options, encoding: 'utf8', timeout: 300_000 });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0)
    throw new Error(`${path.basename(command)} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return elapsed;
}

/** up -d, a no-change up -d and down of each size, `runs` times, for one tool; medians per step. */
async function measure(tool, dir, runs, deadline) {
  const results = {};
  for (const size of SIZES) {
    const projectDir = path.join(dir, `${tool.name}-${size}`);
    await mkdir(projectDir, { recursive: true });
    await writeFile(path.join(projectDir, 'compose.yaml'), composeFile(size));
    const samples = { up: [], 'no-change up': [], down: [] };
    for (let run = 0; run < runs && Date.now() < deadline; run++) {
      const project = `bench${size}`;
      try {
        samples.up.push(tool.run(projectDir, project, ['up', '-d']));
        samples['no-change up'].push(tool.run(projectDir, project, ['up', '-d']));
      } finally {
        samples.down.push(tool.run(projectDir, project, ['down']));
      }
    }
    for (const [step, values] of Object.entries(samples))
      if (values.length > 0) results[`${tool.name}: ${step} (${size} services)`] = summarise(values);
  }
  return results;
}

function berthTool(name, env, extraArgs = []) {
  return {
    name,
    run: (cwd, project, args) =>
      timed(process.execPath, ['--', berthBin, ...extraArgs, '-p', project, '--progress', 'quiet', ...args], {
        cwd,
        env,
      }),
  };
}

async function startDockerd(dir) {
  const socket = path.join(dir, 'docker.sock');
  const log = openSync(path.join(dir, 'dockerd.log'), 'a');
  const child = spawn(
    which('dockerd'),
    [
      '--data-root',
      path.join(dir, 'data'),
      '--exec-root',
      path.join(dir, 'exec'),
      '--pidfile',
      path.join(dir, 'pid'),
      '-H',
      `unix://${socket}`,
      '--iptables=false',
      '--ip6tables=false',
      '--ip-masq=false',
      '--bridge=none',
      '--default-address-pool',
      'base=10.214.0.0/16,size=24',
      '--storage-driver',
      'overlay2',
    ],
    { stdio: ['ignore', log, log] },
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await api(socket, 'GET', '/_ping');
      break;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`dockerd did not start: ${error.message}`);
      }
      await sleep(200);
    }
  }
  const alive = (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const end = async (pid) => {
    if (!alive(pid)) return;
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 200 && alive(pid); i++) await sleep(100);
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  };
  return {
    socket,
    async stop() {
      const containerd = Number(
        (
          await readFile(path.join(dir, 'exec', 'containerd', 'containerd.pid'), 'utf8').catch(() => '')
        ).trim(),
      );
      // Its networks' bridges outlive dockerd: remove what it made while it still answers.
      const bridges = [];
      const json = async (url) => JSON.parse((await api(socket, 'GET', url)).text);
      for (const c of await json('/containers/json?all=1').catch(() => []))
        await api(socket, 'DELETE', `/containers/${c.Id}?force=1&v=1`).catch(() => undefined);
      for (const n of await json('/networks').catch(() => [])) {
        if (['bridge', 'host', 'none'].includes(n.Name)) continue;
        bridges.push(n.Options?.['com.docker.network.bridge.name'] ?? `br-${n.Id.slice(0, 12)}`);
        await api(socket, 'DELETE', `/networks/${n.Id}`).catch(() => undefined);
      }
      await end(child.pid);
      if (containerd > 0) await end(containerd);
      for (const bridge of bridges)
        if (existsSync(`/sys/class/net/${bridge}`)) spawnSync('ip', ['link', 'del', bridge]);
      const mounts = (await readFile('/proc/self/mountinfo', 'utf8'))
        .split('\n')
        .map((line) => line.split(' ')[4] ?? '')
        .filter((m) => m === dir || m.startsWith(`${dir}/`))
        .sort((a, b) => b.length - a.length);
      for (const mount of mounts) spawnSync('umount', ['-l', mount]);
    },
  };
}

export async function benchCompose({ runs = Number(process.env.BENCH_COMPOSE_RUNS ?? 3) } = {}) {
  const deadline = Date.now() + BUDGET_MS;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'berth-bench-compose-'));
  const results = {};
  let engine;
  let dockerd;
  try {
    const tar = await busyboxTar(dir, ['sh', 'sleep', 'true']);
    const engineEnv = {
      BERTH_BRIDGE_PREFIX: 'bcb',
      BERTH_SUBNET_POOL: '10.213.192.0/22',
      BERTH_SUBNET_SIZE: '24',
    };
    engine = await startEngine(path.join(dir, 'berth'), { ...engineEnv, BERTH_LOG_LEVEL: 'warn' });
    const [repo, tag] = IMAGE.split(':');
    await api(engine.socket, 'POST', `/images/create?fromSrc=-&repo=${repo}&tag=${tag}`, await readFile(tar));
    const cliEnv = {
      ...process.env,
      BERTH_ROOT: path.join(dir, 'berth', 'root'),
      BERTH_RUN: path.join(dir, 'berth', 'run'),
      ...engineEnv,
    };
    delete cliEnv.DOCKER_HOST;
    delete cliEnv.BERTH_HOST;
    Object.assign(results, await measure(berthTool('berth', cliEnv), dir, runs, deadline));

    const compose = which('docker-compose');
    if (which('dockerd') !== undefined && compose !== undefined && which('docker') !== undefined) {
      await mkdir(path.join(dir, 'docker'));
      dockerd = await startDockerd(path.join(dir, 'docker'));
      const host = `unix://${dockerd.socket}`;
      execFileSync('docker', ['-H', host, 'import', tar, IMAGE], { stdio: 'ignore' });
      const dockerEnv = { ...process.env, DOCKER_HOST: host };
      const composeTool = {
        name: 'docker-compose on dockerd',
        run: (cwd, project, args) =>
          timed(compose, ['-p', project, ...args], {
            cwd,
            env: { ...dockerEnv, COMPOSE_INTERACTIVE_NO_CLI: '1' },
          }),
      };
      Object.assign(results, await measure(composeTool, dir, runs, deadline));
      Object.assign(
        results,
        await measure(berthTool('berth on dockerd', cliEnv, ['-H', host]), dir, runs, deadline),
      );
    } else {
      results['docker side skipped'] = { note: 'dockerd, docker or docker-compose is not installed' };
    }
    if (Date.now() >= deadline) results['budget'] = { note: `stopped at the ${BUDGET_MS / 1000} s budget` };
    return results;
  } finally {
    await dockerd?.stop();
    if (engine) {
      const containers = JSON.parse(
        (await api(engine.socket, 'GET', '/containers/json?all=1').catch(() => ({ text: '[]' }))).text,
      );
      for (const c of containers)
        await api(engine.socket, 'DELETE', `/containers/${c.Id}?force=1`).catch(() => undefined);
      await engine.stop();
    }
    await rm(dir, { recursive: true, force: true });
  }
}

function table(results) {
  const lines = ['| benchmark | median ms | min ms | max ms | runs |', '|---|---|---|---|---|'];
  for (const [name, s] of Object.entries(results)) {
    if (s.median === undefined) lines.push(`| ${name} | ${s.note} | | | |`);
    else
      lines.push(
        `| ${name} | ${s.median.toFixed(0)} | ${s.min.toFixed(0)} | ${s.max.toFixed(0)} | ${s.runs} |`,
      );
  }
  return lines.join('\n');
}

// `node bench/compose.mjs` runs this group alone and writes bench/results/compose-*.{json,md}.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const results = await benchCompose();
  const text = table(results);
  console.log(text);
  const date = new Date().toISOString();
  const out = path.join(root, 'bench', 'results');
  await mkdir(out, { recursive: true });
  const stamp = date.replace(/[:.]/g, '-');
  const machine = {
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    kernel: os.release(),
    node: process.version,
  };
  await writeFile(
    path.join(out, `compose-${stamp}.json`),
    JSON.stringify({ machine, date, results }, null, 2),
  );
  await writeFile(path.join(out, 'compose-latest.md'), `# berth compose benchmark ${date}\n\n${text}\n`);
}
